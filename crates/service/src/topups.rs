//! Top-ups: money paid in through a channel credits a customer's wallet.
//! The foundation serves the `cash` channel (money taken by staff); the
//! entry is Dr merchant cash / Cr customer wallet.

use crate::caller::Caller;
use crate::error::ServiceError;
use crate::events::emit;
use crate::fingerprint::fingerprint;
use crate::views::TopupView;
use juhe_domain::ledger::{AccountKind, JournalEntry};
use juhe_domain::way::ChannelCode;
use juhe_domain::webhook::EventType;
use juhe_domain::{Currency, Money};
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::customers;
use juhe_store::ids::new_id;
use juhe_store::ledger::{EntryRef, Owner, ensure_account_id, post};
use juhe_store::topups::{self, TopupRow};

#[derive(Debug, Clone)]
pub struct NewTopup {
    pub customer_id: String,
    pub money: Money,
    pub channel: ChannelCode,
    pub merchant_topup_no: String,
}

/// Returns the top-up and whether this call created it.
pub async fn create(tx: Tx<'_>, caller: &Caller, t: &NewTopup) -> Result<(TopupRow, bool), ServiceError> {
    let print = fingerprint(&[
        &t.customer_id,
        &t.money.amount.to_string(),
        t.money.currency.code(),
        t.channel.as_str(),
    ]);
    if let Some(existing) = topups::get_by_topup_no_tx(&mut *tx, &caller.app_id, &t.merchant_topup_no).await? {
        if existing.fingerprint == print {
            return Ok((existing, false));
        }
        return Err(ServiceError::NumberConflict {
            what: "merchant_topup_no",
            number: t.merchant_topup_no.clone(),
        });
    }
    if t.channel != ChannelCode::Cash {
        return Err(ServiceError::UnsupportedWay(format!(
            "top-ups through {} are not available yet; use cash",
            t.channel.as_str()
        )));
    }
    customers::get_tx(&mut *tx, &caller.merchant_id, &t.customer_id)
        .await?
        .ok_or(ServiceError::NotFound("customer"))?;
    let currency: Currency = t.money.currency;
    let wallet = ensure_account_id(
        &mut *tx,
        Owner::customer(&t.customer_id),
        AccountKind::CustomerWallet,
        currency,
    )
    .await?;
    let cash = ensure_account_id(
        &mut *tx,
        Owner::merchant(&caller.merchant_id),
        AccountKind::MerchantCash,
        currency,
    )
    .await?;
    let now = now_ms();
    let row = TopupRow {
        id: new_id("top"),
        merchant_id: caller.merchant_id.clone(),
        app_id: caller.app_id.clone(),
        customer_id: t.customer_id.clone(),
        merchant_topup_no: t.merchant_topup_no.clone(),
        amount: t.money.amount,
        currency: currency.code().to_string(),
        channel: t.channel.as_str().to_string(),
        status: "succeeded".to_string(),
        fingerprint: print,
        created_at: now,
    };
    topups::insert(&mut *tx, &row).await?;
    let entry = JournalEntry::transfer(cash, wallet, currency, t.money.amount)?;
    post(
        &mut *tx,
        EntryRef {
            kind: "topup",
            ref_type: "topup",
            ref_id: &row.id,
        },
        &entry,
    )
    .await?;
    emit(
        &mut *tx,
        caller,
        EventType::TopupSucceeded,
        &row.id,
        &TopupView::from(&row),
        None,
        now,
    )
    .await?;
    Ok((row, true))
}

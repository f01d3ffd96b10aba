//! Payments. The foundation serves `way: wallet`: the payer's wallet is
//! debited at once (created → processing → succeeded in one transaction),
//! the merchant's payable credited, and the merchant's fee moved to
//! platform revenue in the same balanced entry. Other ways are refused with
//! `unsupported_way` until their channels arrive; the flow below already
//! stores way and channel so they fit without a redesign.

use crate::caller::Caller;
use crate::channels::settle::post_collection;
use crate::error::ServiceError;
use crate::events::{Object, emit_about};
use crate::fingerprint::fingerprint;
use juhe_domain::fee::fee_for;
use juhe_domain::payment::{PaymentAction, PaymentMachine, PaymentStatus};
use juhe_domain::state::transition;
use juhe_domain::way::{ChannelCode, Way};
use juhe_domain::webhook::EventType;
use juhe_domain::{Currency, DomainError, Money};
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::customers;
use juhe_store::ids::new_id;
use juhe_store::ledger::customer_wallet;
use juhe_store::payments::{self, PaymentRow, StatusChange};

/// Default time a payment may stay unpaid.
pub const DEFAULT_EXPIRE_SECONDS: i64 = 2 * 60 * 60;
/// The longest a payment may stay unpaid: 7 days.
pub const MAX_EXPIRE_SECONDS: i64 = 7 * 24 * 60 * 60;

#[derive(Debug, Clone)]
pub struct NewPayment {
    pub merchant_order_no: String,
    pub money: Money,
    pub subject: String,
    pub way: Way,
    pub payer_customer_id: Option<String>,
    pub notify_url: Option<String>,
    /// Canonical JSON text of the merchant's metadata object, if any.
    pub metadata: Option<String>,
    pub expire_seconds: i64,
    /// What the way needs at the channel (payment code, payer id, …).
    pub channel: ChannelInput,
}

/// Way-specific inputs for channel payments. (Card data is not here: it is
/// passed to the channel call and never stored.)
#[derive(Debug, Clone, Default)]
pub struct ChannelInput {
    /// The payer's payment code (`barcode`).
    pub auth_code: Option<String>,
    /// The payer's id at the channel (`jsapi`: WeChat openid, Alipay buyer id).
    pub payer_id: Option<String>,
    /// The payer's IP (`h5`).
    pub payer_ip: Option<String>,
    /// Where the payer's browser returns (`h5`).
    pub return_url: Option<String>,
    pub terminal_id: Option<String>,
    pub site_id: Option<String>,
    /// The staff member who took the payment (required for `cash`).
    pub operator_id: Option<String>,
}

impl NewPayment {
    /// The row of this payment, new, through `channel`, in `status`.
    pub fn row(&self, caller: &Caller, channel: &str, status: PaymentStatus, fee: i64, now: i64) -> PaymentRow {
        PaymentRow {
            id: new_id("pay"),
            merchant_id: caller.merchant_id.clone(),
            app_id: caller.app_id.clone(),
            merchant_order_no: self.merchant_order_no.clone(),
            amount: self.money.amount,
            currency: self.money.currency.code().to_string(),
            subject: self.subject.clone(),
            way: self.way.as_str().to_string(),
            channel: channel.to_string(),
            status: status.as_str().to_string(),
            payer_customer_id: self.payer_customer_id.clone(),
            notify_url: self.notify_url.clone(),
            metadata: self.metadata.clone(),
            expire_at: now + self.expire_seconds * 1000,
            refunded_amount: 0,
            refund_reserved: 0,
            fee,
            fee_refunded: 0,
            failure_code: None,
            failure_message: None,
            fingerprint: self.fingerprint(),
            created_at: now,
            updated_at: now,
            succeeded_at: (status == PaymentStatus::Succeeded).then_some(now),
            closed_at: None,
            channel_config_id: None,
            channel_trade_no: None,
            pay_action: None,
            terminal_id: self.channel.terminal_id.clone(),
            site_id: self.channel.site_id.clone(),
            operator_id: self.channel.operator_id.clone(),
        }
    }

    pub fn fingerprint(&self) -> String {
        let mut fields = vec![
            self.money.amount.to_string(),
            self.money.currency.code().to_string(),
            self.subject.clone(),
            self.way.as_str().to_string(),
            self.payer_customer_id.clone().unwrap_or_default(),
            self.notify_url.clone().unwrap_or_default(),
            self.metadata.clone().unwrap_or_default(),
            self.expire_seconds.to_string(),
        ];
        // Channel inputs join the print only when present, so the prints of
        // payments stored before they existed stay the same.
        let c = &self.channel;
        let extra = [
            &c.auth_code,
            &c.payer_id,
            &c.payer_ip,
            &c.return_url,
            &c.terminal_id,
            &c.site_id,
        ];
        if extra.iter().any(|f| f.is_some()) {
            fields.push("channel".to_string());
            fields.extend(extra.iter().map(|f| f.as_deref().unwrap_or("").to_string()));
        }
        let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
        fingerprint(&refs)
    }
}

/// Creates (and, for wallet, completes) a payment. Returns the payment and
/// whether this call created it: a repeat with the same order number and
/// fields returns the existing payment unchanged.
pub async fn create(tx: Tx<'_>, caller: &Caller, p: &NewPayment) -> Result<(PaymentRow, bool), ServiceError> {
    if p.way == Way::Cash {
        return create_cash(tx, caller, p).await;
    }
    if p.way != Way::Wallet {
        if let Some(existing) = existing_order(&mut *tx, caller, p).await? {
            return Ok((existing, false));
        }
        return Err(ServiceError::UnsupportedWay(format!(
            "way {:?} needs a channel that is not configured for this merchant",
            p.way.as_str()
        )));
    }
    let customer_id = p
        .payer_customer_id
        .as_deref()
        .ok_or_else(|| ServiceError::InvalidRequest("payer.customer_id is required for way wallet".into()))?;
    let now = now_ms();
    let fee = fee_for(p.money.amount, caller.wallet_fee_bps)?;
    // The whole wallet flow happens in this transaction, so the row is
    // written once, in the status the state table leads to.
    let row = p.row(caller, ChannelCode::Wallet.as_str(), paid_at_once()?, fee, now);
    if let Some(existing) = insert_new(&mut *tx, caller, p, &row).await? {
        return Ok((existing, false));
    }
    debit_wallet(&mut *tx, caller, &row, customer_id).await?;
    emit_about(tx, caller, EventType::PaymentSucceeded, Object::Payment(&row), now).await?;
    Ok((row, true))
}

/// Cash taken by a staff member at a terminal: recorded, not collected by
/// juhe, so it succeeds at once and no fee applies. One entry: Dr the
/// terminal's cash drawer / Cr the merchant's payable (the drawer is what
/// shift handover counts and empties).
async fn create_cash(tx: Tx<'_>, caller: &Caller, p: &NewPayment) -> Result<(PaymentRow, bool), ServiceError> {
    let (Some(terminal_id), Some(_operator)) = (&p.channel.terminal_id, &p.channel.operator_id) else {
        return Err(ServiceError::InvalidRequest(
            "terminal_id and operator_id are required for way cash: who took the cash, and where".into(),
        ));
    };
    let now = now_ms();
    let row = p.row(caller, ChannelCode::Cash.as_str(), paid_at_once()?, 0, now);
    if let Some(existing) = insert_new(&mut *tx, caller, p, &row).await? {
        return Ok((existing, false));
    }
    let drawer = cash_drawer(&mut *tx, terminal_id, p.money.currency).await?;
    post_collection(&mut *tx, &row, drawer).await?;
    emit_about(tx, caller, EventType::PaymentSucceeded, Object::Payment(&row), now).await?;
    Ok((row, true))
}

/// The status of a payment that moves its money in the same transaction
/// it is created in (wallet, cash): created → processing → succeeded.
fn paid_at_once() -> Result<PaymentStatus, ServiceError> {
    let mut status = PaymentStatus::Created;
    for action in [PaymentAction::Submit, PaymentAction::Succeed] {
        status = transition::<PaymentMachine>(status, action)?;
    }
    Ok(status)
}

/// Inserts a new payment row; if the app already has this order number
/// (an identical request won the race), answers that payment instead.
pub async fn insert_new(
    tx: Tx<'_>,
    caller: &Caller,
    p: &NewPayment,
    row: &PaymentRow,
) -> Result<Option<PaymentRow>, ServiceError> {
    if payments::insert_if_absent(&mut *tx, row).await? {
        return Ok(None);
    }
    match existing_order(tx, caller, p).await? {
        Some(existing) => Ok(Some(existing)),
        None => Err(juhe_store::StoreError::Corrupt("order number conflict without a row".into()).into()),
    }
}

/// The cash drawer account of a terminal (opened on first use).
pub async fn cash_drawer(tx: Tx<'_>, terminal_id: &str, currency: Currency) -> Result<String, ServiceError> {
    Ok(juhe_store::ledger::ensure_account_id(
        tx,
        juhe_store::ledger::Owner::terminal(terminal_id),
        juhe_domain::ledger::AccountKind::MerchantCash,
        currency,
    )
    .await?)
}

/// The app's payment with this order number: the same request if the fields
/// match, a conflict if not, `None` if there is none.
pub async fn existing_order(tx: Tx<'_>, caller: &Caller, p: &NewPayment) -> Result<Option<PaymentRow>, ServiceError> {
    match payments::get_by_order_no_tx(tx, &caller.app_id, &p.merchant_order_no).await? {
        Some(existing) if existing.fingerprint == p.fingerprint() => Ok(Some(existing)),
        Some(_) => Err(ServiceError::NumberConflict {
            what: "merchant_order_no",
            number: p.merchant_order_no.clone(),
        }),
        None => Ok(None),
    }
}

/// Debits the payer's wallet for the payment (one balanced entry, see
/// `channels::settle::post_collection`).
async fn debit_wallet(tx: Tx<'_>, caller: &Caller, row: &PaymentRow, customer_id: &str) -> Result<(), ServiceError> {
    let currency = Currency::parse(&row.currency)?;
    let Some(wallet) = customer_wallet(&mut *tx, &caller.merchant_id, customer_id, currency).await? else {
        // No wallet in this currency: either no such customer (for this
        // merchant), or one who never had money in it.
        customers::get_tx(&mut *tx, &caller.merchant_id, customer_id)
            .await?
            .ok_or(ServiceError::NotFound("customer"))?;
        return Err(DomainError::InsufficientFunds {
            available: 0,
            needed: row.amount,
        }
        .into());
    };
    post_collection(tx, row, wallet).await
}

/// Applies a transition from the table with a guarded update.
async fn advance(tx: Tx<'_>, row: &mut PaymentRow, action: PaymentAction, now: i64) -> Result<(), ServiceError> {
    let from = PaymentStatus::parse(&row.status)
        .ok_or_else(|| juhe_store::StoreError::Corrupt(format!("payment status {}", row.status)))?;
    let to = transition::<PaymentMachine>(from, action)?;
    let changed = payments::change_status(
        tx,
        StatusChange {
            id: &row.id,
            from: from.as_str(),
            to: to.as_str(),
            now,
        },
    )
    .await?;
    if !changed {
        return Err(DomainError::IllegalTransition {
            kind: "payment",
            from: "changed concurrently",
            action: "update",
        }
        .into());
    }
    row.status = to.as_str().to_string();
    row.updated_at = now;
    match to {
        PaymentStatus::Succeeded => row.succeeded_at = Some(now),
        PaymentStatus::Closed => row.closed_at = Some(now),
        _ => {}
    }
    Ok(())
}

/// A close at a channel not confirmed within this long is retried by its task.
const CLOSE_RETRY_AFTER_MS: i64 = 30_000;

/// Closes an unpaid payment at the merchant's request (or at expiry). A
/// payment at a channel is only marked for closing here (see
/// `channels::tasks::close_at_channel`).
pub async fn close(tx: Tx<'_>, caller: &Caller, payment_id: &str) -> Result<PaymentRow, ServiceError> {
    let mut row = payments::get_tx(&mut *tx, &caller.merchant_id, payment_id)
        .await?
        .ok_or(ServiceError::NotFound("payment"))?;
    if row.status == PaymentStatus::Closed.as_str() {
        // Closing twice is the same request: answer with the closed payment.
        return Ok(row);
    }
    let now = now_ms();
    if row.status == PaymentStatus::Processing.as_str() && row.channel != ChannelCode::Wallet.as_str() {
        // At a channel: it must be closed there first (the caller does it
        // now; the task does it if this process dies).
        juhe_store::channel_tasks::arm(
            &mut *tx,
            juhe_store::channel_tasks::kind::CLOSE_PAYMENT,
            &row.id,
            now + CLOSE_RETRY_AFTER_MS,
            row.expire_at.max(now) + CLOSE_RETRY_AFTER_MS,
            now,
        )
        .await?;
        return Ok(row);
    }
    advance(&mut *tx, &mut row, PaymentAction::Close, now).await?;
    emit_about(&mut *tx, caller, EventType::PaymentClosed, Object::Payment(&row), now).await?;
    Ok(row)
}

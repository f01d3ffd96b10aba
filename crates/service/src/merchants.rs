//! The platform's management of merchants and their API apps: create,
//! edit, suspend and reactivate a merchant; create an app (its secrets
//! shown once), rotate its secret (the old one keeps working for a grace
//! period), disable and enable it. Every change is audited.

use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::Actor;
use crate::provision::{self, AppSecrets};
use juhe_crypto::MasterKey;
use juhe_domain::access::Permission;
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use juhe_store::merchants::{self, AppRow, MerchantEdit, MerchantRow};
use serde::Serialize;
use zeroize::Zeroizing;

/// How long a rotated-out app secret keeps verifying requests.
pub const SECRET_GRACE_MS: i64 = 24 * 60 * 60 * 1000;

/// What the platform fills in for a merchant.
#[derive(Debug, Clone)]
pub struct MerchantInput {
    pub name: String,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub wallet_fee_bps: i64,
}

#[derive(Serialize)]
struct MerchantSnapshot<'a> {
    name: &'a str,
    status: &'a str,
    contact_name: Option<&'a str>,
    contact_phone: Option<&'a str>,
    wallet_fee_bps: i64,
}

fn snapshot(m: &MerchantRow) -> serde_json::Value {
    serde_json::to_value(MerchantSnapshot {
        name: &m.name,
        status: &m.status,
        contact_name: m.contact_name.as_deref(),
        contact_phone: m.contact_phone.as_deref(),
        wallet_fee_bps: m.wallet_fee_bps,
    })
    .unwrap_or_default()
}

fn clean(input: &MerchantInput) -> Result<MerchantInput, ServiceError> {
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::InvalidRequest(
            "a merchant name has 1 to 100 characters".into(),
        ));
    }
    let opt = |v: &Option<String>, what: &str, max: usize| -> Result<Option<String>, ServiceError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) if s.chars().count() <= max => Ok(Some(s.to_string())),
            Some(_) => Err(ServiceError::InvalidRequest(format!(
                "{what} has at most {max} characters"
            ))),
        }
    };
    if !(0..=10_000).contains(&input.wallet_fee_bps) {
        return Err(ServiceError::InvalidRequest(
            "the wallet fee is 0 to 10000 basis points".into(),
        ));
    }
    Ok(MerchantInput {
        name,
        contact_name: opt(&input.contact_name, "the contact name", 64)?,
        contact_phone: opt(&input.contact_phone, "the contact phone", 32)?,
        wallet_fee_bps: input.wallet_fee_bps,
    })
}

async fn merchant(tx: Tx<'_>, id: &str) -> Result<MerchantRow, ServiceError> {
    merchants::get_merchant_tx(tx, id)
        .await?
        .ok_or(ServiceError::NotFound("merchant"))
}

pub async fn create(tx: Tx<'_>, actor: &Actor, input: &MerchantInput) -> Result<MerchantRow, ServiceError> {
    if !actor.is_platform() {
        return Err(ServiceError::Forbidden("only the platform creates merchants".into()));
    }
    actor.require(Permission::PlatformMerchantsManage)?;
    let input = clean(input)?;
    let id = new_id("mch");
    provision::create_merchant(&mut *tx, &id, &input.name, input.wallet_fee_bps).await?;
    merchants::update_merchant(
        &mut *tx,
        &id,
        &MerchantEdit {
            name: &input.name,
            contact_name: input.contact_name.as_deref(),
            contact_phone: input.contact_phone.as_deref(),
            wallet_fee_bps: input.wallet_fee_bps,
        },
        now_ms(),
    )
    .await?;
    let row = merchant(&mut *tx, &id).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("merchant.create", "merchant", &id)
            .merchant(Some(&id))
            .after(snapshot(&row)),
    )
    .await?;
    Ok(row)
}

pub async fn update(tx: Tx<'_>, actor: &Actor, id: &str, input: &MerchantInput) -> Result<MerchantRow, ServiceError> {
    actor.require_in(Permission::PlatformMerchantsManage, id)?;
    let before = merchant(&mut *tx, id).await?;
    let input = clean(input)?;
    merchants::update_merchant(
        &mut *tx,
        id,
        &MerchantEdit {
            name: &input.name,
            contact_name: input.contact_name.as_deref(),
            contact_phone: input.contact_phone.as_deref(),
            wallet_fee_bps: input.wallet_fee_bps,
        },
        now_ms(),
    )
    .await?;
    let after = merchant(&mut *tx, id).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("merchant.update", "merchant", id)
            .merchant(Some(id))
            .before(snapshot(&before))
            .after(snapshot(&after)),
    )
    .await?;
    Ok(after)
}

/// Suspends (`active = false`) or reactivates a merchant. A suspended
/// merchant's apps are refused within the gateway's app cache lifetime.
pub async fn set_active(tx: Tx<'_>, actor: &Actor, id: &str, active: bool) -> Result<MerchantRow, ServiceError> {
    actor.require_in(Permission::PlatformMerchantsManage, id)?;
    let before = merchant(&mut *tx, id).await?;
    let status = if active { "active" } else { "suspended" };
    if before.status == status {
        return Ok(before);
    }
    merchants::set_merchant_status(&mut *tx, id, status, now_ms()).await?;
    let after = merchant(&mut *tx, id).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new(
            if active {
                "merchant.reactivate"
            } else {
                "merchant.suspend"
            },
            "merchant",
            id,
        )
        .merchant(Some(id))
        .before(snapshot(&before))
        .after(snapshot(&after)),
    )
    .await?;
    Ok(after)
}

fn app_snapshot(a: &AppRow) -> serde_json::Value {
    serde_json::json!({
        "name": a.name,
        "status": a.status,
        "notify_url": a.notify_url,
        "signs_with_public_key": a.public_key.is_some(),
        "previous_secret_until": a.previous_secret_until,
    })
}

fn check_notify_url(url: Option<&str>) -> Result<Option<String>, ServiceError> {
    match url.map(str::trim).filter(|u| !u.is_empty()) {
        None => Ok(None),
        Some(u) if (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 512 => Ok(Some(u.to_string())),
        Some(_) => Err(ServiceError::InvalidRequest(
            "the notify URL must be an http(s) URL of at most 512 characters".into(),
        )),
    }
}

/// A new app with fresh secrets; the caller shows them once.
pub async fn create_app(
    tx: Tx<'_>,
    actor: &Actor,
    keys: &MasterKey,
    merchant_id: &str,
    name: &str,
    notify_url: Option<&str>,
) -> Result<(AppRow, AppSecrets), ServiceError> {
    actor.require_in(Permission::PlatformMerchantsManage, merchant_id)?;
    merchant(&mut *tx, merchant_id).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ServiceError::InvalidRequest(
            "an app name has 1 to 64 characters".into(),
        ));
    }
    let notify_url = check_notify_url(notify_url)?;
    let id = new_id("app");
    let secrets = provision::create_app(&mut *tx, keys, &id, merchant_id, name, notify_url.as_deref()).await?;
    let row = app(&mut *tx, merchant_id, &id).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("app.create", "app", &id)
            .merchant(Some(merchant_id))
            .after(app_snapshot(&row)),
    )
    .await?;
    Ok((row, secrets))
}

async fn app(tx: Tx<'_>, merchant_id: &str, id: &str) -> Result<AppRow, ServiceError> {
    merchants::get_app_tx(tx, id)
        .await?
        .filter(|a| a.merchant_id == merchant_id)
        .ok_or(ServiceError::NotFound("app"))
}

/// A new API secret for the app, shown once; the previous one keeps
/// verifying requests for [`SECRET_GRACE_MS`].
pub async fn rotate_app_secret(
    tx: Tx<'_>,
    actor: &Actor,
    keys: &MasterKey,
    merchant_id: &str,
    app_id: &str,
) -> Result<(AppRow, Zeroizing<String>), ServiceError> {
    actor.require_in(Permission::PlatformMerchantsManage, merchant_id)?;
    let before = app(&mut *tx, merchant_id, app_id).await?;
    let (secret, sealed) = provision::new_app_secret(keys, app_id)?;
    let until = now_ms().saturating_add(SECRET_GRACE_MS);
    merchants::rotate_app_secret(&mut *tx, app_id, &sealed, &before.secret_sealed, until).await?;
    let after = app(&mut *tx, merchant_id, app_id).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("app.rotate_secret", "app", app_id)
            .merchant(Some(merchant_id))
            .before(app_snapshot(&before))
            .after(app_snapshot(&after)),
    )
    .await?;
    Ok((after, secret))
}

/// Changes an app's name-independent settings: active or disabled, notify URL.
pub async fn update_app(
    tx: Tx<'_>,
    actor: &Actor,
    merchant_id: &str,
    app_id: &str,
    active: bool,
    notify_url: Option<&str>,
) -> Result<AppRow, ServiceError> {
    actor.require_in(Permission::PlatformMerchantsManage, merchant_id)?;
    let before = app(&mut *tx, merchant_id, app_id).await?;
    let notify_url = check_notify_url(notify_url)?;
    merchants::set_app_status(&mut *tx, app_id, if active { "active" } else { "disabled" }).await?;
    merchants::set_app_notify_url(&mut *tx, app_id, notify_url.as_deref()).await?;
    let after = app(&mut *tx, merchant_id, app_id).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("app.update", "app", app_id)
            .merchant(Some(merchant_id))
            .before(app_snapshot(&before))
            .after(app_snapshot(&after)),
    )
    .await?;
    Ok(after)
}

//! Sites and terminals of a merchant: created and edited by the merchant's
//! administrators (or the platform), audited.

use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::Actor;
use juhe_domain::access::{Permission, UserScope};
use juhe_domain::site;
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use juhe_store::sites::{self, SiteRow, TerminalRow};

#[derive(Debug, Clone)]
pub struct SiteInput {
    pub name: String,
    pub kind: String,
    pub address: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct TerminalInput {
    pub site_id: String,
    pub name: String,
    pub kind: String,
    pub serial_no: String,
    pub active: bool,
}

fn site_snapshot(s: &SiteRow) -> serde_json::Value {
    serde_json::json!({ "name": s.name, "kind": s.kind, "address": s.address, "status": s.status })
}

fn terminal_snapshot(t: &TerminalRow) -> serde_json::Value {
    serde_json::json!({ "site_id": t.site_id, "name": t.name, "kind": t.kind, "serial_no": t.serial_no, "status": t.status })
}

fn check_name(name: &str, what: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(ServiceError::InvalidRequest(format!("{what} has 1 to 64 characters")));
    }
    Ok(name.to_string())
}

fn check_site(input: &SiteInput) -> Result<(String, Option<String>), ServiceError> {
    let name = check_name(&input.name, "a site name")?;
    if !site::is_site_kind(&input.kind) {
        return Err(ServiceError::InvalidRequest(format!(
            "unknown site kind {:?}",
            input.kind
        )));
    }
    let address = input.address.as_deref().map(str::trim).filter(|a| !a.is_empty());
    if address.is_some_and(|a| a.chars().count() > 200) {
        return Err(ServiceError::InvalidRequest(
            "an address has at most 200 characters".into(),
        ));
    }
    Ok((name, address.map(str::to_string)))
}

/// Site users manage only their own site's terminals and cannot create sites.
fn check_site_access(actor: &Actor, merchant_id: &str, site_id: &str) -> Result<(), ServiceError> {
    if !actor.scope.sees(merchant_id, Some(site_id)) {
        return Err(ServiceError::NotFound("site"));
    }
    Ok(())
}

pub async fn create_site(
    tx: Tx<'_>,
    actor: &Actor,
    merchant_id: &str,
    input: &SiteInput,
) -> Result<SiteRow, ServiceError> {
    actor.require_in(Permission::SitesManage, merchant_id)?;
    if matches!(actor.scope, UserScope::Site { .. }) {
        return Err(ServiceError::Forbidden("site users cannot create sites".into()));
    }
    juhe_store::merchants::get_merchant_tx(&mut *tx, merchant_id)
        .await?
        .ok_or(ServiceError::NotFound("merchant"))?;
    let (name, address) = check_site(input)?;
    let now = now_ms();
    let row = SiteRow {
        id: new_id("site"),
        merchant_id: merchant_id.to_string(),
        name,
        kind: input.kind.clone(),
        address,
        status: if input.active { "active" } else { "closed" }.into(),
        created_at: now,
        updated_at: now,
    };
    sites::insert_site(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("site.create", "site", &row.id)
            .merchant(Some(merchant_id))
            .after(site_snapshot(&row)),
    )
    .await?;
    Ok(row)
}

pub async fn update_site(
    tx: Tx<'_>,
    actor: &Actor,
    merchant_id: &str,
    site_id: &str,
    input: &SiteInput,
) -> Result<SiteRow, ServiceError> {
    actor.require_in(Permission::SitesManage, merchant_id)?;
    check_site_access(actor, merchant_id, site_id)?;
    let before = sites::get_site_tx(&mut *tx, merchant_id, site_id)
        .await?
        .ok_or(ServiceError::NotFound("site"))?;
    let (name, address) = check_site(input)?;
    let after = SiteRow {
        name,
        kind: input.kind.clone(),
        address,
        status: if input.active { "active" } else { "closed" }.into(),
        updated_at: now_ms(),
        ..before.clone()
    };
    sites::update_site(&mut *tx, &after).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("site.update", "site", site_id)
            .merchant(Some(merchant_id))
            .before(site_snapshot(&before))
            .after(site_snapshot(&after)),
    )
    .await?;
    Ok(after)
}

async fn check_terminal(
    tx: Tx<'_>,
    actor: &Actor,
    merchant_id: &str,
    input: &TerminalInput,
) -> Result<String, ServiceError> {
    check_site_access(actor, merchant_id, &input.site_id)?;
    sites::get_site_tx(&mut *tx, merchant_id, &input.site_id)
        .await?
        .ok_or(ServiceError::NotFound("site"))?;
    let name = check_name(&input.name, "a terminal name")?;
    if !site::is_terminal_kind(&input.kind) {
        return Err(ServiceError::InvalidRequest(format!(
            "unknown terminal kind {:?}",
            input.kind
        )));
    }
    if !site::is_serial_no(&input.serial_no) {
        return Err(ServiceError::InvalidRequest(
            "a serial number has 1 to 64 of letters, digits, '-', '_', '.'".into(),
        ));
    }
    Ok(name)
}

pub async fn create_terminal(
    tx: Tx<'_>,
    actor: &Actor,
    merchant_id: &str,
    input: &TerminalInput,
) -> Result<TerminalRow, ServiceError> {
    actor.require_in(Permission::TerminalsManage, merchant_id)?;
    let name = check_terminal(&mut *tx, actor, merchant_id, input).await?;
    if sites::terminal_by_serial_tx(&mut *tx, merchant_id, &input.serial_no)
        .await?
        .is_some()
    {
        return Err(ServiceError::AlreadyExists {
            what: "terminal",
            name: input.serial_no.clone(),
        });
    }
    let now = now_ms();
    let row = TerminalRow {
        id: new_id("term"),
        merchant_id: merchant_id.to_string(),
        site_id: input.site_id.clone(),
        name,
        kind: input.kind.clone(),
        serial_no: input.serial_no.clone(),
        status: if input.active { "active" } else { "disabled" }.into(),
        created_at: now,
        updated_at: now,
    };
    sites::insert_terminal(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("terminal.create", "terminal", &row.id)
            .merchant(Some(merchant_id))
            .after(terminal_snapshot(&row)),
    )
    .await?;
    Ok(row)
}

pub async fn update_terminal(
    tx: Tx<'_>,
    actor: &Actor,
    merchant_id: &str,
    terminal_id: &str,
    input: &TerminalInput,
) -> Result<TerminalRow, ServiceError> {
    actor.require_in(Permission::TerminalsManage, merchant_id)?;
    let before = sites::get_terminal_tx(&mut *tx, merchant_id, terminal_id)
        .await?
        .ok_or(ServiceError::NotFound("terminal"))?;
    check_site_access(actor, merchant_id, &before.site_id).map_err(|_| ServiceError::NotFound("terminal"))?;
    let name = check_terminal(&mut *tx, actor, merchant_id, input).await?;
    if let Some(other) = sites::terminal_by_serial_tx(&mut *tx, merchant_id, &input.serial_no).await?
        && other.id != before.id
    {
        return Err(ServiceError::AlreadyExists {
            what: "terminal",
            name: input.serial_no.clone(),
        });
    }
    let after = TerminalRow {
        site_id: input.site_id.clone(),
        name,
        kind: input.kind.clone(),
        serial_no: input.serial_no.clone(),
        status: if input.active { "active" } else { "disabled" }.into(),
        updated_at: now_ms(),
        ..before.clone()
    };
    sites::update_terminal(&mut *tx, &after).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("terminal.update", "terminal", terminal_id)
            .merchant(Some(merchant_id))
            .before(terminal_snapshot(&before))
            .after(terminal_snapshot(&after)),
    )
    .await?;
    Ok(after)
}

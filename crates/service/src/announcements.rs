//! Announcements from the platform to merchants (all, or one).

use crate::audit::{self, Change};
use crate::error::ServiceError;
use crate::identity::Actor;
use juhe_domain::access::Permission;
use juhe_store::Tx;
use juhe_store::announcements::{self, AnnouncementRow};
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;

pub async fn publish(
    tx: Tx<'_>,
    actor: &Actor,
    title: &str,
    body: &str,
    audience: Option<&str>,
) -> Result<AnnouncementRow, ServiceError> {
    if !actor.is_platform() {
        return Err(ServiceError::Forbidden(
            "only the platform publishes announcements".into(),
        ));
    }
    actor.require(Permission::PlatformAnnouncementsManage)?;
    let title = title.trim();
    let body = body.trim();
    if title.is_empty() || title.chars().count() > 120 {
        return Err(ServiceError::InvalidRequest("a title has 1 to 120 characters".into()));
    }
    if body.is_empty() || body.chars().count() > 4000 {
        return Err(ServiceError::InvalidRequest(
            "a message has 1 to 4000 characters".into(),
        ));
    }
    let audience = match audience.map(str::trim).filter(|a| !a.is_empty()) {
        None => "all".to_string(),
        Some(m) => {
            juhe_store::merchants::get_merchant_tx(&mut *tx, m)
                .await?
                .ok_or(ServiceError::NotFound("merchant"))?;
            m.to_string()
        }
    };
    let row = AnnouncementRow {
        id: new_id("ann"),
        title: title.to_string(),
        body: body.to_string(),
        audience,
        created_by: actor.name.clone(),
        created_at: now_ms(),
        withdrawn_at: None,
    };
    announcements::insert(&mut *tx, &row).await?;
    audit::record(
        &mut *tx,
        actor,
        Change::new("announcement.publish", "announcement", &row.id)
            .after(serde_json::json!({ "title": row.title, "audience": row.audience })),
    )
    .await?;
    Ok(row)
}

pub async fn withdraw(tx: Tx<'_>, actor: &Actor, id: &str) -> Result<(), ServiceError> {
    actor.require(Permission::PlatformAnnouncementsManage)?;
    if !actor.is_platform() {
        return Err(ServiceError::NotFound("announcement"));
    }
    let row = announcements::get_tx(&mut *tx, id)
        .await?
        .ok_or(ServiceError::NotFound("announcement"))?;
    if !announcements::withdraw(&mut *tx, id, now_ms()).await? {
        return Err(ServiceError::IllegalState(
            "this announcement is already withdrawn".into(),
        ));
    }
    audit::record(
        &mut *tx,
        actor,
        Change::new("announcement.withdraw", "announcement", id)
            .before(serde_json::json!({ "title": row.title, "audience": row.audience })),
    )
    .await
}

//! Writing the audit log: every console (and admin API) change records who
//! made it, when, what it touched, and the object before and after, in the
//! same transaction as the change itself, so neither exists without the other.

use crate::error::ServiceError;
use crate::identity::Actor;
use juhe_store::Tx;
use juhe_store::audit::AuditRow;
use juhe_store::clock::now_ms;
use juhe_store::ids::new_id;
use serde_json::Value;

/// One change, described for the log.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: &'static str,
    pub object_type: &'static str,
    pub object_id: String,
    pub merchant_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub fn new(action: &'static str, object_type: &'static str, object_id: &str) -> Change {
        Change {
            action,
            object_type,
            object_id: object_id.to_string(),
            merchant_id: None,
            before: None,
            after: None,
        }
    }

    /// The merchant whose data this is (merchant users see only their own rows).
    pub fn merchant(mut self, merchant_id: Option<&str>) -> Change {
        self.merchant_id = merchant_id.map(str::to_string);
        self
    }

    pub fn before(mut self, v: Value) -> Change {
        self.before = Some(v);
        self
    }

    pub fn after(mut self, v: Value) -> Change {
        self.after = Some(v);
        self
    }

    /// Before and after from anything serialisable (a snapshot type that
    /// leaves secrets out).
    pub fn between<T: serde::Serialize>(self, before: &T, after: &T) -> Change {
        self.before(serde_json::to_value(before).unwrap_or(Value::Null))
            .after(serde_json::to_value(after).unwrap_or(Value::Null))
    }
}

pub async fn record(tx: Tx<'_>, actor: &Actor, change: Change) -> Result<(), ServiceError> {
    let row = AuditRow {
        id: new_id("aud"),
        at: now_ms(),
        actor_id: actor.user_id.clone(),
        actor_name: actor.name.clone(),
        merchant_id: change.merchant_id,
        action: change.action.to_string(),
        object_type: change.object_type.to_string(),
        object_id: change.object_id,
        before_json: change.before.map(|v| v.to_string()),
        after_json: change.after.map(|v| v.to_string()),
        ip: actor.ip.clone(),
    };
    juhe_store::audit::insert(tx, &row).await?;
    Ok(())
}

//! `--demo` for the consoles: a toll plaza and a fuel station with
//! terminals for the demo merchant, and one console user per built-in role,
//! their passwords kept in `<data-dir>/demo.json` (random on first start,
//! the same afterwards).

use crate::demo::{DemoCredentials, DemoError, MERCHANT_ID};
use juhe_domain::access::{BuiltinRole, UserScope};
use juhe_service::ServiceError;
use juhe_service::identity::Actor;
use juhe_service::identity::users::{self, NewUser};
use juhe_service::sites::{self, SiteInput, TerminalInput};
use juhe_store::Db;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const PLAZA_ID: &str = "site_demo_plaza";
pub const STATION_ID: &str = "site_demo_station";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
    pub role: String,
}

/// Who the demo creates: user name, display name, role, site.
const USERS: &[(&str, &str, BuiltinRole, Option<&str>)] = &[
    ("admin", "Platform Admin", BuiltinRole::PlatformAdmin, None),
    ("ops", "Platform Ops", BuiltinRole::PlatformOperations, None),
    ("demo-admin", "Demo Merchant Admin", BuiltinRole::MerchantAdmin, None),
    ("demo-finance", "Demo Finance", BuiltinRole::MerchantFinance, None),
    (
        "demo-manager",
        "Plaza Manager",
        BuiltinRole::SiteManager,
        Some(PLAZA_ID),
    ),
    ("demo-cashier", "Lane Cashier", BuiltinRole::Cashier, Some(PLAZA_ID)),
];

/// The demo users' passwords from an earlier start, if demo.json has them.
pub fn previous_users(data_dir: &Path) -> Vec<DemoUser> {
    std::fs::read(data_dir.join("demo.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<DemoCredentials>(&b).ok())
        .map(|c| c.console_users)
        .unwrap_or_default()
}

pub async fn seed(
    db: &Db,
    base_url: &str,
    previous: Vec<DemoUser>,
    creds: &mut DemoCredentials,
) -> Result<(), DemoError> {
    seed_sites(db).await?;
    let mut out = Vec::new();
    for (username, display, role, site) in USERS {
        let known = previous
            .iter()
            .find(|u| u.username == *username)
            .map(|u| u.password.clone());
        let exists = juhe_store::users::by_username(db.reader(), username).await?;
        let password = match (&exists, known) {
            (Some(_), Some(p)) => p,
            (_, _) => {
                let password = format!("Demo-{}", juhe_store::ids::random_hex(6));
                let hash =
                    juhe_crypto::password::hash_password(&password).map_err(|e| DemoError::Password(e.to_string()))?;
                match &exists {
                    Some(u) => {
                        let id = u.id.clone();
                        db.write(move |tx| {
                            let (id, hash) = (id.clone(), hash.clone());
                            Box::pin(async move { users::reset_password(tx, &Actor::system("demo"), &id, &hash).await })
                        })
                        .await?
                    }
                    None => {
                        let scope = match (role, site) {
                            (BuiltinRole::PlatformAdmin | BuiltinRole::PlatformOperations, _) => UserScope::Platform,
                            (_, Some(s)) => UserScope::Site {
                                merchant_id: MERCHANT_ID.into(),
                                site_id: (*s).into(),
                            },
                            (_, None) => UserScope::Merchant {
                                merchant_id: MERCHANT_ID.into(),
                            },
                        };
                        let new = std::sync::Arc::new(NewUser {
                            username: (*username).into(),
                            display_name: (*display).into(),
                            scope,
                            password_hash: hash,
                            locale: "zh-CN".into(),
                            role_ids: vec![role.id().into()],
                            overrides: Vec::new(),
                        });
                        db.write(move |tx| {
                            let new = new.clone();
                            Box::pin(async move { users::create(tx, &Actor::system("demo"), &new).await.map(|_| ()) })
                        })
                        .await?
                    }
                }
                password
            }
        };
        out.push(DemoUser {
            username: (*username).into(),
            password,
            role: role.id().trim_start_matches("role_").into(),
        });
    }
    creds.console_url = Some(format!("{}/console", base_url.trim_end_matches('/')));
    creds.console_users = out;
    Ok(())
}

async fn seed_sites(db: &Db) -> Result<(), DemoError> {
    db.write(|tx| {
        Box::pin(async move {
            if juhe_store::sites::get_site_tx(&mut *tx, MERCHANT_ID, PLAZA_ID)
                .await?
                .is_some()
            {
                return Ok::<_, ServiceError>(());
            }
            let actor = Actor::system("demo");
            for (id, name, kind, address) in [
                (
                    PLAZA_ID,
                    "Demo Toll Plaza (G4 K1024)",
                    "toll_plaza",
                    "G4 Expressway, km 1024",
                ),
                (STATION_ID, "Demo Fuel Station No. 7", "fuel_station", "88 Harbour Road"),
            ] {
                let site = sites::create_site(
                    &mut *tx,
                    &actor,
                    MERCHANT_ID,
                    &SiteInput {
                        name: name.into(),
                        kind: kind.into(),
                        address: Some(address.into()),
                        active: true,
                    },
                )
                .await?;
                // Stable ids, so the demo's API examples can name them.
                juhe_store::sql::query("UPDATE sites SET id = $1 WHERE id = $2")
                    .bind(id)
                    .bind(&site.id)
                    .execute(&mut *tx)
                    .await?;
            }
            for (site, name, kind, serial) in [
                (PLAZA_ID, "Exit lane 1", "toll_lane", "LANE-01"),
                (PLAZA_ID, "Exit lane 2", "toll_lane", "LANE-02"),
                (PLAZA_ID, "Plate camera lane 1", "plate_camera", "CAM-01"),
                (STATION_ID, "Nozzle 1 (92#)", "dispenser_nozzle", "NZ-01"),
                (STATION_ID, "Shop POS", "pos", "POS-01"),
            ] {
                sites::create_terminal(
                    &mut *tx,
                    &actor,
                    MERCHANT_ID,
                    &TerminalInput {
                        site_id: site.into(),
                        name: name.into(),
                        kind: kind.into(),
                        serial_no: serial.into(),
                        active: true,
                    },
                )
                .await?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(())
}

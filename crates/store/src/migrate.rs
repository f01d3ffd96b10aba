//! Schema migrations: numbered SQL files in the dialect both engines accept,
//! applied in order, each in its own transaction, recorded in `schema_migrations`.

use crate::db::Db;
use crate::error::StoreError;
use sqlx::{Connection, Executor};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "channels",
        sql: include_str!("../migrations/0002_channels.sql"),
    },
    Migration {
        version: 3,
        name: "bankcard",
        sql: include_str!("../migrations/0003_bankcard.sql"),
    },
    Migration {
        version: 4,
        name: "where_and_who",
        sql: include_str!("../migrations/0004_where_and_who.sql"),
    },
    Migration {
        version: 5,
        name: "consoles",
        sql: include_str!("../migrations/0005_consoles.sql"),
    },
    Migration {
        version: 7,
        name: "channel_services",
        sql: include_str!("../migrations/0007_channel_services.sql"),
    },
];

/// Applies every migration not yet applied; returns the versions it applied.
pub async fn migrate(db: &Db) -> Result<Vec<i64>, StoreError> {
    let mut conn = db.reader().acquire().await?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await?;
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let mut tx = conn.begin().await?;
        // Serialise concurrent migrators (several nodes starting at once):
        // the insert of the version row is the lock; a loser rolls back.
        let claimed = sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(crate::clock::now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            continue;
        }
        for statement in split_statements(m.sql) {
            tx.execute(statement)
                .await
                .map_err(|e| StoreError::Migration(format!("{} ({}): {e}", m.version, m.name)))?;
        }
        tx.commit().await?;
        applied.push(m.version);
    }
    Ok(applied)
}

/// Splits a migration file on `;` at line ends. Comments start with `--`.
fn split_statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split(";\n").map(str::trim).filter(|s| {
        s.lines().any(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with("--")
        })
    })
}

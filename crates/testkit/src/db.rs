//! Throwaway databases.

use juhe_store::{Db, DbConfig};
use sqlx::Connection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The engines this run tests: SQLite always; PostgreSQL when
/// `JUHE_TEST_PG_URL` is set. Under CI (`CI` set) a missing URL is an error.
pub fn engines() -> Vec<Engine> {
    match std::env::var("JUHE_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => vec![Engine::Sqlite, Engine::Postgres],
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "JUHE_TEST_PG_URL is not set under CI: run the tests through scripts/test-all"
            );
            eprintln!("note: JUHE_TEST_PG_URL is not set; skipping the PostgreSQL half (use scripts/test-all)");
            vec![Engine::Sqlite]
        }
    }
}

/// A database that lives as long as this value (SQLite) or until the
/// throwaway server stops (PostgreSQL).
pub struct TestDb {
    pub engine: Engine,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new(engine: Engine) -> TestDb {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("juhe.db").display());
                TestDb {
                    engine,
                    url,
                    _dir: Some(dir),
                }
            }
            Engine::Postgres => {
                let admin = std::env::var("JUHE_TEST_PG_URL").expect("JUHE_TEST_PG_URL");
                let name = format!("juhe_test_{}", juhe_store::ids::random_hex(8));
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("connect to the test PostgreSQL");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                TestDb {
                    engine,
                    url: format!("{base}/{name}"),
                    _dir: None,
                }
            }
        }
    }

    /// Connects and applies the schema.
    pub async fn open(&self) -> Db {
        let db = Db::connect(&DbConfig::new(self.url.clone())).await.expect("connect");
        juhe_store::migrate::migrate(&db).await.expect("migrate");
        db
    }

    /// A directory for files next to the database (SQLite only).
    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }
}

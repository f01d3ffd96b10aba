//! The database handle: which engine, a pool for reads, and the write path.

use crate::error::StoreError;
use crate::sql::Conn;
use crate::writer::{Job, SqliteWriter};
use futures::future::BoxFuture;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// A connection inside a write transaction.
pub type Tx<'c> = &'c mut Conn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `sqlite:///path/juhe.db` / `sqlite:path` or `postgres://…`.
    pub url: String,
    /// Read connections (and, on PostgreSQL, write connections too).
    pub pool_size: u32,
    /// The most writes the SQLite writer commits together.
    pub max_batch: usize,
}

impl DbConfig {
    pub fn new(url: impl Into<String>) -> DbConfig {
        DbConfig {
            url: url.into(),
            pool_size: 8,
            max_batch: 512,
        }
    }
}

/// What a write closure may return as its error: it must carry storage
/// errors, and say whether running the whole closure again could succeed.
pub trait WriteError: From<StoreError> + Send + 'static {
    fn is_retryable(&self) -> bool;
}

impl WriteError for StoreError {
    fn is_retryable(&self) -> bool {
        StoreError::is_retryable(self)
    }
}

#[derive(Clone)]
pub struct Db {
    backend: Backend,
    read: AnyPool,
    writer: Arc<Writer>,
}

enum Writer {
    Sqlite(SqliteWriter),
    Postgres(AnyPool),
}

/// How many times a PostgreSQL transaction is run again after a retryable failure.
const PG_WRITE_ATTEMPTS: u32 = 5;

impl Db {
    pub async fn connect(config: &DbConfig) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if config.url.starts_with("postgres://") || config.url.starts_with("postgresql://") {
            Backend::Postgres
        } else if config.url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Connect(
                "database URL must start with sqlite: or postgres://".into(),
            ));
        };
        let options = AnyConnectOptions::from_str(&config.url)
            .map_err(|e| StoreError::Connect(e.to_string()))?
            .disable_statement_logging();
        match backend {
            Backend::Sqlite => {
                // The writer's own connection creates the file and switches it
                // to WAL before the pool opens readers.
                let writer_conn = open_sqlite_writer(&config.url)?;
                let read = AnyPoolOptions::new()
                    .max_connections(config.pool_size.max(1))
                    .after_connect(|conn, _| Box::pin(async move { prepare_sqlite(conn).await.map_err(to_sqlx) }))
                    .connect_with(options)
                    .await?;
                let writer = SqliteWriter::start(writer_conn, config.max_batch.max(1));
                Ok(Db {
                    backend,
                    read,
                    writer: Arc::new(Writer::Sqlite(writer)),
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(config.pool_size.max(2))
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // Durable commits, whatever the server default says.
                            conn.execute("SET synchronous_commit = on").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                Ok(Db {
                    backend,
                    read: pool.clone(),
                    writer: Arc::new(Writer::Postgres(pool)),
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads that need no transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// Runs `f` inside a write transaction and returns once its effects are
    /// durably committed (or not at all). `f` may run more than once on
    /// PostgreSQL (after a serialization failure or a lost unique race), so
    /// it must be a pure function of its captures and the database. An `Err`
    /// from `f` rolls back everything `f` did and nothing else.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: WriteError,
        F: for<'c> Fn(Tx<'c>) -> BoxFuture<'c, Result<T, E>> + Send + Sync + 'static,
    {
        match &*self.writer {
            Writer::Sqlite(w) => {
                let (reply, answer) = oneshot::channel();
                w.submit(Job::boxed(f, reply)).await.map_err(E::from)?;
                answer.await.map_err(|_| E::from(StoreError::WriterGone))?
            }
            Writer::Postgres(pool) => {
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    let tx = pool.begin().await.map_err(|e| E::from(e.into()))?;
                    let mut conn = Conn::Any(tx);
                    let outcome = f(&mut conn).await;
                    let Conn::Any(tx) = conn else {
                        return Err(E::from(StoreError::Database(
                            "a PostgreSQL write lost its transaction".into(),
                        )));
                    };
                    match outcome {
                        Ok(v) => {
                            tx.commit()
                                .await
                                .map_err(|e| E::from(StoreError::CommitFailed(e.to_string())))?;
                            return Ok(v);
                        }
                        Err(e) => {
                            let _ = tx.rollback().await;
                            if !e.is_retryable() || attempt >= PG_WRITE_ATTEMPTS {
                                return Err(e);
                            }
                            tokio::time::sleep(Duration::from_millis(2 * u64::from(attempt))).await;
                        }
                    }
                }
            }
        }
    }

    pub async fn close(&self) {
        if let Writer::Sqlite(w) = &*self.writer {
            w.shutdown().await;
        }
        self.read.close().await;
    }
}

/// Every SQLite connection: full fsync on commit (durable in WAL mode), wait
/// rather than fail on a lock, and enforce foreign keys.
async fn prepare_sqlite(conn: &mut AnyConnection) -> Result<(), StoreError> {
    conn.execute("PRAGMA synchronous = FULL").await?;
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    Ok(())
}

fn to_sqlx(e: StoreError) -> sqlx::Error {
    sqlx::Error::Protocol(e.to_string())
}

/// Runs a statement without parameters inside a transaction (savepoints).
pub async fn execute(tx: Tx<'_>, sql: &'static str) -> Result<(), StoreError> {
    crate::sql::execute_batch(tx, sql).await
}

/// Opens the SQLite file for the writer thread: WAL, a full fsync on every
/// commit, wait rather than fail on a lock, foreign keys on.
fn open_sqlite_writer(url: &str) -> Result<rusqlite::Connection, StoreError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or(rest);
    let conn = rusqlite::Connection::open(path).map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
    )
    .map_err(crate::sql::lite_error)?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// What the SQLite group-commit writer has done so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriterStats {
    pub batches: u64,
    pub writes: u64,
    /// Seconds spent running batches, commits included.
    pub busy_seconds: f64,
    /// Seconds spent in COMMIT (the fsync).
    pub commit_seconds: f64,
}

pub fn writer_stats() -> WriterStats {
    use crate::writer::{BATCH_NANOS, BATCHED_WRITES, BATCHES, COMMIT_NANOS};
    use std::sync::atomic::Ordering::Relaxed;
    WriterStats {
        batches: BATCHES.load(Relaxed),
        writes: BATCHED_WRITES.load(Relaxed),
        busy_seconds: BATCH_NANOS.load(Relaxed) as f64 / 1e9,
        commit_seconds: COMMIT_NANOS.load(Relaxed) as f64 / 1e9,
    }
}

//! Storage errors. Constraint conflicts are told apart from other database
//! errors because callers turn them into idempotent replays or retries.

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    #[error("the database could not commit: {0}")]
    CommitFailed(String),
    #[error("the write queue is closed")]
    WriterGone,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database connection: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl StoreError {
    /// A failure that the same transaction may succeed at when run again:
    /// PostgreSQL serialization failures and deadlocks, a lost race on a
    /// unique key (the retry then sees the winner's row), SQLite busy.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::UniqueViolation(_) => true,
            StoreError::Database(m) => {
                m.contains("40001") || m.contains("40P01") || m.contains("database is locked") || m.contains("busy")
            }
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::UniqueViolation(db.message().to_string());
            }
            if let Some(code) = db.code() {
                return StoreError::Database(format!("{code}: {}", db.message()));
            }
        }
        StoreError::Database(e.to_string())
    }
}

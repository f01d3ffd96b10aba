//! Baseline 2: how many durable single-row commits the disk takes per second, straight through SQLite.
//!
//! rusqlite with the `bundled` feature links the same SQLite C library the server's sqlx driver
//! uses (libsqlite3-sys), with no async runtime, connection pool or statement cache in between:
//! the fastest direct route to the same engine, so the number is the disk's ceiling, not a
//! driver's overhead.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::error::BenchError;
use crate::report::SqliteReport;

/// Where the baseline database goes: the server's data dir when it exists (same disk as the
/// server's database), else the current dir.
pub fn baseline_dir(data_dir: &Path) -> PathBuf {
    if data_dir.is_dir() {
        data_dir.to_owned()
    } else {
        PathBuf::from(".")
    }
}

/// Commits one row per transaction into a fresh WAL, synchronous=FULL database in a temporary
/// directory under `dir`, single-threaded, for `duration`. The directory is deleted afterwards.
/// Blocking: call it from `spawn_blocking` in async code.
pub fn run_sqlite_baseline(dir: &Path, duration: Duration) -> Result<SqliteReport, BenchError> {
    let tmp = tempfile::Builder::new().prefix(".juhe-bench-sqlite-").tempdir_in(dir)?;
    let (commits, elapsed) = commit_loop(&tmp.path().join("baseline.sqlite"), duration)?;
    tmp.close()?;
    Ok(SqliteReport {
        dir: dir.to_owned(),
        commits,
        elapsed,
    })
}

fn commit_loop(path: &Path, duration: Duration) -> Result<(u64, Duration), BenchError> {
    let conn = Connection::open(path)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(BenchError::InvalidArgs(format!(
            "SQLite refused WAL mode in {} (got {mode})",
            path.display()
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous=FULL;
         CREATE TABLE bench_rows (
             id INTEGER PRIMARY KEY,
             order_no TEXT NOT NULL UNIQUE,
             amount INTEGER NOT NULL,
             created_at INTEGER NOT NULL
         );",
    )?;
    let mut begin = conn.prepare("BEGIN IMMEDIATE")?;
    let mut insert = conn.prepare("INSERT INTO bench_rows (order_no, amount, created_at) VALUES (?1, ?2, ?3)")?;
    let mut commit = conn.prepare("COMMIT")?;

    let start = Instant::now();
    let mut commits: u64 = 0;
    while start.elapsed() < duration {
        begin.execute([])?;
        let n = commits as i64;
        insert.execute(rusqlite::params![format!("bench-{n}"), 1_i64, n])?;
        commit.execute([])?;
        commits += 1;
    }
    Ok((commits, start.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let report = run_sqlite_baseline(dir.path(), Duration::from_millis(300)).unwrap();
        assert!(report.commits > 0);
        assert!(report.elapsed >= Duration::from_millis(300));
        assert!(report.rate() > 0.0);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "temp database left behind"
        );
    }

    #[test]
    fn falls_back_to_current_dir() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(baseline_dir(dir.path()), dir.path());
        assert_eq!(baseline_dir(&dir.path().join("missing")), PathBuf::from("."));
    }
}

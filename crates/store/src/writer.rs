//! Group commit for SQLite. One task owns the only write connection. Each
//! request sends it a job; the task takes everything queued (up to a bound),
//! runs each job inside its own savepoint of one transaction (a failing job
//! rolls back alone), commits once with a full fsync, and only then answers
//! every job. Throughput comes from sharing the fsync, not from skipping it.

use crate::db::{Tx, WriteError};
use crate::error::StoreError;
use crate::sql::{Conn, execute_batch};
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::{mpsc, oneshot};

/// A write waiting for its turn, its type erased.
pub(crate) trait ErasedJob: Send {
    /// Runs the job; true if it succeeded (its savepoint is kept).
    fn run<'c>(&'c mut self, conn: Tx<'c>) -> BoxFuture<'c, bool>;
    /// Delivers the outcome once the batch committed (or failed to).
    fn finish(self: Box<Self>, commit: Result<(), StoreError>);
}

pub(crate) struct Job<T, E, F> {
    f: F,
    outcome: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Job<T, E, F>
where
    T: Send + 'static,
    E: WriteError,
    F: for<'c> Fn(Tx<'c>) -> BoxFuture<'c, Result<T, E>> + Send + Sync + 'static,
{
    pub(crate) fn boxed(f: F, reply: oneshot::Sender<Result<T, E>>) -> Box<dyn ErasedJob> {
        Box::new(Job {
            f,
            outcome: None,
            reply,
        })
    }
}

impl<T, E, F> ErasedJob for Job<T, E, F>
where
    T: Send + 'static,
    E: WriteError,
    F: for<'c> Fn(Tx<'c>) -> BoxFuture<'c, Result<T, E>> + Send + Sync + 'static,
{
    fn run<'c>(&'c mut self, conn: Tx<'c>) -> BoxFuture<'c, bool> {
        Box::pin(async move {
            let outcome = (self.f)(conn).await;
            let ok = outcome.is_ok();
            self.outcome = Some(outcome);
            ok
        })
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let answer = match (commit, self.outcome) {
            // A job that failed rolled back alone: its error stands either way.
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(v))) => Ok(v),
            (Err(e), Some(Ok(_))) => Err(E::from(e)),
            (Err(e), None) => Err(E::from(e)),
            (Ok(()), None) => Err(E::from(StoreError::CommitFailed(
                "the batch ended before this write ran".into(),
            ))),
        };
        // The caller may have gone away (client disconnected); nothing to do then.
        let _ = self.reply.send(answer);
    }
}

/// The handle requests use to reach the writer task.
pub(crate) struct SqliteWriter {
    queue: mpsc::Sender<Command>,
}

enum Command {
    Write(Box<dyn ErasedJob>),
    Shutdown(oneshot::Sender<()>),
}

/// Jobs queued beyond this make senders wait: back-pressure, not unbounded memory.
const QUEUE_DEPTH: usize = 8192;

impl SqliteWriter {
    pub(crate) fn start(conn: rusqlite::Connection, max_batch: usize) -> SqliteWriter {
        let (queue, rx) = mpsc::channel(QUEUE_DEPTH);
        // The writer gets a thread and a runtime of its own. Each statement
        // is a round trip to SQLite's worker thread; on the shared runtime
        // every one of those wake-ups would queue behind the HTTP tasks, and
        // the writer — the one thing every write waits for — would run at
        // the speed of the busiest request queue.
        let spawned = std::thread::Builder::new()
            .name("juhe-sqlite-writer".into())
            .spawn(
                move || match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => runtime.block_on(run_writer(Conn::Lite(conn), rx, max_batch)),
                    Err(e) => tracing::error!(error = %e, "the SQLite writer could not start its runtime"),
                },
            );
        if let Err(e) = spawned {
            // Without the thread, writes fail with WriterGone: loud, not lost.
            tracing::error!(error = %e, "the SQLite writer thread could not start");
        }
        SqliteWriter { queue }
    }

    pub(crate) async fn submit(&self, job: Box<dyn ErasedJob>) -> Result<(), StoreError> {
        self.queue
            .send(Command::Write(job))
            .await
            .map_err(|_| StoreError::WriterGone)
    }

    /// Finishes what is queued, then stops.
    pub(crate) async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.queue.send(Command::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

async fn run_writer(mut conn: Conn, mut rx: mpsc::Receiver<Command>, max_batch: usize) {
    let mut batch: Vec<Box<dyn ErasedJob>> = Vec::with_capacity(max_batch);
    let mut stop: Option<oneshot::Sender<()>> = None;
    while stop.is_none() {
        match rx.recv().await {
            Some(Command::Write(job)) => batch.push(job),
            Some(Command::Shutdown(done)) => stop = Some(done),
            None => break,
        }
        // Take whatever else is already waiting: these share one commit.
        while batch.len() < max_batch && stop.is_none() {
            match rx.try_recv() {
                Ok(Command::Write(job)) => batch.push(job),
                Ok(Command::Shutdown(done)) => stop = Some(done),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit_batch(&mut conn, &mut batch).await;
        }
    }
    drop(conn);
    if let Some(done) = stop {
        let _ = done.send(());
    }
}

async fn commit_batch(conn: &mut Conn, batch: &mut Vec<Box<dyn ErasedJob>>) {
    let size = batch.len();
    let started = std::time::Instant::now();
    let result = run_batch(conn, batch).await;
    BATCH_NANOS.fetch_add(
        started.elapsed().as_nanos() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    if result.is_err() {
        // Leave the connection clean for the next batch whatever happened.
        let _ = execute_batch(conn, "ROLLBACK").await;
    }
    metrics_batch(size);
    for job in batch.drain(..) {
        job.finish(result.clone());
    }
}

async fn run_batch(conn: &mut Conn, batch: &mut [Box<dyn ErasedJob>]) -> Result<(), StoreError> {
    // IMMEDIATE takes the write lock now, so readers never see half a batch
    // and no other process can slip a write in between.
    execute_batch(conn, "BEGIN IMMEDIATE").await?;
    for job in batch.iter_mut() {
        execute_batch(conn, "SAVEPOINT job").await?;
        // A job that panics must not take the writer (and every later write)
        // down with it: it counts as failed and rolls back alone; its caller
        // sees an error because its result was never set.
        let ran = std::panic::AssertUnwindSafe(job.run(conn)).catch_unwind().await;
        if ran.unwrap_or(false) {
            execute_batch(conn, "RELEASE job").await?;
        } else {
            execute_batch(conn, "ROLLBACK TO job").await?;
            execute_batch(conn, "RELEASE job").await?;
        }
    }
    let commit_started = std::time::Instant::now();
    let committed = execute_batch(conn, "COMMIT").await;
    COMMIT_NANOS.fetch_add(
        commit_started.elapsed().as_nanos() as u64,
        std::sync::atomic::Ordering::Relaxed,
    );
    committed.map_err(|e| StoreError::CommitFailed(e.to_string()))?;
    Ok(())
}

/// Batch sizes, for /metrics: how much group commit is actually grouping.
pub static BATCHES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
pub static BATCHED_WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Time spent running and committing batches: divided by the writes, the
/// writer's cost per write.
pub static BATCH_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
pub static COMMIT_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn metrics_batch(size: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    BATCHES.fetch_add(1, Relaxed);
    BATCHED_WRITES.fetch_add(size as u64, Relaxed);
}

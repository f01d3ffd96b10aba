//! `juhe-bench`: a load generator for juhe's merchant API.
//!
//! One run measures, against a running server and in this order:
//! 1. baseline 1, the rate of unsigned `GET /healthz` at the given concurrency;
//! 2. signed wallet payments (`POST /v1/payments`) at the same concurrency for the same time,
//!    with latency percentiles and errors by status and code;
//! 3. baseline 2, the raw rate of durable single-row SQLite commits on the data dir's disk;
//!
//! and reports payments/s against both baselines and the targets. Before measuring it creates a
//! fresh customer and tops up its wallet through the public API. `juhe bench` flattens
//! [`BenchArgs`] into its CLI and calls [`run`].

mod args;
mod client;
mod credentials;
mod error;
mod http_load;
mod report;
mod setup;
mod signing;
mod sqlite_baseline;
mod stats;

use std::sync::Arc;
use std::time::Duration;

pub use args::BenchArgs;
pub use client::TransportError;
pub use credentials::Credentials;
pub use error::BenchError;
pub use report::{
    BenchReport, ErrorKey, PhaseReport, Ratios, SqliteReport, TARGET_CLIENTS, TARGET_P99_MS,
    TARGET_PAYMENTS_PER_COMMIT, Targets,
};
pub use setup::default_topup;
pub use signing::{AUTH_SCHEME, new_nonce, sign_request, sign_request_at};
pub use sqlite_baseline::{baseline_dir, run_sqlite_baseline};
pub use stats::{LatencySummary, percentile};

use client::Api;
use http_load::{LoadPlan, PaymentTemplate, Workload, run_load};

/// Runs the whole bench: setup, the healthz baseline, the payments, the SQLite baseline.
/// Progress goes to stderr unless `args.quiet`.
pub async fn run(args: BenchArgs) -> Result<BenchReport, BenchError> {
    validate(&args)?;
    let progress = |msg: &str| {
        if !args.quiet {
            eprintln!("juhe-bench: {msg}");
        }
    };
    let creds = Credentials::load(&args.credentials_path())?;
    let base_url = args
        .base_url
        .clone()
        .or_else(|| creds.base_url.clone())
        .ok_or(BenchError::MissingBaseUrl)?;
    let api = Arc::new(Api::new(
        &base_url,
        &creds,
        Duration::from_secs(args.timeout_secs.max(1)),
    )?);

    let run_id = new_nonce()[..12].to_owned();
    progress(&format!("run {run_id}: creating a customer and topping up its wallet"));
    let customer_id = setup::create_customer(&api, &run_id).await?;
    let topup = args
        .topup_amount
        .unwrap_or_else(|| default_topup(args.amount, args.duration_secs, args.max_requests));
    setup::top_up(&api, &run_id, &customer_id, topup, &args.currency).await?;

    let plan = LoadPlan {
        concurrency: args.concurrency,
        duration: Duration::from_secs(args.duration_secs),
        max_requests: args.max_requests,
    };
    progress(&format!(
        "GET /healthz with {} clients for {} s",
        args.concurrency, args.duration_secs
    ));
    let healthz = run_load(api.clone(), Arc::new(Workload::Healthz), plan).await?;

    progress(&format!(
        "POST /v1/payments with {} clients for {} s (customer {customer_id})",
        args.concurrency, args.duration_secs
    ));
    let template = PaymentTemplate::new(&run_id, &customer_id, args.amount, &args.currency);
    let payments = run_load(api.clone(), Arc::new(Workload::Payments(template)), plan).await?;

    let sqlite = if args.sqlite_secs > 0 {
        let dir = baseline_dir(&args.data_dir);
        let duration = Duration::from_secs(args.sqlite_secs);
        progress(&format!(
            "durable SQLite commits in {} for {} s",
            dir.display(),
            args.sqlite_secs
        ));
        Some(tokio::task::spawn_blocking(move || run_sqlite_baseline(&dir, duration)).await??)
    } else {
        None
    };

    Ok(BenchReport {
        base_url: api.base_url(),
        concurrency: args.concurrency,
        duration: plan.duration,
        payments,
        healthz,
        sqlite,
    })
}

/// Checks what clap checks, for callers that build [`BenchArgs`] by hand.
fn validate(args: &BenchArgs) -> Result<(), BenchError> {
    if args.concurrency == 0 {
        return Err(BenchError::InvalidArgs("--concurrency must be at least 1".to_owned()));
    }
    if args.amount <= 0 || args.topup_amount.is_some_and(|t| t <= 0) {
        return Err(BenchError::InvalidArgs(
            "amounts must be positive minor units".to_owned(),
        ));
    }
    if args.currency.is_empty() {
        return Err(BenchError::InvalidArgs("--currency must not be empty".to_owned()));
    }
    Ok(())
}

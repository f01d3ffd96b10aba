//! `run()` end to end against the fake server in `common/fake_server.rs`.

#[path = "common/fake_server.rs"]
mod fake_server;

use std::net::SocketAddr;
use std::path::Path;

use juhe_bench::{BenchArgs, BenchError, ErrorKey};

async fn setup(dir: &Path, secret: &str) -> SocketAddr {
    let addr = fake_server::spawn(SocketAddr::from(([127, 0, 0, 1], 0))).await.unwrap();
    fake_server::write_demo_json(dir, addr, secret).unwrap();
    addr
}

fn args(dir: &Path) -> BenchArgs {
    BenchArgs {
        data_dir: dir.to_owned(),
        concurrency: 4,
        duration_secs: 1,
        sqlite_secs: 1,
        quiet: true,
        ..BenchArgs::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measures_all_three_and_computes_ratios() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), fake_server::APP_SECRET).await;
    let report = juhe_bench::run(args(dir.path())).await.unwrap();
    println!("{report}");

    assert!(report.payments.succeeded > 0);
    assert_eq!(report.payments.failed(), 0, "{:?}", report.payments.errors);
    assert!(report.healthz.succeeded > 0);
    assert_eq!(report.healthz.failed(), 0, "{:?}", report.healthz.errors);
    let latency = report.payments.latency.unwrap();
    assert_eq!(latency.count, report.payments.succeeded);
    assert!(latency.p50_us <= latency.p99_us && latency.p99_us <= latency.max_us);
    let sqlite = report.sqlite.as_ref().unwrap();
    assert!(sqlite.commits > 0);
    assert_eq!(sqlite.dir, dir.path());

    let ratios = report.ratios();
    assert!(ratios.payments_per_durable_commit.unwrap() > 0.0);
    assert!(ratios.payments_per_healthz.unwrap() > 0.0);
    let targets = report.targets();
    assert!(targets.throughput.is_some() && targets.p99.is_some());
    assert!(!targets.p99_at_target_clients);

    // Only demo.json is left: the SQLite baseline cleaned up after itself.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_requests_bounds_and_errors_are_counted_by_code() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), fake_server::APP_SECRET).await;
    let report = juhe_bench::run(BenchArgs {
        duration_secs: 30,
        max_requests: Some(20),
        topup_amount: Some(10),
        amount: 2,
        sqlite_secs: 0,
        ..args(dir.path())
    })
    .await
    .unwrap();

    assert_eq!(report.healthz.succeeded, 20);
    assert_eq!(report.payments.succeeded, 5, "10 fen pays for five 2-fen payments");
    let insufficient = ErrorKey {
        status: Some(402),
        code: "insufficient_funds".to_owned(),
    };
    assert_eq!(report.payments.errors.get(&insufficient), Some(&15));
    assert_eq!(report.payments.total(), 20);
    assert!(report.sqlite.is_none());
    assert_eq!(report.ratios().payments_per_durable_commit, None);
    assert!(report.to_string().contains("HTTP 402 insufficient_funds"));
}

#[tokio::test]
async fn a_wrong_secret_fails_setup() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), "not-the-secret").await;
    match juhe_bench::run(args(dir.path())).await {
        Err(BenchError::Setup { step, status, body }) => {
            assert_eq!((step, status), ("create customer", 401));
            assert!(body.contains("bad_signature"), "{body}");
        }
        other => panic!("expected a setup error, got {other:?}"),
    }
}

#[tokio::test]
async fn base_url_flag_overrides_and_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let addr = setup(dir.path(), fake_server::APP_SECRET).await;
    let creds = dir.path().join("no-url.json");
    std::fs::write(&creds, r#"{"app_id":"app_bench_test","app_secret":"test-app-secret"}"#).unwrap();
    let no_url = BenchArgs {
        credentials: Some(creds.clone()),
        ..args(dir.path())
    };
    assert!(matches!(juhe_bench::run(no_url).await, Err(BenchError::MissingBaseUrl)));

    let report = juhe_bench::run(BenchArgs {
        credentials: Some(creds),
        base_url: Some(format!("http://{addr}/")),
        max_requests: Some(3),
        sqlite_secs: 0,
        ..args(dir.path())
    })
    .await
    .unwrap();
    assert_eq!(report.payments.succeeded, 3);
    assert_eq!(report.base_url, format!("http://{addr}"));
}

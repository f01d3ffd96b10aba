//! Prometheus metrics, rendered as text at GET /metrics.

use prometheus::{Encoder, Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};
use std::sync::Arc;

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub writer_batches: IntGauge,
    pub writer_batched_writes: IntGauge,
    pub writer_busy_seconds: Gauge,
    pub writer_commit_seconds: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("juhe_http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let latency = HistogramVec::new(
            HistogramOpts::new("juhe_http_request_duration_seconds", "HTTP request latency by route")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["route"],
        )
        .unwrap_or_else(|_| unreachable_metric());
        let writer_batches = IntGauge::new(
            "juhe_store_commit_batches_total",
            "Group commits made by the SQLite writer",
        )
        .unwrap_or_else(|_| unreachable_metric());
        let writer_batched_writes = IntGauge::new(
            "juhe_store_batched_writes_total",
            "Writes committed by the SQLite writer in all batches",
        )
        .unwrap_or_else(|_| unreachable_metric());
        let writer_busy_seconds = Gauge::new(
            "juhe_store_writer_busy_seconds_total",
            "Seconds the SQLite writer spent running and committing batches",
        )
        .unwrap_or_else(|_| unreachable_metric());
        let writer_commit_seconds = Gauge::new(
            "juhe_store_writer_commit_seconds_total",
            "Seconds the SQLite writer spent in COMMIT (fsync)",
        )
        .unwrap_or_else(|_| unreachable_metric());
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(writer_batches.clone()),
            Box::new(writer_batched_writes.clone()),
            Box::new(writer_busy_seconds.clone()),
            Box::new(writer_commit_seconds.clone()),
        ] {
            // Names are fixed and distinct, so registration cannot collide.
            let _ = registry.register(c);
        }
        Metrics {
            registry: Arc::new(registry),
            requests,
            latency,
            writer_batches,
            writer_batched_writes,
            writer_busy_seconds,
            writer_commit_seconds,
        }
    }

    pub fn render(&self) -> String {
        let w = juhe_store::db::writer_stats();
        self.writer_batches.set(i64::try_from(w.batches).unwrap_or(i64::MAX));
        self.writer_batched_writes
            .set(i64::try_from(w.writes).unwrap_or(i64::MAX));
        self.writer_busy_seconds.set(w.busy_seconds);
        self.writer_commit_seconds.set(w.commit_seconds);
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }
}

/// The metric definitions above are constants that always validate.
#[cold]
fn unreachable_metric() -> ! {
    panic!("static metric definition rejected")
}

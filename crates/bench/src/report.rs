//! What one bench run measured, the ratios between the phases, and whether the targets are met.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::stats::{LatencySummary, us_to_ms};

/// Payments/s must be at least this many times the raw durable SQLite commits/s.
pub const TARGET_PAYMENTS_PER_COMMIT: f64 = 3.0;
/// p99 payment latency must be below this, in milliseconds...
pub const TARGET_P99_MS: f64 = 50.0;
/// ...at this many concurrent clients.
pub const TARGET_CLIENTS: u32 = 64;

/// Why a request did not count as a success: its HTTP status (none for transport failures)
/// and the API error code, or a short description when there is none.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ErrorKey {
    pub status: Option<u16>,
    pub code: String,
}

impl fmt::Display for ErrorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(f, "HTTP {status} {}", self.code),
            None => write!(f, "transport {}", self.code),
        }
    }
}

/// One HTTP phase: how many requests succeeded, in how long, how fast, and what failed.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseReport {
    /// E.g. "POST /v1/payments".
    pub name: String,
    pub succeeded: u64,
    pub errors: BTreeMap<ErrorKey, u64>,
    /// From the start of the phase until its last request finished.
    pub elapsed: Duration,
    /// Latency of the successful requests; `None` when none succeeded.
    pub latency: Option<LatencySummary>,
}

impl PhaseReport {
    pub fn failed(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn total(&self) -> u64 {
        self.succeeded + self.failed()
    }

    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        per_second(self.succeeded, self.elapsed)
    }
}

/// The durable-commit baseline: single-row transactions on a WAL, synchronous=FULL SQLite file.
#[derive(Debug, Clone, PartialEq)]
pub struct SqliteReport {
    /// The directory the temporary database lived in (it is deleted afterwards).
    pub dir: PathBuf,
    pub commits: u64,
    pub elapsed: Duration,
}

impl SqliteReport {
    pub fn rate(&self) -> f64 {
        per_second(self.commits, self.elapsed)
    }
}

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    pub base_url: String,
    pub concurrency: u32,
    /// The configured length of each HTTP phase.
    pub duration: Duration,
    pub payments: PhaseReport,
    pub healthz: PhaseReport,
    /// `None` when skipped (`--sqlite-secs 0`).
    pub sqlite: Option<SqliteReport>,
}

/// Payments/s divided by each baseline; `None` when the baseline is missing or zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ratios {
    pub payments_per_durable_commit: Option<f64>,
    pub payments_per_healthz: Option<f64>,
}

/// Whether each target is met; `None` when it cannot be judged (no baseline, no successes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// payments/s ≥ 3 × durable commits/s.
    pub throughput: Option<bool>,
    /// p99 < 50 ms (defined at 64 clients; see [`Targets::p99_at_target_clients`]).
    pub p99: Option<bool>,
    /// Whether this run used the 64 clients the p99 target is defined at.
    pub p99_at_target_clients: bool,
}

impl BenchReport {
    pub fn ratios(&self) -> Ratios {
        let payments = self.payments.rate();
        Ratios {
            payments_per_durable_commit: self.sqlite.as_ref().and_then(|s| ratio(payments, s.rate())),
            payments_per_healthz: ratio(payments, self.healthz.rate()),
        }
    }

    pub fn targets(&self) -> Targets {
        Targets {
            throughput: self
                .ratios()
                .payments_per_durable_commit
                .map(|r| r >= TARGET_PAYMENTS_PER_COMMIT),
            p99: self.payments.latency.map(|l| us_to_ms(l.p99_us) < TARGET_P99_MS),
            p99_at_target_clients: self.concurrency == TARGET_CLIENTS,
        }
    }
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "MET",
        Some(false) => "NOT MET",
        None => "UNKNOWN",
    }
}

fn write_phase(f: &mut fmt::Formatter<'_>, title: &str, unit: &str, p: &PhaseReport) -> fmt::Result {
    writeln!(f, "{title} ({})", p.name)?;
    writeln!(
        f,
        "  succeeded   {:>10} in {:.2} s = {:.1} {unit}/s",
        p.succeeded,
        p.elapsed.as_secs_f64(),
        p.rate()
    )?;
    writeln!(f, "  failed      {:>10}", p.failed())?;
    for (key, count) in &p.errors {
        writeln!(f, "    {count:>10}  {key}")?;
    }
    match &p.latency {
        Some(l) => writeln!(
            f,
            "  latency ms  p50 {:.3}  p90 {:.3}  p99 {:.3}  max {:.3}  ({} samples)",
            us_to_ms(l.p50_us),
            us_to_ms(l.p90_us),
            us_to_ms(l.p99_us),
            us_to_ms(l.max_us),
            l.count
        ),
        None => writeln!(f, "  latency ms  n/a (no successful request)"),
    }
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.3}"))
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "juhe bench: {}, {} clients, {} s per HTTP phase",
            self.base_url,
            self.concurrency,
            self.duration.as_secs_f64()
        )?;
        writeln!(f)?;
        write_phase(f, "Signed wallet payments", "payments", &self.payments)?;
        writeln!(f)?;
        write_phase(f, "Baseline 1: health check", "req", &self.healthz)?;
        writeln!(f)?;
        writeln!(
            f,
            "Baseline 2: durable SQLite commits (WAL, synchronous=FULL, one row per COMMIT)"
        )?;
        match &self.sqlite {
            Some(s) => writeln!(
                f,
                "  commits     {:>10} in {:.2} s = {:.1} commits/s  (in {})",
                s.commits,
                s.elapsed.as_secs_f64(),
                s.rate(),
                s.dir.display()
            )?,
            None => writeln!(f, "  skipped")?,
        }
        writeln!(f)?;

        let ratios = self.ratios();
        writeln!(f, "Ratios")?;
        writeln!(
            f,
            "  payments/s ÷ durable commits/s  {}",
            fmt_ratio(ratios.payments_per_durable_commit)
        )?;
        writeln!(
            f,
            "  payments/s ÷ healthz/s          {}",
            fmt_ratio(ratios.payments_per_healthz)
        )?;
        writeln!(f)?;

        let targets = self.targets();
        writeln!(f, "Targets")?;
        let throughput = format!("payments/s ≥ {TARGET_PAYMENTS_PER_COMMIT} × durable commits/s");
        write!(f, "  {throughput:<40} {:<8}", verdict(targets.throughput))?;
        if let Some(s) = &self.sqlite {
            write!(
                f,
                " ({:.1} vs {TARGET_PAYMENTS_PER_COMMIT} × {:.1} = {:.1})",
                self.payments.rate(),
                s.rate(),
                TARGET_PAYMENTS_PER_COMMIT * s.rate()
            )?;
        }
        writeln!(f)?;
        let p99 = self
            .payments
            .latency
            .map_or_else(|| "n/a".to_owned(), |l| format!("{:.3} ms", us_to_ms(l.p99_us)));
        let latency = format!("p99 < {TARGET_P99_MS} ms at {TARGET_CLIENTS} clients");
        write!(f, "  {latency:<40} {:<8} (p99 {p99}", verdict(targets.p99))?;
        if !targets.p99_at_target_clients {
            write!(f, "; this run used {} clients", self.concurrency)?;
        }
        writeln!(f, ")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(succeeded: u64, secs: u64, p99_us: u64) -> PhaseReport {
        PhaseReport {
            name: "POST /v1/payments".to_owned(),
            succeeded,
            errors: BTreeMap::new(),
            elapsed: Duration::from_secs(secs),
            latency: (succeeded > 0).then_some(LatencySummary {
                count: succeeded,
                p50_us: 1_000,
                p90_us: 2_000,
                p99_us,
                max_us: p99_us * 2,
            }),
        }
    }

    fn report(payments: u64, healthz: u64, commits: Option<u64>, p99_us: u64) -> BenchReport {
        BenchReport {
            base_url: "http://127.0.0.1:8080".to_owned(),
            concurrency: 64,
            duration: Duration::from_secs(10),
            payments: phase(payments, 10, p99_us),
            healthz: PhaseReport {
                name: "GET /healthz".to_owned(),
                ..phase(healthz, 10, 500)
            },
            sqlite: commits.map(|c| SqliteReport {
                dir: PathBuf::from("."),
                commits: c,
                elapsed: Duration::from_secs(2),
            }),
        }
    }

    #[test]
    fn rates_and_ratios() {
        // 30_000 payments in 10 s = 3000/s; 2000 commits in 2 s = 1000/s; 100_000 healthz in 10 s.
        let r = report(30_000, 100_000, Some(2_000), 40_000);
        assert_eq!(r.payments.rate(), 3000.0);
        assert_eq!(r.sqlite.as_ref().unwrap().rate(), 1000.0);
        let ratios = r.ratios();
        assert_eq!(ratios.payments_per_durable_commit, Some(3.0));
        assert_eq!(ratios.payments_per_healthz, Some(0.3));
        let t = r.targets();
        assert_eq!(t.throughput, Some(true), "exactly 3x meets the target");
        assert_eq!(t.p99, Some(true));
        assert!(t.p99_at_target_clients);
    }

    #[test]
    fn targets_missed() {
        let r = report(29_990, 100_000, Some(2_000), 50_000);
        let t = r.targets();
        assert_eq!(t.throughput, Some(false));
        assert_eq!(t.p99, Some(false), "p99 of exactly 50 ms is not below 50 ms");
    }

    #[test]
    fn missing_baselines_give_no_ratio() {
        let r = report(0, 0, None, 0);
        assert_eq!(
            r.ratios(),
            Ratios {
                payments_per_durable_commit: None,
                payments_per_healthz: None
            }
        );
        let t = r.targets();
        assert_eq!((t.throughput, t.p99), (None, None));
        let zero_commits = report(10, 10, Some(0), 1);
        assert_eq!(zero_commits.ratios().payments_per_durable_commit, None);
        assert_eq!(per_second(5, Duration::ZERO), 0.0);
    }

    #[test]
    fn errors_are_counted_and_printed() {
        let mut r = report(100, 1_000, Some(10), 1_000);
        r.concurrency = 8;
        r.payments.errors.insert(
            ErrorKey {
                status: Some(402),
                code: "insufficient_funds".to_owned(),
            },
            3,
        );
        r.payments.errors.insert(
            ErrorKey {
                status: None,
                code: "timeout".to_owned(),
            },
            2,
        );
        assert_eq!(r.payments.failed(), 5);
        assert_eq!(r.payments.total(), 105);
        let text = r.to_string();
        for needle in [
            "Signed wallet payments (POST /v1/payments)",
            "10.0 payments/s",
            "         3  HTTP 402 insufficient_funds",
            "         2  transport timeout",
            "p99 1.000",
            "payments/s ÷ durable commits/s  2.000",
            "payments/s ÷ healthz/s          0.100",
            "NOT MET",
            "this run used 8 clients)",
            "(10.0 vs 3 × 5.0 = 15.0)",
            "5.0 commits/s",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }

    #[test]
    fn skipped_sqlite_prints_na() {
        let text = report(1, 1, None, 1).to_string();
        assert!(text.contains("  skipped"), "{text}");
        assert!(text.contains("payments/s ÷ durable commits/s  n/a"), "{text}");
        assert!(text.contains("UNKNOWN"), "{text}");
    }
}

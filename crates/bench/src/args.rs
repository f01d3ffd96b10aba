//! Command-line arguments of the bench, as a `clap::Args` so `juhe bench` can flatten them.

use std::path::PathBuf;

/// Options of one bench run. Every HTTP phase runs at the same concurrency for the same duration.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Server base URL; overrides `base_url` from the credentials file.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Credentials JSON (base_url, app_id, app_secret, ...); default `<data-dir>/demo.json`.
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,

    /// The server's data dir (as for `juhe serve`): holds demo.json; the SQLite baseline runs on its disk.
    #[arg(long, value_name = "DIR", env = "JUHE_DATA_DIR", default_value = "./juhe-data")]
    pub data_dir: PathBuf,

    /// Concurrent clients (one tokio task and one keep-alive connection each).
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: u32,

    /// Seconds each HTTP phase (healthz, payments) runs.
    #[arg(long, default_value_t = 10)]
    pub duration_secs: u64,

    /// Stop each HTTP phase after this many requests, even if time is left.
    #[arg(long, value_name = "N")]
    pub max_requests: Option<u64>,

    /// Seconds of the durable SQLite commit baseline; 0 skips it.
    #[arg(long, default_value_t = 3)]
    pub sqlite_secs: u64,

    /// Amount of each payment, in minor units (fen).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..))]
    pub amount: i64,

    /// Wallet top-up in minor units before measuring; default covers every possible payment.
    #[arg(long, value_name = "MINOR_UNITS", value_parser = clap::value_parser!(i64).range(1..))]
    pub topup_amount: Option<i64>,

    /// Currency of the top-up and the payments.
    #[arg(long, default_value = "CNY")]
    pub currency: String,

    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,

    /// No progress lines on stderr.
    #[arg(long)]
    pub quiet: bool,
}

impl BenchArgs {
    /// The credentials file to read: `--credentials`, else `<data-dir>/demo.json`.
    pub fn credentials_path(&self) -> PathBuf {
        self.credentials
            .clone()
            .unwrap_or_else(|| self.data_dir.join("demo.json"))
    }
}

impl Default for BenchArgs {
    fn default() -> Self {
        BenchArgs {
            base_url: None,
            credentials: None,
            data_dir: PathBuf::from("./juhe-data"),
            concurrency: 64,
            duration_secs: 10,
            max_requests: None,
            sqlite_secs: 3,
            amount: 1,
            topup_amount: None,
            currency: "CNY".to_owned(),
            timeout_secs: 30,
            quiet: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        bench: BenchArgs,
    }

    #[test]
    fn defaults_match_default_impl() {
        let parsed = Cli::parse_from(["x"]).bench;
        let d = BenchArgs::default();
        assert_eq!(parsed.concurrency, d.concurrency);
        assert_eq!(parsed.duration_secs, d.duration_secs);
        assert_eq!(parsed.sqlite_secs, d.sqlite_secs);
        assert_eq!(parsed.amount, d.amount);
        if std::env::var_os("JUHE_DATA_DIR").is_none() {
            assert_eq!(parsed.data_dir, d.data_dir);
            assert_eq!(parsed.credentials_path(), PathBuf::from("./juhe-data/demo.json"));
        }
        assert_eq!(parsed.currency, d.currency);
        assert_eq!(parsed.timeout_secs, d.timeout_secs);
    }

    #[test]
    fn flags_parse() {
        let a = Cli::parse_from([
            "x",
            "--concurrency",
            "8",
            "--max-requests",
            "100",
            "--credentials",
            "/tmp/c.json",
            "--base-url",
            "http://h:1",
        ])
        .bench;
        assert_eq!(a.concurrency, 8);
        assert_eq!(a.max_requests, Some(100));
        assert_eq!(a.credentials_path(), PathBuf::from("/tmp/c.json"));
        assert_eq!(a.base_url.as_deref(), Some("http://h:1"));
        assert!(Cli::try_parse_from(["x", "--concurrency", "0"]).is_err());
        assert!(Cli::try_parse_from(["x", "--amount", "0"]).is_err());
    }
}

//! Running a channel's SDK cross-check (`crates/channels/<name>/sdk-check/check.py`,
//! a public SDK or an independent client pointed at the sandbox) from its
//! Rust test, the same way for every channel: with the Python named by
//! `$JUHE_PYTHON` (`scripts/test-all` builds one venv for all of them), or
//! skipped with a line that says how to run it.

use std::ffi::{OsStr, OsString};
use std::path::Path;

/// The variable naming the Python with every `sdk-check/requirements.txt`.
pub const PYTHON_VAR: &str = "JUHE_PYTHON";

/// `$JUHE_PYTHON`, or `None` after printing that the check is skipped.
pub fn python() -> Option<OsString> {
    let python = std::env::var_os(PYTHON_VAR);
    if python.is_none() {
        println!("skipped: set {PYTHON_VAR} to a Python with sdk-check/requirements.txt installed");
    }
    python
}

/// What a check script printed, and whether it exited 0.
#[derive(Debug, Clone)]
pub struct CheckRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl CheckRun {
    /// Its standard output when it exited 0 and printed `marker` (its own
    /// "all passed" line); otherwise everything it printed, as the error.
    pub fn passed(self, marker: &str) -> Result<String, String> {
        println!("{}", self.stdout);
        if self.success && self.stdout.contains(marker) {
            Ok(self.stdout)
        } else {
            Err(format!(
                "the SDK check failed (exit ok: {}, expected {marker:?}):\n{}\n{}",
                self.success, self.stdout, self.stderr
            ))
        }
    }
}

/// Runs `python script args…` to completion.
pub async fn run(
    python: &OsStr,
    script: &Path,
    args: impl IntoIterator<Item = impl AsRef<OsStr>>,
) -> std::io::Result<CheckRun> {
    let output = tokio::process::Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .await?;
    Ok(CheckRun {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_run_passes_only_with_exit_zero_and_its_marker() {
        let sh = OsStr::new("sh");
        let ok = run(sh, Path::new("-c"), ["echo all 3 passed"]).await.unwrap();
        assert_eq!(ok.clone().passed("3 passed").unwrap(), "all 3 passed\n");
        assert!(ok.passed("4 passed").is_err());
        let failed = run(sh, Path::new("-c"), ["echo 3 passed; echo oops >&2; exit 1"])
            .await
            .unwrap();
        let err = failed.passed("3 passed").unwrap_err();
        assert!(err.contains("oops"), "{err}");
    }
}

//! Runs the independent Python implementation of ACP 5.1.0 in
//! `sdk-check/check.py` against the sandbox. Needs `JUHE_PYTHON`: a Python
//! with `sdk-check/requirements.txt` installed.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_python_client_passes_against_the_sandbox() {
    let Ok(python) = std::env::var("JUHE_PYTHON") else {
        println!(
            "skipped: set JUHE_PYTHON to a Python with crates/channels/unionpay/sdk-check/requirements.txt installed"
        );
        return;
    };
    let sandbox = start_sandbox().await;
    let dir = env!("CARGO_MANIFEST_DIR");
    let output = tokio::process::Command::new(python)
        .arg(format!("{dir}/sdk-check/check.py"))
        .arg(&sandbox.base_url)
        .arg(format!("{dir}/fixtures"))
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "check.py failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("unionpay sdk-check: OK"), "{stdout}");
}

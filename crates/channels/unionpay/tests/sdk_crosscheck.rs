//! Runs the independent Python implementation of ACP 5.1.0 in
//! `sdk-check/check.py` against the sandbox. Needs `JUHE_PYTHON`: a Python
//! with `sdk-check/requirements.txt` installed.

mod common;

use common::*;
use juhe_sandbox_kit::sdk_check;
use std::path::Path;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn independent_python_client_passes_against_the_sandbox() {
    let Some(python) = sdk_check::python() else { return };
    let sandbox = start_sandbox().await;
    let dir = env!("CARGO_MANIFEST_DIR");
    let script = format!("{dir}/sdk-check/check.py");
    let run = sdk_check::run(
        &python,
        Path::new(&script),
        [sandbox.base_url.clone(), format!("{dir}/fixtures")],
    )
    .await
    .unwrap();
    run.passed("unionpay sdk-check: OK").unwrap_or_else(|e| panic!("{e}"));
}

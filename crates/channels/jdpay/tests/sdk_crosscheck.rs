//! Runs `sdk-check/check.py` (an independent Python client of the JD Pay
//! V2.0 protocol; see its docstring) against the sandbox. Needs
//! `JUHE_PYTHON` pointing at a Python with `sdk-check/requirements.txt`.

mod common;

use common::*;
use juhe_sandbox_kit::sdk_check;
use std::path::Path;

#[tokio::test]
async fn python_client_agrees_with_the_sandbox() {
    let Some(python) = sdk_check::python() else { return };
    let (_state, url) = start_sandbox().await;
    let dir = env!("CARGO_MANIFEST_DIR");
    let fixtures = format!("{dir}/tests/fixtures");
    let script = format!("{dir}/sdk-check/check.py");
    let run = sdk_check::run(
        &python,
        Path::new(&script),
        [
            url,
            MERCHANT.to_string(),
            format!("{fixtures}/des_key.txt"),
            format!("{fixtures}/merchant_private.pem"),
            format!("{fixtures}/jd_public.pem"),
        ],
    )
    .await
    .unwrap();
    run.passed("sdk-check ok").unwrap_or_else(|e| panic!("{e}"));
}

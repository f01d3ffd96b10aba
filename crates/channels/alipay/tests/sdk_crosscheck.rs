//! Runs `sdk-check/check.py` (the public `python-alipay-sdk`) against the
//! sandbox. Needs `JUHE_PYTHON`: a Python with `sdk-check/requirements.txt`.

mod common;

use juhe_sandbox_kit::sdk_check;
use std::path::Path;

#[tokio::test]
async fn the_public_python_sdk_works_against_the_sandbox() {
    let Some(python) = sdk_check::python() else { return };
    let sandbox = common::start_sandbox().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = sdk_check::run(
        &python,
        &dir.join("sdk-check/check.py"),
        [
            sandbox.base.clone().into(),
            dir.join("../../../vectors/alipay.json").into_os_string(),
            dir.join("fixtures/sandbox-alipay-public-key.pem").into_os_string(),
            dir.join("fixtures").into_os_string(),
        ],
    )
    .await
    .expect("run the SDK check");
    run.passed(" 0 failed").unwrap_or_else(|e| panic!("{e}"));
}

//! Runs `sdk-check/check.py` (the public `python-alipay-sdk`) against the
//! sandbox. Needs `JUHE_PYTHON`: a Python with `sdk-check/requirements.txt`.

mod common;

use std::path::Path;

#[tokio::test]
async fn the_public_python_sdk_works_against_the_sandbox() {
    let Ok(python) = std::env::var("JUHE_PYTHON") else {
        println!("skipped: set JUHE_PYTHON to a Python with sdk-check/requirements.txt installed");
        return;
    };
    let sandbox = common::start_sandbox().await;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = tokio::process::Command::new(python)
        .arg(dir.join("sdk-check/check.py"))
        .arg(&sandbox.base)
        .arg(dir.join("../../../vectors/alipay.json"))
        .arg(dir.join("fixtures/sandbox-alipay-public-key.pem"))
        .output()
        .await
        .expect("run the SDK check");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "SDK check failed");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
}

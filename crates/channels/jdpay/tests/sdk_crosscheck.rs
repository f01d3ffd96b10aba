//! Runs `sdk-check/check.py` (an independent Python client of the JD Pay
//! V2.0 protocol; see its docstring) against the sandbox. Needs
//! `JUHE_PYTHON` pointing at a Python with `sdk-check/requirements.txt`.

mod common;

use common::*;

#[tokio::test]
async fn python_client_agrees_with_the_sandbox() {
    let Ok(python) = std::env::var("JUHE_PYTHON") else {
        println!("skipped: set JUHE_PYTHON to a Python with sdk-check/requirements.txt installed");
        return;
    };
    let (_state, url) = start_sandbox().await;
    let dir = env!("CARGO_MANIFEST_DIR");
    let fixtures = format!("{dir}/tests/fixtures");
    let output = tokio::process::Command::new(python)
        .arg(format!("{dir}/sdk-check/check.py"))
        .arg(&url)
        .arg(MERCHANT)
        .arg(format!("{fixtures}/des_key.txt"))
        .arg(format!("{fixtures}/merchant_private.pem"))
        .arg(format!("{fixtures}/jd_public.pem"))
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "check.py failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("sdk-check ok"), "{stdout}");
    println!("{stdout}");
}

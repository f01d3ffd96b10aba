//! Runs `sdk-check/check.py` (the public `wechatpayv3` Python SDK) against
//! the sandbox. Needs `JUHE_PYTHON` pointing at a Python with
//! `sdk-check/requirements.txt` installed; skipped (with a clear line) otherwise.

mod common;

use common::*;
use juhe_channel_wechatpay::sandbox::platform::{
    TEST_PLATFORM_PRIVATE_KEY, TEST_PLATFORM_PUBLIC_KEY, TEST_PLATFORM_PUBLIC_KEY_ID,
};
use juhe_channel_wechatpay::sandbox::{self, PlatformMode, SandboxOptions, SandboxPlatform, SandboxState};
use std::time::Duration;

const MCHID_PUBLIC_KEY_MODE: &str = "1900000110";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_works_against_the_sandbox() {
    let Some(python) = std::env::var_os("JUHE_PYTHON") else {
        println!("skipped: set JUHE_PYTHON to a Python with sdk-check/requirements.txt installed");
        return;
    };
    let platform = SandboxPlatform::test_fixture().expect("platform");
    let platform_serial = platform.certificate_serial().to_string();
    let mut public_key_merchant = registration(PlatformMode::PublicKey);
    public_key_merchant.mchid = MCHID_PUBLIC_KEY_MODE.into();
    let state = SandboxState::new(
        platform,
        &[registration(PlatformMode::Certificate), public_key_merchant],
        SandboxOptions {
            retry_divisor: 1000,
            refund_settle: Duration::from_millis(100),
        },
    )
    .expect("sandbox");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = sandbox::router(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let settings = serde_json::json!({
        "base_url": format!("http://{addr}"),
        "mchid": MCHID,
        "mchid_public_key_mode": MCHID_PUBLIC_KEY_MODE,
        "appid": APPID,
        "apiv3_key": APIV3_KEY,
        "merchant_serial_no": MERCHANT_SERIAL,
        "private_key": merchant_private_key(),
        "wrong_private_key": TEST_PLATFORM_PRIVATE_KEY,
        "platform_serial": platform_serial,
        "platform_public_key": TEST_PLATFORM_PUBLIC_KEY,
        "platform_public_key_id": TEST_PLATFORM_PUBLIC_KEY_ID,
    });
    let path = std::env::temp_dir().join(format!("juhe-wechatpay-sdk-check-{}.json", std::process::id()));
    std::fs::write(&path, settings.to_string()).expect("write settings");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/sdk-check/check.py");
    let output = tokio::process::Command::new(python)
        .arg(script)
        .arg(&path)
        .output()
        .await
        .expect("run python");
    let _ = std::fs::remove_file(&path);
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "SDK check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("SDK cross-check passed"));
}

//! Runs `sdk-check/check.py` (the public `wechatpayv3` Python SDK) against
//! the sandbox. Needs `JUHE_PYTHON` pointing at a Python with
//! `sdk-check/requirements.txt` installed; skipped (with a clear line) otherwise.

mod common;

use common::*;
use juhe_channel_wechatpay::sandbox::platform::{
    TEST_PLATFORM_PRIVATE_KEY, TEST_PLATFORM_PUBLIC_KEY, TEST_PLATFORM_PUBLIC_KEY_ID,
};
use juhe_channel_wechatpay::sandbox::{self, PlatformMode, SandboxOptions, SandboxPlatform, SandboxState};
use juhe_sandbox_kit::sdk_check;
use std::time::Duration;

const MCHID_PUBLIC_KEY_MODE: &str = "1900000110";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_works_against_the_sandbox() {
    let Some(python) = sdk_check::python() else { return };
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
    let app = sandbox::router(state);
    let addr = juhe_sandbox_kit::serve_local(app).await.expect("serve").addr;

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
    let run = sdk_check::run(&python, std::path::Path::new(script), [&path])
        .await
        .expect("run python");
    let _ = std::fs::remove_file(&path);
    run.passed("SDK cross-check passed").unwrap_or_else(|e| panic!("{e}"));
}

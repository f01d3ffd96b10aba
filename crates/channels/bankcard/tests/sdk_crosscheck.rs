//! pyiso8583 (an independent ISO 8583 implementation) against juhe's
//! encoder and the sandbox host: `sdk-check/check.py`. Needs `JUHE_PYTHON`
//! pointing at a Python with `sdk-check/requirements.txt` installed.

mod common;

use common::sample::sample_purchase;
use common::*;
use juhe_channel_bankcard::codec::encode;
use juhe_channel_bankcard::codec::posp::POSP;
use juhe_channel_bankcard::sandbox::{HostTxnKind, HostTxnState};

#[tokio::test]
async fn pyiso8583_decodes_our_bytes_and_transacts_with_the_sandbox() {
    let Ok(python) = std::env::var("JUHE_PYTHON") else {
        println!("skipped: set JUHE_PYTHON to a Python with sdk-check/requirements.txt installed");
        return;
    };
    let env = env().await;
    let sample = hex::encode_upper(encode(&POSP, &sample_purchase()).unwrap());
    let dir = env!("CARGO_MANIFEST_DIR");
    let output = tokio::process::Command::new(python)
        .arg(format!("{dir}/sdk-check/check.py"))
        .arg(env.addr.to_string())
        .args([TERMINAL_ID, MERCHANT_NO, TMK, &sample])
        .arg(format!("{dir}/../../../vectors/iso8583.json"))
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(output.status.success(), "check.py failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("ALL CHECKS PASSED"), "{stdout}");
    // The host saw the Python terminal's purchase and its reversal.
    let purchases: Vec<_> = env
        .host
        .transactions(TERMINAL_ID)
        .into_iter()
        .filter(|t| t.kind == HostTxnKind::Purchase)
        .collect();
    assert_eq!(purchases.len(), 1, "the tampered purchase must not be recorded");
    assert_eq!(
        (purchases[0].amount, &purchases[0].state),
        (12345, &HostTxnState::Reversed)
    );
}

//! pyiso8583 (an independent ISO 8583 implementation) against juhe's
//! encoder and the sandbox host: `sdk-check/check.py`. Needs `JUHE_PYTHON`
//! pointing at a Python with `sdk-check/requirements.txt` installed.

mod common;

use common::sample::sample_purchase;
use common::*;
use juhe_channel_bankcard::codec::encode;
use juhe_channel_bankcard::codec::posp::POSP;
use juhe_channel_bankcard::sandbox::{HostTxnKind, HostTxnState};
use juhe_sandbox_kit::sdk_check;
use std::path::Path;

#[tokio::test]
async fn pyiso8583_decodes_our_bytes_and_transacts_with_the_sandbox() {
    let Some(python) = sdk_check::python() else { return };
    let env = env().await;
    let sample = hex::encode_upper(encode(&POSP, &sample_purchase()).unwrap());
    let dir = env!("CARGO_MANIFEST_DIR");
    let vectors = format!("{dir}/../../../vectors/iso8583.json");
    let addr = env.addr.to_string();
    let script = format!("{dir}/sdk-check/check.py");
    let run = sdk_check::run(
        &python,
        Path::new(&script),
        [&addr, TERMINAL_ID, MERCHANT_NO, TMK, &sample, &vectors],
    )
    .await
    .unwrap();
    run.passed("ALL CHECKS PASSED").unwrap_or_else(|e| panic!("{e}"));
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

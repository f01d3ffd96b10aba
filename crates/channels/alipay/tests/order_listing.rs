//! `GET /_sandbox/orders`: the payer page's read-only view of the trades.

mod common;

use common::*;
use juhe_channel::{Channel, PayAction};
use juhe_domain::way::Way;

async fn listing(base: &str) -> serde_json::Value {
    reqwest::get(format!("{base}/_sandbox/orders"))
        .await
        .expect("list")
        .json()
        .await
        .expect("list json")
}

#[tokio::test]
async fn lists_trades_with_their_qr_code_amount_and_state() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let order = order_no("list");
    let created = channel()
        .create(&cfg, &payment(Way::Qr, &order, 2468))
        .await
        .expect("create");
    let Some(PayAction::QrCode { code_url }) = created.action else {
        panic!("no QR code: {created:?}");
    };

    let listed = listing(&sandbox.base).await;
    let trade = &listed["orders"][0];
    assert_eq!(trade["out_trade_no"], order.as_str());
    assert_eq!(trade["amount"], 2468);
    assert_eq!(trade["state"], "WAIT_BUYER_PAY");
    assert_eq!(trade["payable"], true);
    assert_eq!(trade["code_url"], code_url.as_str());

    assert_eq!(sandbox.pay(&order).await, 200);
    let trade = &listing(&sandbox.base).await["orders"][0];
    assert_eq!(trade["state"], "TRADE_SUCCESS");
    assert_eq!(trade["payable"], false);
}

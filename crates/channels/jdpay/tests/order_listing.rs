//! `GET /_sandbox/orders`: the payer page's read-only view of the orders.

mod common;

use common::*;
use juhe_channel::http::HttpClient;
use juhe_channel::{Channel, PayAction};
use juhe_channel_jdpay::JdPayChannel;
use juhe_domain::way::Way;
use std::time::Duration;

async fn listing(url: &str) -> serde_json::Value {
    reqwest::get(format!("{url}/_sandbox/orders"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn lists_orders_with_their_qr_code_amount_and_state() {
    let (_state, url) = start_sandbox().await;
    let cfg = config(&url, "http://127.0.0.1:9/notify");
    let ch = JdPayChannel::new(HttpClient::with_timeouts(Duration::from_secs(2), Duration::from_secs(20)).unwrap());
    let outcome = ch.create(&cfg, &create("LIST1", 975, Way::Qr, None)).await.unwrap();
    let Some(PayAction::QrCode { code_url }) = outcome.action else {
        panic!("expected a QR code");
    };

    let listed = listing(&url).await;
    let order = &listed["orders"][0];
    assert_eq!(order["out_trade_no"], "LIST1");
    assert_eq!(order["amount"], 975);
    assert_eq!(order["state"], "CREATED");
    assert_eq!(order["payable"], true);
    assert_eq!(order["code_url"], code_url.as_str());

    let paid = reqwest::Client::new()
        .post(format!("{url}/_sandbox/orders/LIST1/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 204);
    let order = &listing(&url).await["orders"][0];
    assert_eq!(order["state"], "SUCCESS");
    assert_eq!(order["payable"], false);
}

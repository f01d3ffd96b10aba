//! `GET /_sandbox/orders`: the payer page's read-only view of the orders.

mod common;

use common::*;
use juhe_channel::{Channel, PayAction};
use juhe_channel_unionpay::UnionPayChannel;
use juhe_channel_unionpay::protocol::fields::order_id;
use juhe_domain::way::Way;

async fn listing(base_url: &str) -> serde_json::Value {
    reqwest::get(format!("{base_url}/_sandbox/orders"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn lists_consumptions_with_their_qr_code_amount_and_state() {
    let sandbox = start_sandbox().await;
    let cfg = config("11", &sandbox.base_url, "http://127.0.0.1:9/notify");
    let req = payment(Way::Qr, &order_no("list", "11"), 1357);
    let created = UnionPayChannel::new().unwrap().create(&cfg, &req).await.unwrap();
    let Some(PayAction::QrCode { code_url }) = created.action else {
        panic!("expected a QR code");
    };
    let id = order_id(&req.channel_order_no);

    let listed = listing(&sandbox.base_url).await;
    let order = &listed["orders"][0];
    assert_eq!(order["out_trade_no"], id.as_str());
    assert_eq!(order["amount"], 1357);
    assert_eq!(order["state"], "WAITING");
    assert_eq!(order["payable"], true);
    assert_eq!(order["code_url"], code_url.as_str());

    let paid = reqwest::Client::new()
        .post(format!("{}/_sandbox/orders/{id}/pay", sandbox.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 200);
    let order = &listing(&sandbox.base_url).await["orders"][0];
    assert_eq!(order["state"], "SUCCEEDED");
    assert_eq!(order["payable"], false);
}

//! `GET /_sandbox/orders`: the payer page's read-only view of the orders.

mod common;

use common::*;
use juhe_channel::{Channel, CreatePayment, PayAction};
use juhe_channel_wechatpay::sandbox::PlatformMode;
use juhe_domain::way::Way;

fn native(order_no: &str, fen: i64) -> CreatePayment {
    CreatePayment {
        payment_id: format!("pay_{order_no}"),
        channel_order_no: order_no.into(),
        money: cny(fen),
        subject: "listing".into(),
        way: Way::Qr,
        auth_code: None,
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: None,
        terminal_id: None,
        site_id: None,
        expire_at_ms: now_ms() + 60_000,
        created_at_ms: now_ms(),
    }
}

async fn listing(base_url: &str) -> serde_json::Value {
    reqwest::get(format!("{base_url}/_sandbox/orders"))
        .await
        .expect("list")
        .json()
        .await
        .expect("list json")
}

#[tokio::test]
async fn lists_orders_with_their_code_url_amount_and_state() {
    let h = start(PlatformMode::PublicKey).await;
    let cfg = h.config("http://127.0.0.1:9/notify");
    let no = order_no("LIST");
    let created = h.channel.create(&cfg, &native(&no, 4321)).await.expect("create");
    let Some(PayAction::QrCode { code_url }) = created.action else {
        panic!("expected a QR code");
    };

    let orders = listing(&h.base_url).await;
    let order = &orders["orders"][0];
    assert_eq!(order["out_trade_no"], no.as_str());
    assert_eq!(order["amount"], 4321);
    assert_eq!(order["state"], "NOTPAY");
    assert_eq!(order["payable"], true);
    assert_eq!(order["code_url"], code_url.as_str());

    assert_eq!(h.pay(&no).await["trade_state"], "SUCCESS");
    let order = &listing(&h.base_url).await["orders"][0];
    assert_eq!(order["state"], "SUCCESS");
    assert_eq!(order["payable"], false);
}

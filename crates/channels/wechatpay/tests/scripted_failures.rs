//! The sandbox's scripted behaviours and faults, seen through the client.

mod common;

use common::*;
use juhe_channel::http::HttpClient;
use juhe_channel::{Channel, ChannelError, ChannelPaymentState, CreatePayment, Notification};
use juhe_channel_wechatpay::WechatPayChannel;
use juhe_channel_wechatpay::sandbox::PlatformMode;
use juhe_domain::way::Way;
use serde_json::json;
use std::time::Duration;

fn request(order_no: &str, way: Way, fen: i64, auth_code: Option<&str>) -> CreatePayment {
    CreatePayment {
        payment_id: format!("pay_{order_no}"),
        channel_order_no: order_no.into(),
        money: cny(fen),
        subject: "停车费".into(),
        way,
        auth_code: auth_code.map(str::to_string),
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

const CODE: &str = "134567890123456789";

#[tokio::test]
async fn barcode_decline_is_declined_and_the_order_failed() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.script(json!({"match": {"auth_code": CODE}, "behaviour": {"type": "decline", "code": "PAYERROR", "message": "卡已冻结"}, "times": 1}))
        .await;
    let no = order_no("DC");
    let err = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 300, Some(CODE)))
        .await
        .unwrap_err();
    assert_eq!(err, ChannelError::declined("PAYERROR", "卡已冻结"));
    assert!(err.took_no_money());
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 300)).await.expect("query"),
        ChannelPaymentState::Failed {
            code: "PAYERROR".into(),
            message: "卡已冻结".into()
        }
    );
}

#[tokio::test]
async fn barcode_insufficient_funds_is_notenough() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.script(json!({"match": {"amount": 301}, "behaviour": {"type": "insufficient_funds"}}))
        .await;
    let no = order_no("NE");
    let err = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 301, Some(CODE)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Declined { code, .. } if code == "NOTENOUGH"),
        "{err:?}"
    );
    assert!(matches!(
        h.channel.query(&cfg, &payment_ref(&no, 301)).await.expect("query"),
        ChannelPaymentState::Failed { code, .. } if code == "PAYERROR"
    ));
}

#[tokio::test]
async fn barcode_stays_paying_until_reversed() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.script(json!({"match": {"amount": 302}, "behaviour": {"type": "stay_paying"}}))
        .await;
    let no = order_no("SP");
    let created = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 302, Some(CODE)))
        .await
        .expect("create");
    assert_eq!(created.state, ChannelPaymentState::Paying);
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 302)).await.expect("query"),
        ChannelPaymentState::Paying
    );
    h.channel.reverse(&cfg, &payment_ref(&no, 302)).await.expect("reverse");
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 302)).await.expect("query"),
        ChannelPaymentState::Closed
    );
}

#[tokio::test]
async fn qr_stays_paying_until_closed() {
    let h = start(PlatformMode::PublicKey).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.script(json!({"match": {"amount": 303}, "behaviour": {"type": "stay_paying"}}))
        .await;
    let no = order_no("SQ");
    h.channel
        .create(&cfg, &request(&no, Way::Qr, 303, None))
        .await
        .expect("create");
    assert_eq!(h.pay(&no).await["trade_state"], "USERPAYING");
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 303)).await.expect("query"),
        ChannelPaymentState::Paying
    );
    h.channel.close(&cfg, &payment_ref(&no, 303)).await.expect("close");
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 303)).await.expect("query"),
        ChannelPaymentState::Closed
    );
}

#[tokio::test]
async fn barcode_paying_later_succeeds_on_query() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.script(json!({"match": {"amount": 304}, "behaviour": {"type": "pay", "after_ms": 100}}))
        .await;
    let no = order_no("PL");
    let created = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 304, Some(CODE)))
        .await
        .expect("create");
    assert_eq!(created.state, ChannelPaymentState::Paying);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(
        h.channel.query(&cfg, &payment_ref(&no, 304)).await.expect("query"),
        ChannelPaymentState::Succeeded { amount: 304, .. }
    ));
}

#[tokio::test]
async fn qr_decline_and_insufficient_funds_on_the_payer_page() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.script(
        json!({"match": {"amount": 305}, "behaviour": {"type": "decline", "code": "PAYERROR", "message": "风控拦截"}}),
    )
    .await;
    h.script(json!({"match": {"amount": 306}, "behaviour": {"type": "insufficient_funds"}}))
        .await;
    for fen in [305, 306] {
        let no = order_no("QD");
        h.channel
            .create(&cfg, &request(&no, Way::Qr, fen, None))
            .await
            .expect("create");
        assert_eq!(h.pay(&no).await["trade_state"], "PAYERROR");
        assert!(matches!(
            h.channel.query(&cfg, &payment_ref(&no, fen)).await.expect("query"),
            ChannelPaymentState::Failed { code, .. } if code == "PAYERROR"
        ));
    }
}

#[tokio::test]
async fn qr_scripted_to_pay_notifies_by_itself() {
    let h = start(PlatformMode::Certificate).await;
    let mut inbox = receiver(0).await;
    let cfg = h.config(&inbox.url);
    h.script(json!({"match": {"amount": 307}, "behaviour": {"type": "pay", "after_ms": 50}}))
        .await;
    let no = order_no("AU");
    h.channel
        .create(&cfg, &request(&no, Way::Qr, 307, None))
        .await
        .expect("create");
    let parsed = h
        .channel
        .parse_notification(&cfg, &inbox.next().await)
        .await
        .expect("notification");
    assert!(
        matches!(parsed, Notification::Payment { channel_order_no, state: ChannelPaymentState::Succeeded { amount: 307, .. } } if channel_order_no == no)
    );
}

#[tokio::test]
async fn never_answering_is_unknown_and_the_order_is_found_by_query() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.script(json!({"match": {"amount": 308}, "behaviour": {"type": "never_answer"}, "times": 1}))
        .await;
    let impatient = WechatPayChannel::with_http(
        HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_millis(1500)).expect("http"),
    );
    let no = order_no("NA");
    let err = impatient
        .create(&cfg, &request(&no, Way::Qr, 308, None))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
    assert!(!err.took_no_money());
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 308)).await.expect("query"),
        ChannelPaymentState::AwaitingPayer
    );
}

#[tokio::test]
async fn a_5xx_burst_makes_exactly_the_affected_calls_unknown() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.faults(json!({"fail_next": 2})).await;
    let no = order_no("FX");
    let create = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 309, Some(CODE)))
        .await
        .unwrap_err();
    assert!(
        matches!(&create, ChannelError::Unknown(m) if m.contains("SYSTEM_ERROR")),
        "{create:?}"
    );
    let query = h.channel.query(&cfg, &payment_ref(&no, 309)).await.unwrap_err();
    assert!(matches!(query, ChannelError::Unknown(_)), "{query:?}");
    // The burst is over; the failed create never reached the books.
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 309)).await,
        Err(ChannelError::NotFound)
    );
    let created = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 309, Some(CODE)))
        .await
        .expect("create");
    assert!(matches!(created.state, ChannelPaymentState::Succeeded { .. }));
}

#[tokio::test]
async fn frequency_limits_are_rate_limits_and_nothing_is_done() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    h.faults(json!({"rate_limit_next": 2})).await;
    let no = order_no("RL");
    let create = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 311, Some(CODE)))
        .await
        .unwrap_err();
    assert!(
        matches!(&create, ChannelError::RateLimited { code, .. } if code == "FREQUENCY_LIMITED"),
        "{create:?}"
    );
    assert!(create.took_no_money() && create.is_channel_fault());
    let query = h.channel.query(&cfg, &payment_ref(&no, 311)).await.unwrap_err();
    assert!(matches!(query, ChannelError::RateLimited { .. }), "{query:?}");
    // The refused create never reached the books; sent again, it is taken.
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 311)).await,
        Err(ChannelError::NotFound)
    );
    let created = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 311, Some(CODE)))
        .await
        .expect("create");
    assert!(matches!(created.state, ChannelPaymentState::Succeeded { .. }));
}

#[tokio::test]
async fn a_paid_amount_that_differs_is_never_believed() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let no = order_no("AM");
    h.channel
        .create(&cfg, &request(&no, Way::Barcode, 310, Some(CODE)))
        .await
        .expect("create");
    let err = h.channel.query(&cfg, &payment_ref(&no, 311)).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unknown(m) if m.contains("310") && m.contains("311")),
        "{err:?}"
    );
}

#[tokio::test]
async fn repeating_a_paid_order_is_unknown_not_declined() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let no = order_no("RP");
    h.channel
        .create(&cfg, &request(&no, Way::Barcode, 312, Some(CODE)))
        .await
        .expect("create");
    let err = h
        .channel
        .create(&cfg, &request(&no, Way::Barcode, 312, Some(CODE)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ChannelError::Unknown(m) if m.contains("ORDERPAID")),
        "{err:?}"
    );
}

//! Every operation of the client against the sandbox, in both platform
//! verification modes (certificate serial and `PUB_KEY_ID_…`).

mod common;

use common::*;
use juhe_channel::{
    BillKind, BillRequest, Channel, ChannelError, ChannelPaymentState, CreatePayment, CreateRefund, Notification,
    PayAction, RefundRef, RefundState,
};
use juhe_channel_wechatpay::sandbox::PlatformMode;
use juhe_crypto::x509::Certificate;
use juhe_crypto::{RsaDigest, RsaPublic};
use juhe_domain::way::Way;

fn create_request(order_no: &str, way: Way, fen: i64) -> CreatePayment {
    CreatePayment {
        payment_id: format!("pay_{order_no}"),
        channel_order_no: order_no.into(),
        money: cny(fen),
        subject: "Image形象店-深圳腾大-QQ公仔".into(),
        way,
        auth_code: None,
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: None,
        terminal_id: Some("T001".into()),
        site_id: Some("S001".into()),
        expire_at_ms: now_ms() + 15 * 60 * 1000,
        created_at_ms: now_ms(),
    }
}

fn merchant_public() -> RsaPublic {
    Certificate::parse(&merchant_certificate())
        .and_then(|c| c.rsa_public())
        .expect("merchant cert")
}

async fn qr_pay_refund_bill(mode: PlatformMode) {
    let h = start(mode).await;
    let mut inbox = receiver(0).await;
    let cfg = h.config(&inbox.url);
    h.channel.validate_config(&cfg).expect("config is valid");
    let no = order_no("QR");

    let created = h
        .channel
        .create(&cfg, &create_request(&no, Way::Qr, 1234))
        .await
        .expect("create");
    assert_eq!(created.state, ChannelPaymentState::AwaitingPayer);
    match created.action {
        Some(PayAction::QrCode { code_url }) => {
            assert!(code_url.starts_with("weixin://wxpay/bizpayurl?pr="), "{code_url}")
        }
        other => panic!("expected a QR code, got {other:?}"),
    }
    let unpaid = payment_ref(&no, 1234);
    assert_eq!(
        h.channel.query(&cfg, &unpaid).await.expect("query"),
        ChannelPaymentState::AwaitingPayer
    );

    assert_eq!(h.pay(&no).await["trade_state"], "SUCCESS");
    let inbound = inbox.next().await;
    let trade_no = match h
        .channel
        .parse_notification(&cfg, &inbound)
        .await
        .expect("notification verifies")
    {
        Notification::Payment {
            channel_order_no,
            state:
                ChannelPaymentState::Succeeded {
                    channel_trade_no,
                    amount,
                    ..
                },
        } => {
            assert_eq!(channel_order_no, no);
            assert_eq!(amount, 1234);
            channel_trade_no
        }
        other => panic!("expected a payment success, got {other:?}"),
    };
    let by_number = h.channel.query(&cfg, &unpaid).await.expect("query paid");
    assert!(
        matches!(&by_number, ChannelPaymentState::Succeeded { channel_trade_no, amount: 1234, .. } if *channel_trade_no == trade_no)
    );
    let mut by_id = unpaid.clone();
    by_id.channel_trade_no = Some(trade_no.clone());
    assert_eq!(h.channel.query(&cfg, &by_id).await.expect("query by id"), by_number);

    let refund = CreateRefund {
        refund_id: "ref_1".into(),
        channel_refund_no: format!("R{no}"),
        payment: by_id.clone(),
        refund: cny(234),
        reason: Some("顾客退货".into()),
        created_at_ms: now_ms(),
    };
    let report = h.channel.refund(&cfg, &refund).await.expect("refund");
    assert_eq!(report.state, RefundState::Processing);
    assert_eq!(report.amount, 234);
    assert_eq!(report.channel_refund_no, refund.channel_refund_no);
    let refund_id = report.channel_refund_id.clone().expect("refund_id");

    let inbound = inbox.next().await;
    match h
        .channel
        .parse_notification(&cfg, &inbound)
        .await
        .expect("refund notification")
    {
        Notification::Refund {
            channel_order_no,
            report,
        } => {
            assert_eq!(channel_order_no, no);
            assert!(matches!(report.state, RefundState::Succeeded { .. }));
            assert_eq!(report.amount, 234);
            assert_eq!(report.channel_refund_id.as_deref(), Some(refund_id.as_str()));
        }
        other => panic!("expected a refund notification, got {other:?}"),
    }
    let queried = h
        .channel
        .query_refund(
            &cfg,
            &RefundRef {
                channel_refund_no: refund.channel_refund_no.clone(),
                channel_refund_id: Some(refund_id.clone()),
                payment: by_id.clone(),
                refund: cny(234),
                created_at_ms: now_ms(),
            },
        )
        .await
        .expect("refund query");
    assert!(matches!(queried.state, RefundState::Succeeded { .. }));
    // Still paid (partly refunded): trade_state REFUND reads as success.
    assert!(matches!(
        h.channel.query(&cfg, &by_id).await.expect("query"),
        ChannelPaymentState::Succeeded { .. }
    ));

    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date();
    let bill = h
        .channel
        .download_bill(
            &cfg,
            &BillRequest {
                date: today,
                kind: BillKind::All,
            },
        )
        .await
        .expect("bill");
    let text = String::from_utf8(bill.bytes).expect("utf-8");
    assert!(text.starts_with("\u{feff}交易时间,公众账号ID,商户号"));
    let rows: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
    assert_eq!(rows.len(), 5, "{text}");
    assert!(
        rows[1].contains(&format!("`{trade_no},`{no},"))
            && rows[1].contains("`SUCCESS,")
            && rows[1].contains("`12.34,")
    );
    assert!(rows[2].contains("`REFUND,") && rows[2].contains(&format!("`{refund_id},")) && rows[2].contains("`2.34,"));
    assert_eq!(rows[4], "`2.0,`12.34,`2.34,`0.0,`0.06,`12.34,`2.34");
    let payments_only = h
        .channel
        .download_bill(
            &cfg,
            &BillRequest {
                date: today,
                kind: BillKind::Payments,
            },
        )
        .await
        .expect("bill SUCCESS");
    assert_eq!(String::from_utf8_lossy(&payments_only.bytes).matches("\r\n").count(), 4);
    let yesterday = today.previous_day().expect("date");
    assert_eq!(
        h.channel
            .download_bill(
                &cfg,
                &BillRequest {
                    date: yesterday,
                    kind: BillKind::All
                }
            )
            .await,
        Err(ChannelError::declined("NO_STATEMENT_EXIST", "要下载的账单不存在"))
    );
}

#[tokio::test]
async fn qr_payment_refund_and_bill_with_platform_certificates() {
    qr_pay_refund_bill(PlatformMode::Certificate).await;
}

#[tokio::test]
async fn qr_payment_refund_and_bill_with_platform_public_key() {
    qr_pay_refund_bill(PlatformMode::PublicKey).await;
}

#[tokio::test]
async fn barcode_pays_at_once_and_reverse_revokes() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let no = order_no("BC");
    let mut req = create_request(&no, Way::Barcode, 500);
    req.auth_code = Some("134567890123456789".into());
    let created = h.channel.create(&cfg, &req).await.expect("codepay");
    assert!(matches!(
        created.state,
        ChannelPaymentState::Succeeded { amount: 500, .. }
    ));
    assert!(
        created
            .channel_trade_no
            .as_deref()
            .is_some_and(|id| id.starts_with("4200"))
    );
    h.channel.reverse(&cfg, &payment_ref(&no, 500)).await.expect("reverse");
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 500)).await.expect("query"),
        ChannelPaymentState::Closed
    );
    assert_eq!(h.state.trade_state(&no).as_deref(), Some("REVOKED"));
}

#[tokio::test]
async fn close_makes_an_unpaid_order_unpayable() {
    let h = start(PlatformMode::PublicKey).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let no = order_no("CL");
    h.channel
        .create(&cfg, &create_request(&no, Way::Qr, 100))
        .await
        .expect("create");
    h.channel
        .close(&cfg, &payment_ref(&no, 100))
        .await
        .expect("close (204)");
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 100)).await.expect("query"),
        ChannelPaymentState::Closed
    );
    assert_eq!(h.pay(&no).await["trade_state"], "CLOSED");
}

#[tokio::test]
async fn jsapi_and_app_return_signed_client_parameters() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let merchant = merchant_public();

    let mut jsapi = create_request(&order_no("JS"), Way::Jsapi, 1);
    assert!(matches!(
        h.channel.create(&cfg, &jsapi).await,
        Err(ChannelError::Declined { code, .. }) if code == "PARAM_ERROR"
    ));
    jsapi.payer_id = Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into());
    let created = h.channel.create(&cfg, &jsapi).await.expect("jsapi");
    let Some(PayAction::Sdk { params }) = created.action else {
        panic!("expected SDK params");
    };
    let field = |k: &str| params[k].as_str().expect(k).to_string();
    assert_eq!(field("appId"), APPID);
    assert_eq!(field("signType"), "RSA");
    assert!(field("package").starts_with("prepay_id=wx"));
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        field("appId"),
        field("timeStamp"),
        field("nonceStr"),
        field("package")
    );
    assert!(merchant.verify_base64(RsaDigest::Sha256, message.as_bytes(), &field("paySign")));

    let created = h
        .channel
        .create(&cfg, &create_request(&order_no("AP"), Way::App, 1))
        .await
        .expect("app");
    let Some(PayAction::Sdk { params }) = created.action else {
        panic!("expected SDK params");
    };
    let field = |k: &str| params[k].as_str().expect(k).to_string();
    assert_eq!(field("partnerid"), MCHID);
    assert_eq!(field("package"), "Sign=WXPay");
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        field("appid"),
        field("timestamp"),
        field("noncestr"),
        field("prepayid")
    );
    assert!(merchant.verify_base64(RsaDigest::Sha256, message.as_bytes(), &field("sign")));
}

#[tokio::test]
async fn h5_redirects_and_needs_the_payer_ip() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let mut req = create_request(&order_no("H5"), Way::H5, 1);
    assert!(matches!(
        h.channel.create(&cfg, &req).await,
        Err(ChannelError::Declined { .. })
    ));
    req.payer_ip = Some("203.0.113.7".into());
    let created = h.channel.create(&cfg, &req).await.expect("h5");
    assert!(matches!(created.action, Some(PayAction::Redirect { url }) if url.starts_with("https://wx.tenpay.com/")));
}

#[tokio::test]
async fn unknown_orders_and_refunds_are_not_found() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    assert_eq!(
        h.channel.query(&cfg, &payment_ref("NOPE1", 1)).await,
        Err(ChannelError::NotFound)
    );
    let refund = RefundRef {
        channel_refund_no: "NOREFUND1".into(),
        channel_refund_id: None,
        payment: payment_ref("NOPE1", 1),
        refund: cny(1),
        created_at_ms: now_ms(),
    };
    assert_eq!(h.channel.query_refund(&cfg, &refund).await, Err(ChannelError::NotFound));
}

#[tokio::test]
async fn config_validation_names_what_is_wrong() {
    let h = start(PlatformMode::Certificate).await;
    let good = h.config("http://127.0.0.1:9/unused");
    assert!(h.channel.validate_config(&good).is_ok());
    assert!(
        h.channel
            .validate_config(&config(&h.base_url, PlatformMode::PublicKey, "x"))
            .is_ok()
    );

    let mut short_key = good.clone();
    short_key.secrets.insert("apiv3_key", "testAPIv3Key0000");
    assert!(matches!(h.channel.validate_config(&short_key), Err(ChannelError::Config(m)) if m.contains("apiv3_key")));

    let mut bad_private = good.clone();
    bad_private.secrets.insert(
        "private_key",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
    );
    let err = h.channel.validate_config(&bad_private).unwrap_err().to_string();
    assert!(err.contains("private_key") && !err.contains("AAAA"), "{err}");

    let mut no_platform = good.clone();
    no_platform.params.remove("platform_certificates");
    assert!(matches!(
        h.channel.validate_config(&no_platform),
        Err(ChannelError::Config(_))
    ));

    let mut no_mchid = good.clone();
    no_mchid.params.remove("mchid");
    assert!(matches!(h.channel.validate_config(&no_mchid), Err(ChannelError::Config(m)) if m.contains("mchid")));
}

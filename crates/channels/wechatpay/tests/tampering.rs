//! Signatures checked on both sides: the sandbox refuses badly signed
//! requests with 401 SIGN_ERROR; the client never believes an answer it
//! cannot verify (it is `Unknown`, not a refusal and not a success).

mod common;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use common::*;
use juhe_channel::{Channel, ChannelError, ChannelPaymentState, CreatePayment, PayAction};
use juhe_channel_wechatpay::protocol::auth::{Authorization, SignedRequest, new_nonce};
use juhe_channel_wechatpay::protocol::platform::sign_response;
use juhe_channel_wechatpay::sandbox::PlatformMode;
use juhe_channel_wechatpay::sandbox::platform::{TEST_PLATFORM_CERTIFICATE, TEST_PLATFORM_PRIVATE_KEY};
use juhe_crypto::RsaPrivate;
use juhe_crypto::x509::Certificate;
use juhe_domain::way::Way;
use std::sync::Arc;

fn qr(order_no: &str) -> CreatePayment {
    CreatePayment {
        payment_id: "pay_t".into(),
        channel_order_no: order_no.into(),
        money: cny(100),
        subject: "test".into(),
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

fn now_s() -> i64 {
    now_ms() / 1000
}

struct RawCall<'a> {
    method: &'a str,
    path: &'a str,
    signed_body: &'a str,
    sent_body: &'a str,
    serial: &'a str,
    timestamp: i64,
}

async fn raw(base: &str, key: &RsaPrivate, call: RawCall<'_>) -> (u16, serde_json::Value) {
    let nonce = new_nonce();
    let auth = Authorization::sign(
        key,
        MCHID,
        call.serial,
        &SignedRequest {
            method: call.method,
            canonical_url: call.path,
            timestamp: call.timestamp,
            nonce: &nonce,
            body: call.signed_body.as_bytes(),
        },
    )
    .expect("sign");
    let client = reqwest::Client::new();
    let url = format!("{base}{}", call.path);
    let request = if call.method == "GET" {
        client.get(url)
    } else {
        client
            .post(url)
            .header("content-type", "application/json")
            .body(call.sent_body.to_string())
    };
    let response = request
        .header("authorization", auth.header_value())
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

#[tokio::test]
async fn the_sandbox_refuses_bad_request_signatures() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let no = order_no("TS");
    h.channel.create(&cfg, &qr(&no)).await.expect("create");
    let key = RsaPrivate::parse(&merchant_private_key()).expect("key");
    let query = format!("/v3/pay/transactions/out-trade-no/{no}?mchid={MCHID}");
    let close = format!("/v3/pay/transactions/out-trade-no/{no}/close");
    let body = format!(r#"{{"mchid":"{MCHID}"}}"#);
    let good = RawCall {
        method: "GET",
        path: &query,
        signed_body: "",
        sent_body: "",
        serial: MERCHANT_SERIAL,
        timestamp: now_s(),
    };
    let (status, answer) = raw(&h.base_url, &key, good).await;
    assert_eq!((status, answer["trade_state"].as_str()), (200, Some("NOTPAY")));

    let cases = [
        (
            "body changed after signing",
            RawCall {
                method: "POST",
                path: &close,
                signed_body: &body,
                sent_body: r#"{"mchid":"1900000999"}"#,
                serial: MERCHANT_SERIAL,
                timestamp: now_s(),
            },
        ),
        (
            "wrong merchant serial",
            RawCall {
                method: "POST",
                path: &close,
                signed_body: &body,
                sent_body: &body,
                serial: "0123456789ABC",
                timestamp: now_s(),
            },
        ),
        (
            "ten minutes old",
            RawCall {
                method: "POST",
                path: &close,
                signed_body: &body,
                sent_body: &body,
                serial: MERCHANT_SERIAL,
                timestamp: now_s() - 600,
            },
        ),
    ];
    for (what, call) in cases {
        let (status, answer) = raw(&h.base_url, &key, call).await;
        assert_eq!(status, 401, "{what}");
        assert_eq!(answer["code"], "SIGN_ERROR", "{what}");
    }
    let other_key = RsaPrivate::parse(TEST_PLATFORM_PRIVATE_KEY).expect("key");
    let forged = RawCall {
        method: "POST",
        path: &close,
        signed_body: &body,
        sent_body: &body,
        serial: MERCHANT_SERIAL,
        timestamp: now_s(),
    };
    assert_eq!(raw(&h.base_url, &other_key, forged).await.0, 401);
    let unsigned = reqwest::Client::new()
        .get(format!("{}{query}", h.base_url))
        .send()
        .await
        .expect("send");
    assert_eq!(unsigned.status(), 401);
    // None of that closed the order.
    assert_eq!(h.state.trade_state(&no).as_deref(), Some("NOTPAY"));

    // Through the client, a wrong merchant key is a configuration error.
    let mut wrong = cfg.clone();
    wrong.secrets.insert("private_key", TEST_PLATFORM_PRIVATE_KEY);
    let err = h.channel.query(&wrong, &payment_ref(&no, 100)).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Config(m) if m.contains("SIGN_ERROR")),
        "{err:?}"
    );
}

/// How the fake WeChat answers.
#[derive(Clone, Copy, Debug)]
enum Forgery {
    Genuine,
    BodyChanged,
    OtherKey,
    Stale,
    Unsigned,
    Probe,
    UnknownSerial,
}

async fn fake_wechat(State(forgery): State<Arc<Forgery>>) -> Response {
    let platform = RsaPrivate::parse(TEST_PLATFORM_PRIVATE_KEY).expect("platform key");
    let merchant = RsaPrivate::parse(&merchant_private_key()).expect("merchant key");
    let serial = Certificate::parse(TEST_PLATFORM_CERTIFICATE)
        .expect("cert")
        .serial_hex();
    let body = r#"{"code_url":"weixin://wxpay/bizpayurl?pr=genuine"}"#;
    let nonce = new_nonce();
    let mut ts = now_s();
    let (signed_body, sent_body, key, serial) = match *forgery {
        Forgery::BodyChanged => (
            body,
            r#"{"code_url":"weixin://wxpay/bizpayurl?pr=forged"}"#,
            &platform,
            serial,
        ),
        Forgery::OtherKey => (body, body, &merchant, serial),
        Forgery::UnknownSerial => (body, body, &platform, "7132D72A03E93CDDF8C03BBD1F37EEDF204CCAC0".into()),
        _ => (body, body, &platform, serial),
    };
    if matches!(*forgery, Forgery::Stale) {
        ts -= 301;
    }
    let mut signature = sign_response(key, ts, &nonce, signed_body.as_bytes()).expect("sign");
    if matches!(*forgery, Forgery::Probe) {
        signature = format!("WECHATPAY/SIGNTEST/{signature}");
    }
    let mut response = (StatusCode::OK, sent_body.to_string()).into_response();
    if !matches!(*forgery, Forgery::Unsigned) {
        let headers: &mut HeaderMap = response.headers_mut();
        for (name, value) in [
            ("wechatpay-timestamp", ts.to_string()),
            ("wechatpay-nonce", nonce),
            ("wechatpay-signature", signature),
            ("wechatpay-serial", serial),
        ] {
            headers.insert(name, HeaderValue::from_str(&value).expect("header"));
        }
    }
    response
}

#[tokio::test]
async fn the_client_never_believes_an_unverifiable_answer() {
    for forgery in [
        Forgery::Genuine,
        Forgery::BodyChanged,
        Forgery::OtherKey,
        Forgery::Stale,
        Forgery::Unsigned,
        Forgery::Probe,
        Forgery::UnknownSerial,
    ] {
        let app = Router::new().fallback(any(fake_wechat)).with_state(Arc::new(forgery));
        let addr = juhe_sandbox_kit::serve_local(app).await.expect("serve").addr;
        let h_cfg = config(
            &format!("http://{addr}"),
            PlatformMode::Certificate,
            "http://127.0.0.1:9/unused",
        );
        let channel = juhe_channel_wechatpay::WechatPayChannel::new().expect("channel");
        let result = channel.create(&h_cfg, &qr("FAKE1")).await;
        match forgery {
            Forgery::Genuine => {
                let created = result.expect("a genuine answer is accepted");
                assert_eq!(created.state, ChannelPaymentState::AwaitingPayer);
                assert!(
                    matches!(created.action, Some(PayAction::QrCode { code_url }) if code_url.ends_with("genuine"))
                );
            }
            _ => assert!(
                matches!(&result, Err(ChannelError::Unknown(m)) if m.contains("unverifiable")),
                "{forgery:?}: {result:?}"
            ),
        }
    }
}

/// A fake WeChat whose bill file does not match the signed `hash_value`.
async fn fake_bill_api(uri: axum::http::Uri) -> Response {
    if uri.path() == "/v3/billdownload/file" {
        return (StatusCode::OK, "\u{feff}交易时间\r\n`tampered\r\n").into_response();
    }
    let platform = RsaPrivate::parse(TEST_PLATFORM_PRIVATE_KEY).expect("platform key");
    let serial = Certificate::parse(TEST_PLATFORM_CERTIFICATE)
        .expect("cert")
        .serial_hex();
    let body = serde_json::json!({
        "hash_type": "SHA1",
        "hash_value": juhe_channel_wechatpay::protocol::bill::sha1_hex("\u{feff}交易时间\r\n`genuine\r\n".as_bytes()),
        "download_url": "https://api.mch.weixin.qq.com/v3/billdownload/file?token=T0KEN",
    })
    .to_string();
    let ts = now_s();
    let nonce = new_nonce();
    let signature = sign_response(&platform, ts, &nonce, body.as_bytes()).expect("sign");
    let mut response = (StatusCode::OK, body).into_response();
    for (name, value) in [
        ("wechatpay-timestamp", ts.to_string()),
        ("wechatpay-nonce", nonce),
        ("wechatpay-signature", signature),
        ("wechatpay-serial", serial),
    ] {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_str(&value).expect("header"));
    }
    response
}

#[tokio::test]
async fn a_bill_that_does_not_match_its_hash_is_refused() {
    let app = Router::new().fallback(any(fake_bill_api));
    let addr = juhe_sandbox_kit::serve_local(app).await.expect("serve").addr;
    let cfg = config(&format!("http://{addr}"), PlatformMode::Certificate, "x");
    let channel = juhe_channel_wechatpay::WechatPayChannel::new().expect("channel");
    let request = juhe_channel::BillRequest {
        date: time::macros::date!(2026 - 11 - 21),
        kind: juhe_channel::BillKind::All,
    };
    let result = channel.download_bill(&cfg, &request).await;
    assert!(
        matches!(&result, Err(ChannelError::Unknown(m)) if m.contains("SHA-1")),
        "{result:?}"
    );
}

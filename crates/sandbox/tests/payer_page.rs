//! Every sandbox starts on its own port with the fixture merchant; the
//! payer page lists their orders and pays them through its endpoint.

use juhe_channel::request::CardPresent;
use juhe_channel::{Channel, ChannelConfig, ChannelPaymentState, CreatePayment, PayAction, PaymentRef, Secrets};
use juhe_domain::way::Way;
use juhe_domain::{Currency, Money};
use juhe_sandbox::{ChannelSetup, SandboxConfig, register_merchant, start};
use std::sync::Arc;
use std::time::Duration;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn config(setup: &ChannelSetup) -> ChannelConfig {
    let mut secrets = Secrets::new();
    for (name, value) in &setup.secrets {
        secrets.insert(name.clone(), value.clone());
    }
    ChannelConfig {
        id: format!("chc_{}", setup.channel),
        merchant_id: "mch_test".into(),
        channel: setup.channel.into(),
        params: setup.params.clone(),
        secrets,
        // Nobody listens here: the sandboxes' notifications are not what
        // this test is about.
        notify_url: "http://127.0.0.1:9/notify".into(),
    }
}

fn payment(order_no: &str, fen: i64, way: Way) -> CreatePayment {
    CreatePayment {
        payment_id: format!("pay_{order_no}"),
        channel_order_no: order_no.into(),
        money: Money::new(fen, Currency::CNY),
        subject: "payer page test".into(),
        way,
        auth_code: None,
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: None,
        terminal_id: Some("T1".into()),
        site_id: None,
        expire_at_ms: now_ms() + 600_000,
        created_at_ms: now_ms(),
    }
}

fn client(channel: &str) -> Box<dyn Channel> {
    let http = juhe_channel::http::HttpClient::with_timeouts(Duration::from_secs(5), Duration::from_secs(30)).unwrap();
    match channel {
        "wechatpay" => Box::new(juhe_channel_wechatpay::WechatPayChannel::with_http(http)),
        "alipay" => Box::new(juhe_channel_alipay::AlipayChannel::with_http(http)),
        "unionpay" => Box::new(juhe_channel_unionpay::UnionPayChannel::new().unwrap()),
        "jdpay" => Box::new(juhe_channel_jdpay::JdPayChannel::new(http)),
        other => panic!("no QR client for {other}"),
    }
}

#[tokio::test]
async fn every_sandbox_starts_and_the_page_pays_their_qr_orders() {
    let running = start(SandboxConfig::ephemeral()).await.unwrap();
    let endpoints = running.endpoints.clone();
    let setups = register_merchant(&endpoints).await.unwrap();
    let channels: Vec<&str> = setups.iter().map(|s| s.channel).collect();
    assert_eq!(channels, ["wechatpay", "alipay", "unionpay", "jdpay", "bankcard"]);
    let http = reqwest::Client::new();

    // The page renders even before any order exists.
    let empty = http.get(&endpoints.page).send().await.unwrap();
    assert_eq!(empty.status(), 200);
    assert!(empty.text().await.unwrap().contains("No orders yet."));

    for (i, setup) in setups.iter().filter(|s| s.channel != "bankcard").enumerate() {
        let cfg = config(setup);
        let channel = client(setup.channel);
        channel.validate_config(&cfg).unwrap();
        let order_no = format!("PAGE{}{i}", now_ms());
        let fen = 1001 + i as i64;
        let created = channel.create(&cfg, &payment(&order_no, fen, Way::Qr)).await.unwrap();
        let Some(PayAction::QrCode { code_url }) = created.action else {
            panic!("{}: no QR code", setup.channel);
        };

        // Listed, both as JSON and on the rendered page, with its amount in yuan.
        let listed: serde_json::Value = http
            .get(format!("{}/api/orders", endpoints.page))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let entry = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["code_url"] == code_url.as_str())
            .unwrap_or_else(|| panic!("{}: {code_url} not listed in {listed}", setup.channel))
            .clone();
        assert_eq!(entry["channel"], setup.channel);
        assert_eq!(entry["amount"], fen);
        assert_eq!(entry["amount_yuan"], format!("10.{:02}", i + 1));
        assert_eq!(entry["payable"], true);
        let page = http.get(&endpoints.page).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!("¥10.{:02}", i + 1)), "{}", setup.channel);

        // Scanning the code finds it; pressing pay pays it at its sandbox.
        let found = http
            .get(format!("{}/api/lookup", endpoints.page))
            .query(&[("code", code_url.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(found.status(), 200);
        let paid = http
            .post(format!("{}/api/pay", endpoints.page))
            .json(&serde_json::json!({"code": code_url}))
            .send()
            .await
            .unwrap();
        assert_eq!(paid.status(), 200, "{}", setup.channel);
        let paid: serde_json::Value = paid.json().await.unwrap();
        assert_eq!(paid["payable"], false, "{}: {paid}", setup.channel);

        let reference = PaymentRef {
            channel_order_no: order_no.clone(),
            channel_trade_no: None,
            money: Money::new(fen, Currency::CNY),
            created_at_ms: now_ms(),
        };
        let state = channel.query(&cfg, &reference).await.unwrap();
        assert!(
            matches!(state, ChannelPaymentState::Succeeded { .. }),
            "{}: {state:?}",
            setup.channel
        );

        // Paying twice is refused.
        let again = http
            .post(format!("{}/api/pay", endpoints.page))
            .json(&serde_json::json!({"code": code_url}))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 409, "{}", setup.channel);
    }

    let unknown = http
        .post(format!("{}/api/pay", endpoints.page))
        .json(&serde_json::json!({"code": "weixin://wxpay/bizpayurl?pr=nothing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn the_acquirer_approves_a_card_purchase_for_the_fixture_terminal() {
    let running = start(SandboxConfig::ephemeral()).await.unwrap();
    let setups = register_merchant(&running.endpoints).await.unwrap();
    let setup = setups.iter().find(|s| s.channel == "bankcard").unwrap();
    let cfg = config(setup);
    let channel = juhe_channel_bankcard::BankcardChannel::new(
        Arc::new(juhe_channel_bankcard::InMemoryTraceCounter::default()),
        Arc::new(juhe_channel_bankcard::InMemoryJournal::default()),
    );
    channel.validate_config(&cfg).unwrap();
    let pan = "6221235200000000001";
    let mut purchase = payment(&format!("CARD{}", now_ms() % 1_000_000), 2500, Way::Card);
    purchase.card = Some(CardPresent {
        pan: pan.into(),
        track2: Some(format!("{pan}=2512101")),
        expiry: Some("2512".into()),
        entry_mode: "051".into(),
        pin_block: Some("A1B2C3D4E5F60718".into()),
        icc_data: Some("9F2608A1B2C3D4E5F60718".into()),
        sequence: Some("001".into()),
    });
    let outcome = channel.create(&cfg, &purchase).await.unwrap();
    assert!(
        matches!(outcome.state, ChannelPaymentState::Succeeded { .. }),
        "{outcome:?}"
    );
}

/// A notify endpoint that keeps every body it is sent (answering each
/// channel's "received": 200 with `success`, which every sandbox accepts).
async fn receiver() -> (String, Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
    let bodies: Arc<std::sync::Mutex<Vec<Vec<u8>>>> = Arc::default();
    let keep = bodies.clone();
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(body.to_vec());
                "success"
            }
        }),
    );
    let server = juhe_sandbox_kit::serve_local(app).await.unwrap();
    (format!("{}/notify", server.url), bodies)
}

#[tokio::test]
async fn declining_on_the_page_is_each_channels_own_decline() {
    let running = start(SandboxConfig::ephemeral()).await.unwrap();
    let endpoints = running.endpoints.clone();
    let setups = register_merchant(&endpoints).await.unwrap();
    let http = reqwest::Client::new();
    let page = http.get(&endpoints.page).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("id=\"decline-scanned\""),
        "the page has a Decline control"
    );

    for (i, setup) in setups.iter().filter(|s| s.channel != "bankcard").enumerate() {
        let (notify_url, bodies) = receiver().await;
        let cfg = ChannelConfig {
            notify_url,
            ..config(setup)
        };
        let channel = client(setup.channel);
        let order_no = format!("DECL{}{i}", now_ms());
        let fen = 2001 + i as i64;
        let created = channel.create(&cfg, &payment(&order_no, fen, Way::Qr)).await.unwrap();
        let Some(PayAction::QrCode { code_url }) = created.action else {
            panic!("{}: no QR code", setup.channel);
        };
        let listed = http.get(&endpoints.page).send().await.unwrap().text().await.unwrap();
        assert!(
            listed.contains("class=\"decline\""),
            "{}: a Decline button per open order",
            setup.channel
        );

        let declined = http
            .post(format!("{}/api/decline", endpoints.page))
            .json(&serde_json::json!({"code": code_url}))
            .send()
            .await
            .unwrap();
        assert_eq!(declined.status(), 200, "{}", setup.channel);
        let after: serde_json::Value = declined.json().await.unwrap();
        let reference = PaymentRef {
            channel_order_no: order_no.clone(),
            channel_trade_no: None,
            money: Money::new(fen, Currency::CNY),
            created_at_ms: now_ms(),
        };
        let state = channel.query(&cfg, &reference).await.unwrap();
        let notified = || async {
            for _ in 0..250 {
                if let Some(body) = bodies.lock().unwrap().first().cloned() {
                    return Some(body);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            None
        };
        match setup.channel {
            // WeChat records a failed payment and notifies nothing.
            "wechatpay" => {
                assert_eq!(after["state"], "PAYERROR", "{after}");
                assert!(
                    matches!(&state, ChannelPaymentState::Failed { code, .. } if code == "PAYERROR"),
                    "{state:?}"
                );
            }
            // Alipay keeps a face-to-face trade open when its payer gives up.
            "alipay" => {
                assert_eq!(
                    (after["state"].as_str(), after["payable"].as_bool()),
                    (Some("WAIT_BUYER_PAY"), Some(true))
                );
                assert_eq!(state, ChannelPaymentState::AwaitingPayer);
                let paid = http
                    .post(format!("{}/api/pay", endpoints.page))
                    .json(&serde_json::json!({"code": code_url}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(paid.status(), 200, "the payer may still pay afterwards");
            }
            // UnionPay and JD Pay fail the order and notify the failure.
            "unionpay" | "jdpay" => {
                assert_eq!(after["payable"], false, "{}: {after}", setup.channel);
                assert!(
                    matches!(state, ChannelPaymentState::Failed { .. }),
                    "{}: {state:?}",
                    setup.channel
                );
                let body = notified()
                    .await
                    .unwrap_or_else(|| panic!("{}: no notification", setup.channel));
                let inbound = juhe_channel::InboundRequest {
                    headers: vec![("content-type".into(), "application/x-www-form-urlencoded".into())],
                    query: None,
                    body,
                    received_at_s: now_ms() / 1000,
                };
                let parsed = channel.parse_notification(&cfg, &inbound).await.unwrap();
                assert!(
                    matches!(
                        &parsed,
                        juhe_channel::Notification::Payment {
                            state: ChannelPaymentState::Failed { .. },
                            ..
                        }
                    ),
                    "{}: {parsed:?}",
                    setup.channel
                );
            }
            other => panic!("unexpected channel {other}"),
        }
        // A second decline of an order no longer open is refused (Alipay's was paid).
        let again = http
            .post(format!("{}/api/decline", endpoints.page))
            .json(&serde_json::json!({"code": code_url}))
            .send()
            .await
            .unwrap();
        assert!(
            matches!(again.status().as_u16(), 404 | 409),
            "{}: {}",
            setup.channel,
            again.status()
        );
    }
}

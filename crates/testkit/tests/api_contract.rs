//! The error contract of the merchant API through HTTP on both engines:
//! body validation with stable codes, Idempotency-Key and merchant-number
//! replays, the refund rules (also under concurrency), the edge routes
//! (404, 405, health, metrics, OpenAPI) and the outbox. Every refused
//! request is shown to have changed nothing, and no client mistake is a 5xx.

use juhe_store::ids::random_hex;
use juhe_testkit::{Client, Raw, Reply, TestServer, assert_error, assert_error_shape, engines};
use serde_json::{Map, Value, json};

const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

fn payment(order_no: &str, amount: i64, customer: &str) -> Value {
    json!({"merchant_order_no": order_no, "amount": amount, "currency": "CNY", "subject": "test",
           "way": "wallet", "payer": {"customer_id": customer}})
}

/// `base` with `field` set to `value`.
fn with(base: &Value, field: &str, value: Value) -> Value {
    let mut v = base.clone();
    v[field] = value;
    v
}

/// `base` without `field`.
fn without(base: &Value, field: &str) -> Value {
    let mut v = base.clone();
    v.as_object_mut().unwrap().remove(field);
    v
}

fn bytes(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// POSTs these exact bytes with a fresh Idempotency-Key.
async fn post_bytes(client: &Client, path: &str, body: Vec<u8>) -> Reply {
    client
        .raw(Raw {
            method: "POST",
            path: path.to_string(),
            body,
            idempotency_key: Some(random_hex(12)),
            ..Default::default()
        })
        .await
}

/// Sends `body`, asserts the refusal (`status`, `code`, exact error shape)
/// and that the request changed nothing.
async fn refused(server: &TestServer, client: &Client, path: &str, body: Vec<u8>, status: u16, code: &str) {
    let before = server.snapshot().await;
    let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    let r = post_bytes(client, path, body).await;
    assert_eq!(
        (r.status, r.code()),
        (status, code),
        "{:?} POST {path} {shown}: {:?}",
        server.engine,
        r.body
    );
    assert_error(&r, status, code);
    server.assert_unchanged(&before, &format!("POST {path} {shown}")).await;
}

fn id(r: &Reply) -> String {
    r.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {r:?}"))
        .to_string()
}

async fn balance(client: &Client, customer: &str) -> i64 {
    let c = client.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    c.body["wallets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["currency"] == "CNY")
        .map_or(0, |w| w["balance"].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payment_bodies_are_validated_before_anything_changes() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;
        let base = payment("v-1", 100, &customer);
        let p = "/v1/payments";

        // Size: the limit is 64 KiB of body.
        let sized = |len: usize| {
            let mut v = with(&base, "metadata", json!({"pad": ""}));
            let n = len - v.to_string().len();
            v["metadata"]["pad"] = json!("x".repeat(n));
            let b = bytes(&v);
            assert_eq!(b.len(), len);
            b
        };
        refused(&server, &client, p, sized(64 * 1024 + 1), 413, "payload_too_large").await;
        refused(&server, &client, p, sized(80 * 1024), 413, "payload_too_large").await;
        // Exactly 64 KiB is read (and then refused for its 4 KiB metadata limit).
        refused(&server, &client, p, sized(64 * 1024), 400, "invalid_request").await;

        // Not JSON.
        for body in [
            &b"{"[..],
            b"not json",
            b"",
            b"{\"merchant_order_no\": }",
            b"{'a': 1}",
            b"{} x",
        ] {
            refused(&server, &client, p, body.to_vec(), 400, "malformed_json").await;
        }
        // JSON of the wrong shape.
        let dup = br#"{"merchant_order_no":"v-1","merchant_order_no":"v-2","amount":1,"subject":"s","way":"wallet"}"#;
        for body in [
            json!(null),
            json!("a string"),
            json!(42),
            json!([]),
            json!([base.clone()]),
            with(&base, "unknown_field", json!(1)),
            with(&base, "Amount", json!(100)),
            with(&base, "payer", json!({"customer_id": customer, "extra": true})),
            with(&base, "payer", json!(customer)),
            with(&base, "subject", json!(5)),
            with(&base, "merchant_order_no", json!(5)),
            with(&base, "expire_seconds", json!("3600")),
            without(&base, "subject"),
            without(&base, "merchant_order_no"),
            without(&base, "way"),
        ] {
            refused(&server, &client, p, bytes(&body), 400, "invalid_request").await;
        }
        refused(&server, &client, p, dup.to_vec(), 400, "invalid_request").await;

        // Amounts: positive JSON integers up to 10^15 only.
        for amount in [
            json!(0),
            json!(-1),
            json!(1.5),
            json!(100.0),
            json!("100"),
            json!(1e30),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(MAX_AMOUNT + 1),
            json!(null),
            json!(true),
            json!({"value": 100}),
        ] {
            refused(
                &server,
                &client,
                p,
                bytes(&with(&base, "amount", amount)),
                400,
                "invalid_amount",
            )
            .await;
        }
        // A missing amount is a missing field, like any other.
        refused(
            &server,
            &client,
            p,
            bytes(&without(&base, "amount")),
            400,
            "invalid_request",
        )
        .await;
        // Numbers written the way other languages might: still not integers.
        let raw_amount = |text: &str| {
            format!(
                r#"{{"merchant_order_no":"v-1","amount":{text},"subject":"s","way":"wallet","payer":{{"customer_id":"{customer}"}}}}"#
            )
            .into_bytes()
        };
        for text in ["1e2", "100.00", "99999999999999999999999"] {
            refused(&server, &client, p, raw_amount(text), 400, "invalid_amount").await;
        }
        // 10^15 itself passes validation; this wallet cannot pay it.
        refused(
            &server,
            &client,
            p,
            bytes(&with(&base, "amount", json!(MAX_AMOUNT))),
            402,
            "insufficient_funds",
        )
        .await;

        for currency in ["XXX", "cny", "", "CNY ", "RMB"] {
            refused(
                &server,
                &client,
                p,
                bytes(&with(&base, "currency", json!(currency))),
                400,
                "unsupported_currency",
            )
            .await;
        }
        // Known ways without a configured channel, and unknown ways.
        for way in ["bitcoin", "WALLET", "", "qr", "app", "plate"] {
            refused(
                &server,
                &client,
                p,
                bytes(&with(&base, "way", json!(way))),
                400,
                "unsupported_way",
            )
            .await;
        }
        // Ways that need something from the payer say what is missing first.
        for (way, missing) in [
            ("barcode", "payer.auth_code"),
            ("jsapi", "payer.channel_user_id"),
            ("h5", "payer.client_ip"),
            ("card", "card"),
            ("cash", "terminal_id"),
        ] {
            let before = server.snapshot().await;
            let r = post_bytes(&client, p, bytes(&with(&base, "way", json!(way)))).await;
            assert_error(&r, 400, "invalid_request");
            let message = r.body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(missing), "{way}: {message}");
            server.assert_unchanged(&before, way).await;
        }

        let long = |n: usize| "a".repeat(n);
        let mut refusals: Vec<(&str, Value)> = vec![
            ("merchant_order_no", json!("has space")),
            ("merchant_order_no", json!(" v-1")),
            ("merchant_order_no", json!(long(65))),
            ("merchant_order_no", json!("")),
            ("merchant_order_no", json!("订单1")),
            ("merchant_order_no", json!("a/b")),
            ("subject", json!("")),
            ("subject", json!("汽".repeat(129))),
            ("subject", json!("a\u{0}b")),
            ("notify_url", json!("ftp://x")),
            ("notify_url", json!("http://a b")),
            ("notify_url", json!("javascript:alert(1)")),
            ("notify_url", json!(format!("https://{}", long(505)))),
            ("expire_seconds", json!(59)),
            ("expire_seconds", json!(604_801)),
            ("expire_seconds", json!(0)),
            ("expire_seconds", json!(-1)),
            ("metadata", json!([1, 2])),
            ("metadata", json!("text")),
            ("metadata", json!(1)),
            ("metadata", json!(true)),
            ("payer", json!({})),
        ];
        let many: Map<String, Value> = (0..51).map(|i| (format!("k{i}"), json!(i))).collect();
        refusals.push(("metadata", Value::Object(many)));
        refusals.push(("metadata", json!({"big": "x".repeat(4_100)})));
        for (field, value) in refusals {
            refused(
                &server,
                &client,
                p,
                bytes(&with(&base, field, value)),
                400,
                "invalid_request",
            )
            .await;
        }
        refused(
            &server,
            &client,
            p,
            bytes(&without(&base, "payer")),
            400,
            "invalid_request",
        )
        .await;
        let nobody = with(&base, "payer", json!({"customer_id": "cus_00000000000000000000000000"}));
        refused(&server, &client, p, bytes(&nobody), 404, "not_found").await;

        // The boundaries themselves are accepted.
        let fifty: Map<String, Value> = (0..50).map(|i| (format!("k{i}"), json!(i))).collect();
        for (n, (field, value)) in [
            ("merchant_order_no", json!("b".repeat(64))),
            ("merchant_order_no", json!("ORDER-2024_01|a*b.c:d")),
            ("subject", json!("汽".repeat(128))),
            ("expire_seconds", json!(60)),
            ("expire_seconds", json!(604_800)),
            ("notify_url", json!(format!("https://{}", long(504)))),
            ("metadata", Value::Object(fifty)),
            ("metadata", json!({})),
            ("metadata", json!(null)),
            ("currency", json!(null)),
        ]
        .into_iter()
        .enumerate()
        {
            let mut body = with(&base, "merchant_order_no", json!(format!("ok-{n}")));
            body[field] = value;
            let r = client.post(p, body).await;
            assert_eq!(r.status, 201, "{engine:?} {field}: {:?}", r.body);
        }
        // The biggest amount moves when the wallet holds it.
        let t = client
            .post(
                "/v1/topups",
                json!({"customer_id": customer, "amount": MAX_AMOUNT, "channel": "cash", "merchant_topup_no": "max"}),
            )
            .await;
        assert_eq!(t.status, 201, "{engine:?} {:?}", t.body);
        let big = client.post(p, payment("max-1", MAX_AMOUNT, &customer)).await;
        assert_eq!(big.status, 201, "{engine:?} {:?}", big.body);
        assert_eq!(big.body["fee"], MAX_AMOUNT / 10_000 * 60);
        server.assert_ledger_ok().await;
    }
}

/// Top-up, refund and customer bodies follow the same rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_bodies_are_validated_before_anything_changes() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;
        let pay = client.post("/v1/payments", payment("o-1", 1_000, &customer)).await;
        assert_eq!(pay.status, 201);
        let refunds = format!("/v1/payments/{}/refunds", id(&pay));

        let topup = json!({"customer_id": customer, "amount": 100, "currency": "CNY", "channel": "cash", "merchant_topup_no": "t-1"});
        let refund = json!({"merchant_refund_no": "r-1", "amount": 100, "reason": "broken"});
        let bad_amounts = [
            json!(0),
            json!(-1),
            json!(1.5),
            json!("100"),
            json!(1e30),
            json!(i64::MAX),
            json!(MAX_AMOUNT + 1),
            json!(null),
        ];
        for amount in bad_amounts {
            refused(
                &server,
                &client,
                "/v1/topups",
                bytes(&with(&topup, "amount", amount.clone())),
                400,
                "invalid_amount",
            )
            .await;
            refused(
                &server,
                &client,
                &refunds,
                bytes(&with(&refund, "amount", amount)),
                400,
                "invalid_amount",
            )
            .await;
        }
        for currency in ["XXX", "cny"] {
            refused(
                &server,
                &client,
                "/v1/topups",
                bytes(&with(&topup, "currency", json!(currency))),
                400,
                "unsupported_currency",
            )
            .await;
        }
        for channel in ["bitcoin", "wechatpay", "alipay", "wallet"] {
            refused(
                &server,
                &client,
                "/v1/topups",
                bytes(&with(&topup, "channel", json!(channel))),
                400,
                "unsupported_way",
            )
            .await;
        }
        for (path, body) in [
            ("/v1/topups", with(&topup, "merchant_topup_no", json!("has space"))),
            ("/v1/topups", with(&topup, "merchant_topup_no", json!("t".repeat(65)))),
            ("/v1/topups", with(&topup, "merchant_topup_no", json!(""))),
            ("/v1/topups", with(&topup, "extra", json!(1))),
            ("/v1/topups", without(&topup, "customer_id")),
            (&refunds, with(&refund, "merchant_refund_no", json!("has space"))),
            (&refunds, with(&refund, "merchant_refund_no", json!("r".repeat(65)))),
            (&refunds, with(&refund, "merchant_refund_no", json!(""))),
            (&refunds, with(&refund, "reason", json!("r".repeat(129)))),
            (&refunds, with(&refund, "reason", json!(""))),
            (&refunds, with(&refund, "extra", json!(1))),
            ("/v1/customers", json!({"name": ""})),
            ("/v1/customers", json!({"name": "n".repeat(65)})),
            ("/v1/customers", json!({"name": "n", "phone": "1".repeat(33)})),
            ("/v1/customers", json!({"name": "n", "external_id": "has space"})),
            ("/v1/customers", json!({"name": "n", "email": "a@b.c"})),
            ("/v1/customers", json!({})),
        ] {
            refused(&server, &client, path, bytes(&body), 400, "invalid_request").await;
        }
        let nobody = with(&topup, "customer_id", json!("cus_00000000000000000000000000"));
        refused(&server, &client, "/v1/topups", bytes(&nobody), 404, "not_found").await;
        refused(&server, &client, "/v1/topups", b"[1".to_vec(), 400, "malformed_json").await;
        refused(&server, &client, &refunds, b"".to_vec(), 400, "malformed_json").await;

        // 10^15 passes validation everywhere; a refund that large exceeds the payment.
        refused(
            &server,
            &client,
            &refunds,
            bytes(&with(&refund, "amount", json!(MAX_AMOUNT))),
            422,
            "refund_exceeds_paid",
        )
        .await;
        let t = client
            .post("/v1/topups", with(&topup, "amount", json!(MAX_AMOUNT)))
            .await;
        assert_eq!(t.status, 201, "{engine:?} {:?}", t.body);
        assert_eq!(balance(&client, &customer).await, 9_000 + MAX_AMOUNT);
        server.assert_ledger_ok().await;
    }
}

/// serde accepts a struct written as a positional JSON array; the API's
/// bodies are objects, so an array must be refused even when its elements
/// line up with the fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_array_is_not_a_request_body() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;
        // merchant_order_no, amount, currency, subject, way, payer, notify_url, expire_seconds, metadata
        let positional = json!(["arr-1", 100, "CNY", "s", "wallet", {"customer_id": customer}, null, null, null]);
        refused(
            &server,
            &client,
            "/v1/payments",
            bytes(&positional),
            400,
            "invalid_request",
        )
        .await;
        refused(
            &server,
            &client,
            "/v1/customers",
            bytes(&json!(["Mallory"])),
            400,
            "invalid_request",
        )
        .await;
        // Nor as a nested object.
        let nested = with(&payment("arr-2", 100, &customer), "payer", json!([customer]));
        refused(&server, &client, "/v1/payments", bytes(&nested), 400, "invalid_request").await;
        // Whitespace before the object is still an object.
        let spaced = format!(" \n\t{}", payment("arr-3", 100, &customer));
        let r = post_bytes(&client, "/v1/payments", spaced.into_bytes()).await;
        assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_replay_the_first_outcome() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 1_000).await;

        // Same key, same request: the same response, one payment.
        let body = payment("i-1", 300, &customer);
        let first = client.post_keyed("/v1/payments", body.clone(), "key-1").await;
        assert_eq!(first.status, 201, "{engine:?} {:?}", first.body);
        let before = server.snapshot().await;
        let again = client.post_keyed("/v1/payments", body.clone(), "key-1").await;
        assert_eq!((again.status, &again.body), (first.status, &first.body), "{engine:?}");
        server.assert_unchanged(&before, "an idempotent replay").await;
        assert_eq!(balance(&client, &customer).await, 700);

        // Same key, anything else different: refused.
        let other = payment("i-2", 300, &customer);
        let r = client.post_keyed("/v1/payments", other.clone(), "key-1").await;
        assert_error(&r, 409, "idempotency_key_reused");
        // The key binds the exact bytes: the same JSON spelled differently is another request.
        let respaced = client
            .raw(Raw {
                method: "POST",
                path: "/v1/payments".into(),
                body: serde_json::to_vec_pretty(&body).unwrap(),
                idempotency_key: Some("key-1".into()),
                ..Default::default()
            })
            .await;
        assert_error(&respaced, 409, "idempotency_key_reused");
        // And the path: the key cannot be reused on another endpoint.
        let r = client.post_keyed("/v1/customers", json!({"name": "x"}), "key-1").await;
        assert_error(&r, 409, "idempotency_key_reused");
        let r = client
            .post_keyed(
                &format!("/v1/payments/{}/refunds", id(&first)),
                json!({"merchant_refund_no": "k", "amount": 1}),
                "key-1",
            )
            .await;
        assert_error(&r, 409, "idempotency_key_reused");
        server.assert_unchanged(&before, "a reused Idempotency-Key").await;

        // A 4xx outcome is stored and replayed too, even once it would succeed.
        let big = payment("i-3", 5_000, &customer);
        let broke = client.post_keyed("/v1/payments", big.clone(), "key-2").await;
        assert_error(&broke, 402, "insufficient_funds");
        let t = client
            .post(
                "/v1/topups",
                json!({"customer_id": customer, "amount": 10_000, "channel": "cash", "merchant_topup_no": "i-t"}),
            )
            .await;
        assert_eq!(t.status, 201);
        let before = server.snapshot().await;
        let replayed = client.post_keyed("/v1/payments", big.clone(), "key-2").await;
        assert_eq!(
            (replayed.status, &replayed.body),
            (broke.status, &broke.body),
            "{engine:?}"
        );
        server.assert_unchanged(&before, "a replayed 402").await;
        let fresh = client.post_keyed("/v1/payments", big, "key-3").await;
        assert_eq!(fresh.status, 201, "{engine:?} {:?}", fresh.body);

        // A request refused before it ran (validation) does not bind its key.
        let invalid = with(&payment("i-4", 100, &customer), "amount", json!(0));
        let r = client.post_keyed("/v1/payments", invalid, "key-4").await;
        assert_error(&r, 400, "invalid_amount");
        let r = client
            .post_keyed("/v1/payments", payment("i-4", 100, &customer), "key-4")
            .await;
        assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);

        // Keys are 1 to 255 visible ASCII characters.
        for key in ["k".repeat(256), "has space".into(), String::new()] {
            let before = server.snapshot().await;
            let r = client
                .post_keyed("/v1/payments", payment("i-5", 100, &customer), &key)
                .await;
            assert_error(&r, 400, "invalid_request");
            server.assert_unchanged(&before, "a bad Idempotency-Key").await;
        }
        let r = client
            .post_keyed("/v1/payments", payment("i-5", 100, &customer), &"k".repeat(255))
            .await;
        assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);

        // Keys are per app.
        let other_app = server.merchant(60, None).await;
        let other_client = server.client(&other_app);
        let r = other_client
            .post_keyed("/v1/customers", json!({"name": "o"}), "key-1")
            .await;
        assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_repeats_make_one_payment() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;

        // One Idempotency-Key from 8 tasks at once: one payment, one answer.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (client, body) = (client.clone(), payment("c-1", 1_000, &customer));
                tokio::spawn(async move { client.post_keyed("/v1/payments", body, "same-key").await })
            })
            .collect();
        let mut replies = Vec::new();
        for t in tasks {
            replies.push(t.await.unwrap());
        }
        for r in &replies {
            assert_eq!((r.status, &r.body), (replies[0].status, &replies[0].body), "{engine:?}");
        }
        assert_eq!(replies[0].status, 201, "{engine:?} {:?}", replies[0].body);

        // One order number from 8 tasks with their own keys: one 201, the rest 200 with it.
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (client, body) = (client.clone(), payment("c-2", 1_000, &customer));
                tokio::spawn(async move { client.post("/v1/payments", body).await })
            })
            .collect();
        let mut statuses = Vec::new();
        let mut ids = std::collections::BTreeSet::new();
        for t in tasks {
            let r = t.await.unwrap();
            statuses.push(r.status);
            ids.insert(id(&r));
        }
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 201], "{engine:?}");
        assert_eq!(ids.len(), 1, "{engine:?}");
        assert_eq!(server.scalar("SELECT COUNT(*) FROM payments").await, 2);
        assert_eq!(balance(&client, &customer).await, 8_000);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_numbers_make_creates_repeatable() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;

        // merchant_order_no: same fields under a new key → 200, the same payment.
        let body = with(
            &payment("n-1", 1_000, &customer),
            "metadata",
            json!({"a": 1, "b": {"x": 1, "y": 2}}),
        );
        let first = client.post("/v1/payments", body.clone()).await;
        assert_eq!(first.status, 201, "{engine:?} {:?}", first.body);
        let before = server.snapshot().await;
        let same = client.post("/v1/payments", body.clone()).await;
        assert_eq!((same.status, id(&same)), (200, id(&first)), "{engine:?}");
        // Metadata is compared as JSON, not as text: key order does not matter.
        let reordered = with(&body, "metadata", json!({"b": {"y": 2, "x": 1}, "a": 1}));
        let same = client.post("/v1/payments", reordered).await;
        assert_eq!((same.status, id(&same)), (200, id(&first)), "{engine:?}");
        // Spelling out a default is the same request.
        let same = client
            .post("/v1/payments", with(&body, "expire_seconds", json!(7_200)))
            .await;
        assert_eq!((same.status, id(&same)), (200, id(&first)), "{engine:?}");
        for (field, value) in [
            ("amount", json!(1_001)),
            ("subject", json!("other")),
            ("metadata", json!({"a": 2})),
            ("notify_url", json!("https://example.com/other")),
            ("expire_seconds", json!(600)),
        ] {
            let r = client.post("/v1/payments", with(&body, field, value)).await;
            assert_error(&r, 409, "order_no_conflict");
        }
        // A conflicting number is refused before the way or the payer are looked at.
        let r = client.post("/v1/payments", with(&body, "way", json!("qr"))).await;
        assert_error(&r, 409, "order_no_conflict");
        server.assert_unchanged(&before, "repeated merchant_order_no").await;

        // merchant_refund_no.
        let pay = id(&first);
        let path = format!("/v1/payments/{pay}/refunds");
        let refund = json!({"merchant_refund_no": "rn-1", "amount": 300});
        let r1 = client.post(&path, refund.clone()).await;
        assert_eq!(r1.status, 201, "{engine:?} {:?}", r1.body);
        let before = server.snapshot().await;
        let same = client.post(&path, refund.clone()).await;
        assert_eq!((same.status, id(&same)), (200, id(&r1)), "{engine:?}");
        let r = client.post(&path, with(&refund, "amount", json!(301))).await;
        assert_error(&r, 409, "order_no_conflict");
        let r = client
            .post(&path, with(&refund, "reason", json!("changed my mind")))
            .await;
        assert_error(&r, 409, "order_no_conflict");
        // The same number on another payment is a different refund: conflict.
        server.assert_unchanged(&before, "repeated merchant_refund_no").await;
        let second = client.post("/v1/payments", payment("n-2", 1_000, &customer)).await;
        let before = server.snapshot().await;
        let r = client
            .post(&format!("/v1/payments/{}/refunds", id(&second)), refund.clone())
            .await;
        assert_error(&r, 409, "order_no_conflict");
        let same = client.post(&path, refund).await;
        assert_eq!((same.status, id(&same)), (200, id(&r1)), "{engine:?}");
        server
            .assert_unchanged(&before, "merchant_refund_no on another payment")
            .await;

        // merchant_topup_no: the wallet is credited once.
        let topup = json!({"customer_id": customer, "amount": 500, "channel": "cash", "merchant_topup_no": "tn-1"});
        let t1 = client.post("/v1/topups", topup.clone()).await;
        assert_eq!(t1.status, 201, "{engine:?} {:?}", t1.body);
        let before = server.snapshot().await;
        let same = client.post("/v1/topups", topup.clone()).await;
        assert_eq!((same.status, id(&same)), (200, id(&t1)), "{engine:?}");
        let r = client.post("/v1/topups", with(&topup, "amount", json!(501))).await;
        assert_error(&r, 409, "order_no_conflict");
        server.assert_unchanged(&before, "repeated merchant_topup_no").await;
        let other_customer = server.funded_customer(&client, 0).await;
        let before = server.snapshot().await;
        let r = client
            .post("/v1/topups", with(&topup, "customer_id", json!(other_customer)))
            .await;
        assert_error(&r, 409, "order_no_conflict");
        server
            .assert_unchanged(&before, "merchant_topup_no for another customer")
            .await;

        // external_id of customers.
        let c = json!({"name": "Li Lei", "external_id": "member-7"});
        let c1 = client.post("/v1/customers", c.clone()).await;
        assert_eq!(c1.status, 201, "{engine:?} {:?}", c1.body);
        let same = client.post("/v1/customers", c.clone()).await;
        assert_eq!((same.status, id(&same)), (200, id(&c1)), "{engine:?}");
        let r = client
            .post("/v1/customers", with(&c, "name", json!("Han Meimei")))
            .await;
        assert_error(&r, 409, "order_no_conflict");

        assert_eq!(balance(&client, &customer).await, 10_000 - 2_000 + 300 + 500);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_never_exceed_the_paid_amount() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;

        let before = server.snapshot().await;
        for missing in ["pay_00000000000000000000000000", "nope", "%20"] {
            let r = client
                .post(
                    &format!("/v1/payments/{missing}/refunds"),
                    json!({"merchant_refund_no": "r-x", "amount": 1}),
                )
                .await;
            assert_error(&r, 404, "not_found");
            assert_error(
                &client.get(&format!("/v1/payments/{missing}/refunds")).await,
                404,
                "not_found",
            );
        }
        assert_error(
            &client.get("/v1/refunds/ref_00000000000000000000000000").await,
            404,
            "not_found",
        );
        server.assert_unchanged(&before, "refunds of nothing").await;

        let pay = client.post("/v1/payments", payment("rf-1", 1_000, &customer)).await;
        assert_eq!(pay.status, 201);
        assert_eq!(pay.body["fee"], 6);
        let path = format!("/v1/payments/{}/refunds", id(&pay));
        refused(
            &server,
            &client,
            &path,
            bytes(&json!({"merchant_refund_no": "r-0", "amount": 1_001})),
            422,
            "refund_exceeds_paid",
        )
        .await;
        for (n, amount) in [(1, 333), (2, 333), (3, 333)] {
            let r = client
                .post(&path, json!({"merchant_refund_no": format!("r-{n}"), "amount": amount}))
                .await;
            assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);
        }
        refused(
            &server,
            &client,
            &path,
            bytes(&json!({"merchant_refund_no": "r-4", "amount": 2})),
            422,
            "refund_exceeds_paid",
        )
        .await;
        let last = client
            .post(&path, json!({"merchant_refund_no": "r-4", "amount": 1}))
            .await;
        assert_eq!(last.status, 201, "{engine:?} {:?}", last.body);
        // Paid in full back: one more fen is too much.
        refused(
            &server,
            &client,
            &path,
            bytes(&json!({"merchant_refund_no": "r-5", "amount": 1})),
            422,
            "refund_exceeds_paid",
        )
        .await;

        let p = client.get(&format!("/v1/payments/{}", id(&pay))).await;
        assert_eq!(p.body["refunded_amount"], 1_000);
        let listed = client.get(&path).await;
        let refunds = listed.body.as_array().unwrap();
        assert_eq!(refunds.len(), 4);
        let fee_back: i64 = refunds.iter().map(|r| r["fee_refund"].as_i64().unwrap()).sum();
        assert_eq!(fee_back, 6, "{engine:?} the whole fee comes back, exactly once");
        assert_eq!(balance(&client, &customer).await, 10_000);
        server.assert_ledger_ok().await;
    }
}

/// 20 refunds of 10% + 1 fen race on one payment: at most 9 fit. The sum of
/// refunds, and of the fees they return, must stay within the payment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refunds_never_exceed_the_paid_amount() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;
        // 1000 fen at 0.6%: a fee of 6 fen; each refund of 101 returns 1 fen
        // of it (0.606 rounded half-up) until the 6 are back.
        let pay = client.post("/v1/payments", payment("race-1", 1_000, &customer)).await;
        assert_eq!((pay.status, pay.body["fee"].as_i64()), (201, Some(6)), "{engine:?}");
        let pay_id = id(&pay);
        let path = format!("/v1/payments/{pay_id}/refunds");

        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (client, path) = (client.clone(), path.clone());
                tokio::spawn(async move {
                    client
                        .post(&path, json!({"merchant_refund_no": format!("race-{i}"), "amount": 101}))
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            let r = t.await.unwrap();
            if r.status == 201 {
                ok += 1;
            } else {
                assert_error(&r, 422, "refund_exceeds_paid");
            }
        }
        assert_eq!(ok, 9, "{engine:?}: 9 × 101 fit in 1000, a 10th does not");

        let p = client.get(&format!("/v1/payments/{pay_id}")).await;
        let refunded = p.body["refunded_amount"].as_i64().unwrap();
        assert_eq!(refunded, 909, "{engine:?}");
        assert!(refunded <= 1_000);
        let (fee, fee_refunded, reserved) = (
            server
                .scalar(&format!("SELECT fee FROM payments WHERE id = '{pay_id}'"))
                .await,
            server
                .scalar(&format!("SELECT fee_refunded FROM payments WHERE id = '{pay_id}'"))
                .await,
            server
                .scalar(&format!("SELECT refund_reserved FROM payments WHERE id = '{pay_id}'"))
                .await,
        );
        let fee_back = server
            .scalar(&format!(
                "SELECT CAST(COALESCE(SUM(fee_refund), 0) AS BIGINT) FROM refunds WHERE payment_id = '{pay_id}'"
            ))
            .await;
        assert_eq!(reserved, 909, "{engine:?}");
        assert_eq!(fee_back, fee_refunded, "{engine:?}");
        assert!(
            fee_refunded <= fee,
            "{engine:?}: concurrent refunds returned {fee_refunded} fen of a {fee} fen fee"
        );
        assert_eq!(balance(&client, &customer).await, 10_000 - 1_000 + 909);
        let revenue = server
            .scalar("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM accounts WHERE kind = 'fee_revenue'")
            .await;
        assert_eq!(revenue, fee - fee_refunded, "{engine:?}");
        assert!(
            revenue >= 0,
            "{engine:?}: the platform's fee revenue went negative ({revenue})"
        );
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edge_answers_in_json_and_documents_itself() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 1_000).await;
        let pay = client.post("/v1/payments", payment("e-1", 100, &customer)).await;
        let pay_id = id(&pay);
        assert_eq!(client.get(&format!("/v1/payments/{pay_id}")).await.status, 200);

        // Unknown routes, signed or not.
        for path in [
            "/nope",
            "/v1",
            "/v1/nope",
            "/v2/payments",
            "/v1/payments/x/y/z",
            "/v1/payments/",
        ] {
            let (r, headers) = client.unsigned("GET", path, &[], Vec::new()).await;
            assert_error(&r, 404, "not_found");
            assert_eq!(headers["content-type"], "application/json", "{path}");
            assert_error(&client.get(path).await, 404, "not_found");
        }
        // Known routes, wrong methods.
        for (method, path) in [
            ("DELETE", "/v1/payments".to_string()),
            ("PUT", format!("/v1/payments/{pay_id}")),
            ("POST", format!("/v1/payments/{pay_id}")),
            ("GET", format!("/v1/payments/{pay_id}/close")),
            ("GET", "/v1/topups".to_string()),
            ("GET", "/v1/customers".to_string()),
            ("PATCH", "/v1/refunds/x".to_string()),
            ("POST", "/healthz".to_string()),
            ("DELETE", "/openapi.json".to_string()),
        ] {
            let (r, headers) = client.unsigned(method, &path, &[], Vec::new()).await;
            assert_error(&r, 405, "method_not_allowed");
            assert_eq!(headers["content-type"], "application/json", "{method} {path}");
        }
        // Signed, too: authentication does not turn 405 into something else.
        let signed = client
            .raw(Raw {
                method: "DELETE",
                path: format!("/v1/payments/{pay_id}"),
                ..Default::default()
            })
            .await;
        assert_error(&signed, 405, "method_not_allowed");

        let (health, _) = client.unsigned("GET", "/healthz", &[], Vec::new()).await;
        assert_eq!(
            (health.status, &health.body),
            (200, &json!({"status": "ok"})),
            "{engine:?}"
        );

        let http = reqwest::Client::new();
        let metrics = http.get(format!("{}/metrics", server.base_url)).send().await.unwrap();
        assert_eq!(metrics.status(), 200);
        assert!(
            metrics.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain"),
            "{engine:?}"
        );
        let text = metrics.text().await.unwrap();
        assert!(text.contains("# TYPE juhe_http_requests_total counter"), "{text}");
        assert!(text.contains("juhe_http_requests_total{"), "{text}");
        // Routes are labelled by pattern: no ids (or anything else a client sent) in labels.
        assert!(text.contains(r#"route="/v1/payments/{id}""#), "{text}");
        assert!(!text.contains(&pay_id) && !text.contains(&customer), "{text}");
        assert!(!text.contains("/v1/nope"), "{text}");

        let doc: Value = http
            .get(format!("{}/openapi.json", server.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .expect("openapi.json is JSON");
        assert!(
            doc["openapi"].as_str().unwrap_or("").starts_with("3."),
            "{:?}",
            doc["openapi"]
        );
        let paths = doc["paths"].as_object().expect("paths");
        for route in [
            "/v1/payments",
            "/v1/payments/{id}",
            "/v1/payments/{id}/close",
            "/v1/payments/{id}/refunds",
            "/v1/refunds/{id}",
            "/v1/customers",
            "/v1/customers/{id}",
            "/v1/topups",
            "/v1/topups/{id}",
            "/healthz",
            "/metrics",
            "/openapi.json",
        ] {
            assert!(paths.contains_key(route), "{engine:?} openapi.json lacks {route}");
        }
        // And every documented operation is served: /v1 asks for a signature, the rest answer.
        for (route, ops) in paths {
            let methods = ["get", "post", "put", "patch", "delete"];
            for method in ops
                .as_object()
                .unwrap()
                .keys()
                .filter(|m| methods.contains(&m.as_str()))
            {
                let path = route.replace("{id}", "x");
                let (r, _) = client.unsigned(&method.to_uppercase(), &path, &[], Vec::new()).await;
                if route.starts_with("/v1/notify/") {
                    // Channels' notifications: verified by each channel; an
                    // unknown channel is answered in plain text.
                    assert_eq!(r.status, 404, "{method} {route}");
                } else if route.starts_with("/v1/") || route.starts_with("/admin/") {
                    assert_error(&r, 401, "unauthorized");
                } else {
                    assert_eq!(r.status, 200, "{method} {route}");
                }
            }
        }
        server.assert_ledger_ok().await;
    }
}

/// Paths and queries a client can get wrong: 4xx in the error shape, never 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_paths_and_queries_are_client_errors() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 1_000).await;
        let pay = client.post("/v1/payments", payment("q-1", 100, &customer)).await;
        assert_eq!(pay.status, 201);
        let before = server.snapshot().await;

        for (path, status, code) in [
            ("/v1/payments?limit=0", 400, "invalid_request"),
            ("/v1/payments?limit=101", 400, "invalid_request"),
            ("/v1/payments?limit=-1", 400, "invalid_request"),
            ("/v1/payments?limit=abc", 400, "invalid_request"),
            ("/v1/payments?limit=99999999999999999999", 400, "invalid_request"),
            ("/v1/payments?status=bogus", 400, "invalid_request"),
            ("/v1/payments?created_from=yesterday", 400, "invalid_request"),
            ("/v1/payments?created_to=2024-13-01T00:00:00Z", 400, "invalid_request"),
            ("/v1/payments?unknown=1", 400, "invalid_request"),
            ("/v1/payments?merchant_order_no=none", 404, "not_found"),
            ("/v1/payments?merchant_order_no=", 404, "not_found"),
            ("/v1/payments/%20", 404, "not_found"),
            ("/v1/payments/pay_%E4%B8%AD", 404, "not_found"),
            ("/v1/payments/'%20OR%20'1'='1", 404, "not_found"),
        ] {
            let r = client.get(path).await;
            assert_eq!(
                (r.status, r.code()),
                (status, code),
                "{engine:?} GET {path}: {:?}",
                r.body
            );
            assert_error_shape(&r);
        }
        // Ids that are not UTF-8 match nothing: a 400 or a 404, as a JSON error.
        for path in [
            "/v1/customers/%FF",
            "/v1/payments/%FF%FE",
            "/v1/topups/%C0%AF",
            "/v1/refunds/%80",
        ] {
            let r = client.get(path).await;
            assert!(
                matches!(r.status, 400 | 404) && r.body.is_object(),
                "{engine:?} GET {path}: {} {:?}",
                r.status,
                r.body
            );
            assert_error_shape(&r);
        }
        // A huge cursor or order number is just not found / empty.
        let r = client.get(&format!("/v1/payments?cursor={}", "z".repeat(2_000))).await;
        assert_eq!(r.status, 200, "{engine:?} {:?}", r.body);
        let r = client
            .get(&format!("/v1/payments?merchant_order_no={}", "z".repeat(2_000)))
            .await;
        assert_error(&r, 404, "not_found");
        // Closing or refunding something that cannot exist.
        let r = client.post("/v1/payments/nope/close", json!({})).await;
        assert_error(&r, 404, "not_found");
        for path in ["/v1/payments/%FF/close", "/v1/payments/%FF/refunds"] {
            let r = client.post(path, json!({"merchant_refund_no": "r", "amount": 1})).await;
            assert!(
                matches!(r.status, 400 | 404) && r.body.is_object(),
                "{engine:?} POST {path}: {} {:?}",
                r.status,
                r.body
            );
            assert_error_shape(&r);
        }
        server.assert_unchanged(&before, "odd paths").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_gets_one_event_per_change() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app_url = "https://merchant.example/hooks";
        let pay_url = "https://merchant.example/pay-hooks";
        let with_url = server.merchant(60, Some(app_url)).await;
        let without_url = server.merchant(60, None).await;

        for (app, default_url) in [(&with_url, Some(app_url)), (&without_url, None)] {
            let client = server.client(app);
            let customer = server.funded_customer(&client, 0).await;
            let events = server.scalar("SELECT COUNT(*) FROM events").await;

            let t = client
                .post(
                    "/v1/topups",
                    json!({"customer_id": customer, "amount": 5_000, "channel": "cash", "merchant_topup_no": "ob-t"}),
                )
                .await;
            assert_eq!(t.status, 201);
            assert_event(&server, &id(&t), "topup.succeeded", default_url).await;

            let plain = client.post("/v1/payments", payment("ob-1", 1_000, &customer)).await;
            assert_eq!(plain.status, 201);
            assert_event(&server, &id(&plain), "payment.succeeded", default_url).await;
            let hooked = client
                .post(
                    "/v1/payments",
                    with(&payment("ob-2", 1_000, &customer), "notify_url", json!(pay_url)),
                )
                .await;
            assert_eq!(hooked.status, 201);
            assert_event(&server, &id(&hooked), "payment.succeeded", Some(pay_url)).await;

            // A refund goes where its payment's events go.
            for (p, url) in [(&plain, default_url), (&hooked, Some(pay_url))] {
                let r = client
                    .post(
                        &format!("/v1/payments/{}/refunds", id(p)),
                        json!({"merchant_refund_no": format!("ob-r-{}", id(p)), "amount": 100}),
                    )
                    .await;
                assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);
                assert_event(&server, &id(&r), "refund.succeeded", url).await;
            }
            assert_eq!(server.scalar("SELECT COUNT(*) FROM events").await, events + 5);

            // Repeats, replays and refusals write no event.
            let before = server.snapshot().await;
            assert_eq!(
                client
                    .post("/v1/payments", payment("ob-1", 1_000, &customer))
                    .await
                    .status,
                200
            );
            server.assert_unchanged(&before, "a repeated order number").await;
            let keyed = client
                .post_keyed("/v1/payments", payment("ob-3", 1, &customer), "ob-k")
                .await;
            assert_eq!(keyed.status, 201);
            let before_replay = server.snapshot().await;
            assert_eq!(
                client
                    .post_keyed("/v1/payments", payment("ob-3", 1, &customer), "ob-k")
                    .await
                    .status,
                201
            );
            server.assert_unchanged(&before_replay, "a replay").await;
            let before = server.snapshot().await;
            let r = client.post("/v1/payments", payment("ob-4", 1_000_000, &customer)).await;
            assert_error(&r, 402, "insufficient_funds");
            let r = client
                .post(
                    &format!("/v1/payments/{}/refunds", id(&plain)),
                    json!({"merchant_refund_no": "ob-big", "amount": 5_000}),
                )
                .await;
            assert_error(&r, 422, "refund_exceeds_paid");
            let r = client
                .post(&format!("/v1/payments/{}/close", id(&plain)), json!({}))
                .await;
            assert_error(&r, 409, "illegal_state_transition");
            server.assert_unchanged(&before, "refused requests").await;
        }
        let (all, distinct) = (
            server.scalar("SELECT COUNT(*) FROM events").await,
            server.scalar("SELECT COUNT(DISTINCT id) FROM events").await,
        );
        assert_eq!(all, distinct, "{engine:?} event ids are unique");
        assert_eq!(all, 12, "{engine:?}");
        server.assert_ledger_ok().await;
    }
}

/// Exactly one event of `event_type` about `object_id`, well formed, and one
/// pending delivery to `url` — or none when there is nowhere to send it.
async fn assert_event(server: &TestServer, object_id: &str, event_type: &str, url: Option<&str>) {
    let events = juhe_store::events::events_of_object(server.db.reader(), object_id)
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "{:?} events of {object_id}: {events:?}", server.engine);
    let event = &events[0];
    assert_eq!(event.event_type, event_type);
    let payload: Value = serde_json::from_str(&event.payload).expect("payload is JSON");
    assert_eq!(payload["id"], event.id.as_str());
    assert_eq!(payload["type"], event_type);
    assert_eq!(payload["data"]["id"], object_id);
    let deliveries = juhe_store::events::deliveries_of_event(server.db.reader(), &event.id)
        .await
        .unwrap();
    match url {
        Some(url) => {
            assert_eq!(deliveries.len(), 1, "{:?} deliveries of {event_type}", server.engine);
            assert_eq!(deliveries[0].url, url);
            assert_eq!(deliveries[0].status, "pending");
        }
        None => assert!(
            deliveries.is_empty(),
            "{:?} {event_type}: {deliveries:?}",
            server.engine
        ),
    }
}

//! Security of the merchant API through HTTP on both engines: request
//! signing, the clock window, single-use nonces, merchant scoping and rate
//! limiting. Every refused request is shown to have changed nothing.

use juhe_crypto::authorization_header;
use juhe_gateway::GatewayConfig;
use juhe_store::clock::now_ms;
use juhe_store::ids::random_hex;
use juhe_testkit::{Raw, TestApp, TestServer, assert_error, assert_error_shape, engines};
use serde_json::{Value, json};
use std::time::Duration;

/// Unix seconds now, as a client computes its timestamp.
fn now() -> i64 {
    now_ms() / 1000
}

fn nonce() -> String {
    random_hex(16)
}

/// A correct Authorization header of `app` for exactly this request.
fn sign(app: &TestApp, method: &str, path: &str, body: &[u8], timestamp: i64, nonce: &str) -> String {
    authorization_header(
        &app.app_id,
        app.app_secret.as_bytes(),
        method,
        path,
        body,
        &timestamp.to_string(),
        nonce,
    )
}

/// A request sent with this Authorization header (and no Idempotency-Key).
fn with_auth(method: &'static str, path: &str, body: &[u8], authorization: String) -> Raw {
    Raw {
        method,
        path: path.to_string(),
        body: body.to_vec(),
        authorization: Some(authorization),
        ..Default::default()
    }
}

fn payment(order_no: &str, amount: i64, customer: &str) -> Value {
    json!({"merchant_order_no": order_no, "amount": amount, "currency": "CNY", "subject": "test",
           "way": "wallet", "payer": {"customer_id": customer}})
}

fn bytes(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// Waits until early in a wall-clock second, so that a timestamp computed
/// now is judged by the server within the same second (no off-by-one from a
/// second boundary between the test's clock read and the server's).
async fn early_in_a_second() {
    let ms = now_ms() % 1000;
    if ms > 200 {
        tokio::time::sleep(Duration::from_millis((1010 - ms) as u64)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_are_refused_and_change_nothing() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let other = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;
        let paid = client.post("/v1/payments", payment("paid-1", 1_000, &customer)).await;
        assert_eq!(paid.status, 201, "{engine:?} {:?}", paid.body);
        let paid_id = paid.body["id"].as_str().unwrap().to_string();
        let paid2 = client.post("/v1/payments", payment("paid-2", 1_000, &customer)).await;
        let paid2_id = paid2.body["id"].as_str().unwrap().to_string();

        let body = bytes(&payment("auth-1", 100, &customer));
        let (ts, n) = (now(), nonce());
        // The one correct header for the request below; every refusal in this
        // test uses its timestamp and nonce, and it is sent last to show that
        // none of them used the nonce up.
        let good = sign(&app, "POST", "/v1/payments", &body, ts, &n);
        let pairs = good.strip_prefix("JUHE-HMAC-SHA256 ").unwrap().to_string();
        let sig = good
            .rsplit_once("signature=\"")
            .unwrap()
            .1
            .trim_end_matches('"')
            .to_string();
        let before = server.snapshot().await;

        // No Authorization header at all.
        let (r, _) = client
            .unsigned(
                "POST",
                "/v1/payments",
                &[("Content-Type", "application/json")],
                body.clone(),
            )
            .await;
        assert_error(&r, 401, "unauthorized");

        // Wrong schemes and malformed pairs: 401 unauthorized.
        let app_id = &app.app_id;
        let malformed = [
            format!("Bearer {}", app.app_secret),
            format!("Basic {}", app.app_secret),
            format!("juhe-hmac-sha256 {pairs}"),
            format!("JUHE-HMAC-SHA1 {pairs}"),
            format!("JUHE-HMAC-SHA256X {pairs}"),
            format!("JUHE-HMAC-SHA256{pairs}"),
            pairs.clone(),
            "JUHE-HMAC-SHA256".to_string(),
            "JUHE-HMAC-SHA256 ".to_string(),
            format!(r#"JUHE-HMAC-SHA256 app_id={app_id},timestamp="{ts}",nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp={ts},nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}";timestamp="{ts}";nonce="{n}";signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id"{app_id}",timestamp="{ts}",nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 timestamp="{ts}",nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="{ts}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="{ts}",nonce="{n}""#),
            format!(
                r#"JUHE-HMAC-SHA256 app_id="{app_id}",app_id="{app_id}",timestamp="{ts}",nonce="{n}",signature="{sig}""#
            ),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="soon",nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="{ts}.0",nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="",nonce="{n}",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="{ts}",nonce="",signature="{sig}""#),
            format!(r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="{ts}",nonce="a b",signature="{sig}""#),
            format!(
                r#"JUHE-HMAC-SHA256 app_id="{app_id}",timestamp="{ts}",nonce="{}",signature="{sig}""#,
                "n".repeat(65)
            ),
        ];
        for header in malformed {
            let r = client
                .raw(with_auth("POST", "/v1/payments", &body, header.clone()))
                .await;
            assert_eq!(
                (r.status, r.code()),
                (401, "unauthorized"),
                "{engine:?} {header}: {:?}",
                r.body
            );
            assert_error(&r, 401, "unauthorized");
        }

        // An app that does not exist.
        let unknown = authorization_header(
            "app_00000000000000000000000000",
            app.app_secret.as_bytes(),
            "POST",
            "/v1/payments",
            &body,
            &ts.to_string(),
            &n,
        );
        let r = client.raw(with_auth("POST", "/v1/payments", &body, unknown)).await;
        assert_error(&r, 401, "unauthorized");

        // Well-formed, but the signature does not match: 401 bad_signature.
        let wrong_secret = authorization_header(
            &app.app_id,
            b"not-the-secret",
            "POST",
            "/v1/payments",
            &body,
            &ts.to_string(),
            &n,
        );
        // Another merchant's real secret under this app's id.
        let their_secret = authorization_header(
            &app.app_id,
            other.app_secret.as_bytes(),
            "POST",
            "/v1/payments",
            &body,
            &ts.to_string(),
            &n,
        );
        let mut forged = vec![
            (
                "wrong secret",
                wrong_secret,
                "POST",
                "/v1/payments".to_string(),
                body.clone(),
            ),
            (
                "another app's secret",
                their_secret,
                "POST",
                "/v1/payments".to_string(),
                body.clone(),
            ),
            (
                "signature not base64",
                good.replace(&sig, "!!not-base64!!"),
                "POST",
                "/v1/payments".into(),
                body.clone(),
            ),
            (
                "empty signature",
                good.replace(&sig, ""),
                "POST",
                "/v1/payments".into(),
                body.clone(),
            ),
            (
                "truncated signature",
                good.replace(&sig, &sig[..sig.len() - 4]),
                "POST",
                "/v1/payments".into(),
                body.clone(),
            ),
            (
                "timestamp changed after signing",
                good.replace(&format!("timestamp=\"{ts}\""), &format!("timestamp=\"{}\"", ts - 1)),
                "POST",
                "/v1/payments".into(),
                body.clone(),
            ),
            (
                "nonce changed after signing",
                good.replace(&format!("nonce=\"{n}\""), "nonce=\"another\""),
                "POST",
                "/v1/payments".into(),
                body.clone(),
            ),
            // The body changed after signing: a bigger amount, or only a byte more.
            (
                "amount tampered",
                good.clone(),
                "POST",
                "/v1/payments".into(),
                bytes(&payment("auth-1", 9_000, &customer)),
            ),
            ("trailing space added", good.clone(), "POST", "/v1/payments".into(), {
                let mut b = body.clone();
                b.push(b' ');
                b
            }),
            ("body dropped", good.clone(), "POST", "/v1/payments".into(), Vec::new()),
            // The method changed after signing (GET /v1/payments exists too).
            (
                "method tampered",
                sign(&app, "GET", "/v1/payments", &body, ts, &n),
                "POST",
                "/v1/payments".into(),
                body.clone(),
            ),
        ];
        // The path changed after signing: a refund signed for one payment sent to another.
        let refund = bytes(&json!({"merchant_refund_no": "r-auth", "amount": 500}));
        let signed_path = format!("/v1/payments/{paid_id}/refunds");
        forged.push((
            "path tampered",
            sign(&app, "POST", &signed_path, &refund, ts, &n),
            "POST",
            format!("/v1/payments/{paid2_id}/refunds"),
            refund.clone(),
        ));
        // A query string added to a path signed without one.
        forged.push((
            "query added",
            sign(&app, "POST", &signed_path, &refund, ts, &n),
            "POST",
            format!("{signed_path}?amount=900"),
            refund.clone(),
        ));
        for (what, header, method, path, sent_body) in forged {
            let r = client.raw(with_auth(method, &path, &sent_body, header)).await;
            assert_eq!(
                (r.status, r.code()),
                (401, "bad_signature"),
                "{engine:?} {what}: {:?}",
                r.body
            );
            assert_error(&r, 401, "bad_signature");
        }

        // A query changed after signing, on a read.
        let signed_get = sign(&app, "GET", "/v1/payments?merchant_order_no=paid-1", b"", ts, &n);
        let r = client
            .raw(with_auth(
                "GET",
                "/v1/payments?merchant_order_no=paid-2",
                b"",
                signed_get,
            ))
            .await;
        assert_error(&r, 401, "bad_signature");

        server.assert_unchanged(&before, "refused credentials").await;

        // Unknown pairs are ignored (forward compatibility), and none of the
        // refusals above used up the nonce: the correct request still works, once.
        let extended = good.replace("JUHE-HMAC-SHA256 ", "JUHE-HMAC-SHA256 version=\"2\", ");
        let ok = client.raw(with_auth("POST", "/v1/payments", &body, extended)).await;
        assert_eq!(ok.status, 201, "{engine:?} {:?}", ok.body);
        let again = client.raw(with_auth("POST", "/v1/payments", &body, good)).await;
        assert_error(&again, 401, "reused_nonce");
        assert_eq!(
            server.scalar("SELECT COUNT(*) FROM payments").await,
            before.0.iter().find(|m| m.0 == "payments").unwrap().1 + 1
        );
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_window_is_300_seconds_either_way() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let body = bytes(&json!({"name": "clock"}));

        let before = server.snapshot().await;
        for offset in [-301, 301, -3_600, 86_400, -1_700_000_000] {
            early_in_a_second().await;
            let ts = now() + offset;
            let r = client
                .raw(with_auth(
                    "POST",
                    "/v1/customers",
                    &body,
                    sign(&app, "POST", "/v1/customers", &body, ts, &nonce()),
                ))
                .await;
            assert_eq!(
                (r.status, r.code()),
                (401, "stale_timestamp"),
                "{engine:?} offset {offset}"
            );
            assert_error(&r, 401, "stale_timestamp");
        }
        server.assert_unchanged(&before, "stale timestamps").await;

        for offset in [-299, 299, 0] {
            early_in_a_second().await;
            let ts = now() + offset;
            let r = client
                .raw(with_auth(
                    "POST",
                    "/v1/customers",
                    &body,
                    sign(&app, "POST", "/v1/customers", &body, ts, &nonce()),
                ))
                .await;
            assert_eq!(r.status, 201, "{engine:?} offset {offset}: {:?}", r.body);
        }
        assert_eq!(server.scalar("SELECT COUNT(*) FROM customers").await, 3);

        // A stale request does not use up its nonce.
        let n = nonce();
        early_in_a_second().await;
        let stale = client
            .raw(with_auth(
                "POST",
                "/v1/customers",
                &body,
                sign(&app, "POST", "/v1/customers", &body, now() - 400, &n),
            ))
            .await;
        assert_error(&stale, 401, "stale_timestamp");
        let fresh = client
            .raw(with_auth(
                "POST",
                "/v1/customers",
                &body,
                sign(&app, "POST", "/v1/customers", &body, now(), &n),
            ))
            .await;
        assert_eq!(fresh.status, 201, "{engine:?} {:?}", fresh.body);
        server.assert_ledger_ok().await;
    }
}

/// Timestamps at the ends of i64 are a client mistake like any other stale
/// timestamp: 401, never a server error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_timestamps_are_stale_not_server_errors() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let client = server.client(&app);
        let body = bytes(&json!({"name": "clock"}));
        let before = server.snapshot().await;
        for ts in [i64::MIN, i64::MIN + 1, i64::MAX, -1] {
            let r = client
                .raw(with_auth(
                    "POST",
                    "/v1/customers",
                    &body,
                    sign(&app, "POST", "/v1/customers", &body, ts, &nonce()),
                ))
                .await;
            assert_eq!(
                (r.status, r.code()),
                (401, "stale_timestamp"),
                "{engine:?} timestamp {ts}: {:?}",
                r.body
            );
            assert_error(&r, 401, "stale_timestamp");
        }
        server.assert_unchanged(&before, "extreme timestamps").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nonce_is_used_once_per_app() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let other = server.merchant(0, None).await;
        let client = server.client(&app);
        let other_client = server.client(&other);

        // A captured request sent again: refused, and its effect happened once.
        // No Idempotency-Key, so the nonce is the only thing stopping a second customer.
        let body = bytes(&json!({"name": "replayed"}));
        let n = nonce();
        let header = sign(&app, "POST", "/v1/customers", &body, now(), &n);
        let first = client
            .raw(with_auth("POST", "/v1/customers", &body, header.clone()))
            .await;
        assert_eq!(first.status, 201, "{engine:?} {:?}", first.body);
        let before = server.snapshot().await;
        let replay = client.raw(with_auth("POST", "/v1/customers", &body, header)).await;
        assert_error(&replay, 401, "reused_nonce");
        server.assert_unchanged(&before, "a replayed request").await;
        assert_eq!(server.scalar("SELECT COUNT(*) FROM customers").await, 1);
        let customer = first.body["id"].as_str().unwrap().to_string();

        // A replayed top-up credits once.
        let topup =
            bytes(&json!({"customer_id": customer, "amount": 500, "channel": "cash", "merchant_topup_no": "t-1"}));
        let header = sign(&app, "POST", "/v1/topups", &topup, now(), &nonce());
        let t = client
            .raw(with_auth("POST", "/v1/topups", &topup, header.clone()))
            .await;
        assert_eq!(t.status, 201, "{engine:?} {:?}", t.body);
        let before = server.snapshot().await;
        let replay = client.raw(with_auth("POST", "/v1/topups", &topup, header)).await;
        assert_error(&replay, 401, "reused_nonce");
        server.assert_unchanged(&before, "a replayed top-up").await;
        let c = client.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(c.body["wallets"][0]["balance"], 500, "{engine:?}");

        // The same nonce on a different, correctly signed request: still used.
        let other_body = bytes(&json!({"name": "different"}));
        let r = client
            .raw(with_auth(
                "POST",
                "/v1/customers",
                &other_body,
                sign(&app, "POST", "/v1/customers", &other_body, now(), &n),
            ))
            .await;
        assert_error(&r, 401, "reused_nonce");

        // Nonces are per app: another app may use the same one.
        let r = other_client
            .raw(with_auth(
                "POST",
                "/v1/customers",
                &body,
                sign(&other, "POST", "/v1/customers", &body, now(), &n),
            ))
            .await;
        assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);

        // A badly signed request does not use up the nonce it carries.
        let m = nonce();
        let forged = authorization_header(
            &app.app_id,
            b"guess",
            "POST",
            "/v1/customers",
            &body,
            &now().to_string(),
            &m,
        );
        let r = client.raw(with_auth("POST", "/v1/customers", &body, forged)).await;
        assert_error(&r, 401, "bad_signature");
        let r = client
            .raw(with_auth(
                "POST",
                "/v1/customers",
                &body,
                sign(&app, "POST", "/v1/customers", &body, now(), &m),
            ))
            .await;
        assert_eq!(
            r.status, 201,
            "{engine:?} a forged request burned the nonce: {:?}",
            r.body
        );

        // A captured request that was refused (402: the wallet was short) and
        // replayed once it would succeed is still refused. No Idempotency-Key,
        // so only the nonce stands between the replay and a payment.
        let pay = bytes(
            &json!({"merchant_order_no": "replay-402", "amount": 2_000, "subject": "s", "way": "wallet",
                                "payer": {"customer_id": customer}}),
        );
        let header = sign(&app, "POST", "/v1/payments", &pay, now(), &nonce());
        let r = client
            .raw(with_auth("POST", "/v1/payments", &pay, header.clone()))
            .await;
        assert_error(&r, 402, "insufficient_funds");
        let t = client
            .post(
                "/v1/topups",
                json!({"customer_id": customer, "amount": 5_000, "channel": "cash", "merchant_topup_no": "t-2"}),
            )
            .await;
        assert_eq!(t.status, 201, "{engine:?} {:?}", t.body);
        let before = server.snapshot().await;
        let replay = client.raw(with_auth("POST", "/v1/payments", &pay, header)).await;
        assert_error(&replay, 401, "reused_nonce");
        server.assert_unchanged(&before, "a replayed 402 payment").await;

        // A replayed request that failed validation fails again and changes nothing.
        let bad = bytes(&json!({"name": ""}));
        let header = sign(&app, "POST", "/v1/customers", &bad, now(), &nonce());
        let r = client
            .raw(with_auth("POST", "/v1/customers", &bad, header.clone()))
            .await;
        assert_error(&r, 400, "invalid_request");
        let before = server.snapshot().await;
        let r = client.raw(with_auth("POST", "/v1/customers", &bad, header)).await;
        assert!(
            matches!(r.code(), "reused_nonce" | "invalid_request"),
            "{engine:?} {:?}",
            r.body
        );
        assert_error_shape(&r);
        server.assert_unchanged(&before, "a replayed invalid request").await;

        // The same request fired concurrently: exactly one gets through.
        let body = bytes(&json!({"name": "raced"}));
        let header = sign(&app, "POST", "/v1/customers", &body, now(), &nonce());
        let before = server.scalar("SELECT COUNT(*) FROM customers").await;
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (client, body, header) = (client.clone(), body.clone(), header.clone());
                tokio::spawn(async move { client.raw(with_auth("POST", "/v1/customers", &body, header)).await })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            let r = t.await.unwrap();
            if r.status == 201 {
                created += 1;
            } else {
                assert_error(&r, 401, "reused_nonce");
            }
        }
        assert_eq!(created, 1, "{engine:?}");
        assert_eq!(server.scalar("SELECT COUNT(*) FROM customers").await, before + 1);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchants_cannot_see_or_touch_each_others_objects() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let a = server.merchant(60, None).await;
        let b = server.merchant(60, None).await;
        let (ca, cb) = (server.client(&a), server.client(&b));

        let a_customer = server.funded_customer(&ca, 10_000).await;
        let a_topup = ca
            .post(
                "/v1/topups",
                json!({"customer_id": a_customer, "amount": 100, "channel": "cash", "merchant_topup_no": "shared-t"}),
            )
            .await;
        assert_eq!(a_topup.status, 201, "{engine:?} {:?}", a_topup.body);
        let a_topup = a_topup.body["id"].as_str().unwrap().to_string();
        let a_pay = ca
            .post("/v1/payments", payment("shared-order", 2_000, &a_customer))
            .await;
        assert_eq!(a_pay.status, 201, "{engine:?} {:?}", a_pay.body);
        let a_pay = a_pay.body["id"].as_str().unwrap().to_string();
        let a_refund = ca
            .post(
                &format!("/v1/payments/{a_pay}/refunds"),
                json!({"merchant_refund_no": "shared-r", "amount": 500}),
            )
            .await;
        assert_eq!(a_refund.status, 201, "{engine:?} {:?}", a_refund.body);
        let a_refund = a_refund.body["id"].as_str().unwrap().to_string();
        let b_customer = server.funded_customer(&cb, 10_000).await;

        // A's objects are invisible to B: 404, exactly as if they did not exist.
        let before = server.snapshot().await;
        for path in [
            format!("/v1/payments/{a_pay}"),
            format!("/v1/payments/{a_pay}/refunds"),
            format!("/v1/refunds/{a_refund}"),
            format!("/v1/topups/{a_topup}"),
            format!("/v1/customers/{a_customer}"),
            "/v1/payments?merchant_order_no=shared-order".to_string(),
        ] {
            let r = cb.get(&path).await;
            assert_error(&r, 404, "not_found");
            // While A sees them.
            assert_eq!(ca.get(&path).await.status, 200, "{engine:?} {path}");
        }
        let list = cb.get("/v1/payments").await;
        assert_eq!(list.status, 200);
        assert_eq!(list.body["data"], json!([]), "{engine:?} B lists A's payments");

        // Nor can B act on them.
        let r = cb
            .post(
                &format!("/v1/payments/{a_pay}/refunds"),
                json!({"merchant_refund_no": "steal", "amount": 100}),
            )
            .await;
        assert_error(&r, 404, "not_found");
        let r = cb.post(&format!("/v1/payments/{a_pay}/close"), json!({})).await;
        assert_error(&r, 404, "not_found");
        let r = cb.post("/v1/payments", payment("b-spends-a", 100, &a_customer)).await;
        assert_error(&r, 404, "not_found");
        let r = cb
            .post(
                "/v1/topups",
                json!({"customer_id": a_customer, "amount": 100, "channel": "cash", "merchant_topup_no": "b-t"}),
            )
            .await;
        assert_error(&r, 404, "not_found");
        server.assert_unchanged(&before, "B acting on A's objects").await;
        let c = ca.get(&format!("/v1/customers/{a_customer}")).await;
        assert_eq!(c.body["wallets"][0]["balance"], 10_000 + 100 - 2_000 + 500);

        // Merchant numbers are per app: B may reuse A's, and gets its own objects.
        let b_pay = cb
            .post("/v1/payments", payment("shared-order", 2_000, &b_customer))
            .await;
        assert_eq!(b_pay.status, 201, "{engine:?} {:?}", b_pay.body);
        assert_ne!(b_pay.body["id"].as_str().unwrap(), a_pay);
        let b_pay = b_pay.body["id"].as_str().unwrap().to_string();
        let b_refund = cb
            .post(
                &format!("/v1/payments/{b_pay}/refunds"),
                json!({"merchant_refund_no": "shared-r", "amount": 500}),
            )
            .await;
        assert_eq!(b_refund.status, 201, "{engine:?} {:?}", b_refund.body);
        let b_topup = cb
            .post(
                "/v1/topups",
                json!({"customer_id": b_customer, "amount": 100, "channel": "cash", "merchant_topup_no": "shared-t"}),
            )
            .await;
        assert_eq!(b_topup.status, 201, "{engine:?} {:?}", b_topup.body);
        let by_no = ca.get("/v1/payments?merchant_order_no=shared-order").await;
        assert_eq!(
            by_no.body["id"],
            a_pay.as_str(),
            "{engine:?} A still finds its own order"
        );
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_with_retry_after() {
    for engine in engines() {
        let config = GatewayConfig {
            rate_per_sec: 1,
            rate_burst: 3,
            ..Default::default()
        };
        let server = TestServer::start_with(engine, config).await;
        let app = server.merchant(0, None).await;
        let other = server.merchant(0, None).await;
        let client = server.client(&app);

        // Forged requests do not spend the app's tokens: someone without the
        // secret cannot lock an app out.
        for _ in 0..5 {
            let forged = authorization_header(
                &app.app_id,
                b"guess",
                "GET",
                "/v1/payments",
                b"",
                &now().to_string(),
                &nonce(),
            );
            let r = client.raw(with_auth("GET", "/v1/payments", b"", forged)).await;
            assert_error(&r, 401, "bad_signature");
        }

        for i in 0..3 {
            let r = client.get("/v1/payments").await;
            assert_eq!(r.status, 200, "{engine:?} request {i}: {:?}", r.body);
        }
        let before = server.snapshot().await;
        let body = bytes(&json!({"name": "limited"}));
        let limited = with_auth(
            "POST",
            "/v1/customers",
            &body,
            sign(&app, "POST", "/v1/customers", &body, now(), &nonce()),
        );
        let (r, headers) = client.raw_with_headers(limited.clone()).await;
        assert_error(&r, 429, "rate_limited");
        let wait: u64 = headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{engine:?}: 429 without a numeric Retry-After: {headers:?}"));
        assert!((1..=3).contains(&wait), "{engine:?} Retry-After {wait}");
        server.assert_unchanged(&before, "a rate-limited request").await;

        // Buckets are per app.
        let r = server.client(&other).get("/v1/payments").await;
        assert_eq!(r.status, 200, "{engine:?} {:?}", r.body);

        // After Retry-After the very same signed request goes through: the
        // refusal did not use up its nonce.
        tokio::time::sleep(Duration::from_millis(wait * 1000 + 100)).await;
        let r = client.raw(limited).await;
        assert_eq!(r.status, 201, "{engine:?} {:?}", r.body);
        server.assert_ledger_ok().await;
    }
}

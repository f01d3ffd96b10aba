//! Merchant apps that sign with their own key pair: `JUHE-SHA256-RSA2048`
//! and `JUHE-SM2-WITH-SM3`, over the same string as the HMAC scheme. Once
//! an app has a public key, only its scheme is accepted.

use juhe_crypto::merchant_auth::{RequestParts, RequestSigningKey, authorization_header_for};
use juhe_crypto::{Certificate, RsaPrivate, Sm2Private};
use juhe_testkit::{TestApp, TestServer, engines};
use serde_json::{Value, json};

fn vectors() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../vectors/wechatpay_v3.json"))
        .expect("vectors");
    serde_json::from_str(&text).expect("json")
}

fn key(name: &str) -> String {
    vectors()["keys"][name].as_str().expect("key present").to_string()
}

async fn set_public_key(server: &TestServer, app: &TestApp, public_key: Option<&str>) -> u16 {
    reqwest::Client::new()
        .put(format!("{}/admin/v1/apps/{}/public-key", server.base_url, app.app_id))
        .bearer_auth(&server.admin_token)
        .json(&json!({ "public_key": public_key }))
        .send()
        .await
        .expect("admin call")
        .status()
        .as_u16()
}

/// POSTs `/v1/customers` signed with `key`; returns status and body.
async fn post_signed(server: &TestServer, app: &TestApp, key: RequestSigningKey<'_>, nonce: &str) -> (u16, Value) {
    let body = json!({"name": "Key-pair signer"}).to_string();
    let timestamp = (juhe_store::clock::now_ms() / 1000).to_string();
    let parts = RequestParts {
        method: "POST",
        path_with_query: "/v1/customers",
        timestamp: &timestamp,
        nonce,
        body: body.as_bytes(),
    };
    let header = authorization_header_for(key, &app.app_id, &parts).expect("sign");
    let reply = reqwest::Client::new()
        .post(format!("{}/v1/customers", server.base_url))
        .header("authorization", header)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn rsa_and_sm2_apps_sign_with_their_own_keys() {
    let rsa = RsaPrivate::parse(&key("go_test_rsa2048_private_key_pkcs8_pem")).expect("rsa key");
    let sm2 = Sm2Private::parse(&key("java_sm2_merchant_private_key_pkcs8_pem")).expect("sm2 key");
    let sm2_cert = key("java_sm2_merchant_cert_pem");
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(0, None).await;
        let hmac = RequestSigningKey::Hmac(app.app_secret.as_bytes());

        // Before a key is set: HMAC works, RSA is refused.
        assert_eq!(post_signed(&server, &app, hmac, "n-hmac-1").await.0, 201);
        let (status, body) = post_signed(&server, &app, RequestSigningKey::Rsa(&rsa), "n-rsa-0").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("unauthorized")),
            "{body}"
        );

        // Keys that are not RSA or SM2 public keys are refused.
        assert_eq!(set_public_key(&server, &app, Some("not a key")).await, 400);

        let spki = spki_of_rsa(&rsa);
        assert_eq!(set_public_key(&server, &app, Some(&spki)).await, 204);
        let (status, body) = post_signed(&server, &app, RequestSigningKey::Rsa(&rsa), "n-rsa-1").await;
        assert_eq!(status, 201, "{body}");
        // The HMAC scheme is no longer accepted for this app.
        let (status, body) = post_signed(&server, &app, hmac, "n-hmac-2").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("unauthorized")),
            "{body}"
        );
        // A signature by another key does not verify.
        let sm2_as_rsa = post_signed(&server, &app, RequestSigningKey::Sm2(&sm2), "n-x").await;
        assert_eq!(sm2_as_rsa.0, 401);
        // Replaying the nonce is refused like any other scheme.
        let (status, body) = post_signed(&server, &app, RequestSigningKey::Rsa(&rsa), "n-rsa-1").await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("reused_nonce")),
            "{body}"
        );

        // SM2: the app switches to its SM2 key, given as the 65-byte point
        // in hex (the key in its certificate must be the same key).
        let certified = Certificate::parse(&sm2_cert)
            .expect("sm2 cert")
            .sm2_public()
            .expect("sm2 public");
        assert_eq!(certified.to_sec1_uncompressed(), sm2.public().to_sec1_uncompressed());
        let point = hex::encode(sm2.public().to_sec1_uncompressed());
        assert_eq!(set_public_key(&server, &app, Some(&point)).await, 204);
        let (status, body) = post_signed(&server, &app, RequestSigningKey::Sm2(&sm2), "n-sm2-1").await;
        assert_eq!(status, 201, "{body}");
        let (status, _) = post_signed(&server, &app, RequestSigningKey::Rsa(&rsa), "n-rsa-2").await;
        assert_eq!(status, 401);

        // Back to HMAC.
        assert_eq!(set_public_key(&server, &app, None).await, 204);
        assert_eq!(post_signed(&server, &app, hmac, "n-hmac-3").await.0, 201);
    }
}

fn spki_of_rsa(key: &RsaPrivate) -> String {
    use rsa::pkcs8::EncodePublicKey;
    key.public()
        .inner()
        .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
        .expect("pem")
}

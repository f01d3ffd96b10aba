//! Sandbox endpoints spoken to directly, as an SDK would: GZIP bills
//! whose `hash_value` is the SHA-1 of the original file, the encrypted
//! platform certificates, and merchants registered at run time.

mod common;

use common::*;
use juhe_channel::{Channel, CreatePayment};
use juhe_channel_wechatpay::protocol::auth::{Authorization, SignedRequest, new_nonce};
use juhe_channel_wechatpay::protocol::bill::sha1_hex;
use juhe_channel_wechatpay::sandbox::PlatformMode;
use juhe_crypto::RsaPrivate;
use juhe_domain::way::Way;
use std::io::Read;

async fn signed_get(base: &str, path: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = signed_get_with_headers(base, path).await;
    (status, body)
}

async fn signed_get_with_headers(base: &str, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let key = RsaPrivate::parse(&merchant_private_key()).expect("key");
    let nonce = new_nonce();
    let auth = Authorization::sign(
        &key,
        MCHID,
        MERCHANT_SERIAL,
        &SignedRequest {
            method: "GET",
            canonical_url: path,
            timestamp: now_ms() / 1000,
            nonce: &nonce,
            body: b"",
        },
    )
    .expect("sign");
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("authorization", auth.header_value())
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn gzip_bills_hash_the_original_file() {
    let h = start(PlatformMode::Certificate).await;
    let cfg = h.config("http://127.0.0.1:9/unused");
    let no = order_no("GZ");
    let req = CreatePayment {
        payment_id: "pay_gz".into(),
        channel_order_no: no.clone(),
        money: cny(888),
        subject: "洗车".into(),
        way: Way::Barcode,
        auth_code: Some("134567890123456789".into()),
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: None,
        terminal_id: None,
        site_id: None,
        expire_at_ms: now_ms() + 60_000,
        created_at_ms: now_ms(),
    };
    h.channel.create(&cfg, &req).await.expect("paid");
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date();
    let (status, body) = signed_get(
        &h.base_url,
        &format!("/v3/bill/tradebill?bill_date={today}&bill_type=SUCCESS&tar_type=GZIP"),
    )
    .await;
    assert_eq!(status, 200);
    let answer: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(answer["hash_type"], "SHA1");
    let url = answer["download_url"].as_str().expect("url");
    let path = &url[url.find("/v3/").expect("path")..];
    let (status, packed) = signed_get(&h.base_url, path).await;
    assert_eq!(status, 200);
    let mut original = Vec::new();
    flate2::read::GzDecoder::new(packed.as_slice())
        .read_to_end(&mut original)
        .expect("gzip");
    assert_eq!(sha1_hex(&original), answer["hash_value"].as_str().expect("hash"));
    let text = String::from_utf8(original).expect("utf-8");
    assert!(text.contains(&format!("`{no},")) && text.contains("`8.88,`0.00,`0,`0,") && text.contains("`MICROPAY,"));

    let (status, body) = signed_get(
        &h.base_url,
        &format!("/v3/bill/tradebill?bill_date={today}&tar_type=ZIP"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("PARAM_ERROR"));
    let (status, _) = signed_get(&h.base_url, "/v3/billdownload/file?token=unknown").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn certificates_are_signed_and_encrypted_for_the_merchant() {
    use juhe_channel_wechatpay::protocol::models::CertificatesResponse;
    use juhe_channel_wechatpay::protocol::platform::{PlatformKeys, SignedHeaders, verify_signed};
    use juhe_channel_wechatpay::protocol::resource;
    use juhe_crypto::x509::Certificate;

    let h = start(PlatformMode::Certificate).await;
    let (status, headers, body) = signed_get_with_headers(&h.base_url, "/v3/certificates").await;
    assert_eq!(status, 200);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let serial = h.state.platform().certificate_serial().to_string();
    assert_eq!(header("wechatpay-serial"), Some(serial.as_str()));
    let mut keys = PlatformKeys::new();
    keys.add(serial.clone(), h.state.platform().public_key());
    let signed = SignedHeaders {
        timestamp: header("wechatpay-timestamp"),
        nonce: header("wechatpay-nonce"),
        signature: header("wechatpay-signature"),
        serial: header("wechatpay-serial"),
    };
    verify_signed(&keys, &signed, &body, now_ms() / 1000).expect("signed by the platform key");
    let answer: CertificatesResponse = serde_json::from_slice(&body).expect("json");
    assert_eq!(answer.data.len(), 1);
    let entry = &answer.data[0];
    assert_eq!(entry.serial_no, serial);
    assert_eq!(entry.encrypt_certificate.associated_data, "certificate");
    assert!(entry.effective_time.ends_with("+08:00") && entry.expire_time.ends_with("+08:00"));
    let pem = resource::decrypt(APIV3_KEY.as_bytes(), &entry.encrypt_certificate).expect("decrypts with the APIv3 key");
    let cert = Certificate::parse(&String::from_utf8(pem).expect("utf-8")).expect("cert");
    assert_eq!(cert.serial_hex(), serial);
    assert_eq!(
        juhe_channel_wechatpay::protocol::scheme::VerifyingKey::Rsa(cert.rsa_public().expect("rsa")),
        h.state.platform().public_key()
    );
    assert!(resource::decrypt(b"0123456789abcdef0123456789abcdef", &entry.encrypt_certificate).is_err());
}

#[tokio::test]
async fn merchants_registered_at_run_time_can_call() {
    let h = start(PlatformMode::Certificate).await;
    let mut other = registration(PlatformMode::PublicKey);
    other.mchid = "1900000222".into();
    let body = serde_json::json!({
        "mchid": other.mchid,
        "merchant_serial_no": other.merchant_serial_no,
        "merchant_public_key": other.merchant_public_key,
        "apiv3_key": other.apiv3_key,
        "platform_mode": "public_key",
    });
    let client = reqwest::Client::new();
    let url = format!("{}/_sandbox/merchants", h.base_url);
    assert_eq!(
        client.post(&url).json(&body).send().await.expect("register").status(),
        204
    );
    let mut bad = body.clone();
    bad["apiv3_key"] = "short".into();
    assert_eq!(
        client.post(&url).json(&bad).send().await.expect("register").status(),
        400
    );

    let mut cfg = config(&h.base_url, PlatformMode::PublicKey, "http://127.0.0.1:9/unused");
    cfg.params.insert("mchid".into(), "1900000222".into());
    let no = order_no("RG");
    assert_eq!(
        h.channel.query(&cfg, &payment_ref(&no, 1)).await,
        Err(juhe_channel::ChannelError::NotFound)
    );
    let mut unknown = cfg.clone();
    unknown.params.insert("mchid".into(), "1900000333".into());
    assert!(matches!(
        h.channel.query(&unknown, &payment_ref(&no, 1)).await,
        Err(juhe_channel::ChannelError::Config(_))
    ));
}

//! `GET /v3/certificates`: the platform certificates, each encrypted with
//! the calling merchant's APIv3 key (AAD `certificate`), as the SDKs'
//! certificate downloaders expect — every certificate of a rotation, the
//! new one and the old ones, as WeChat lists both while they overlap. With
//! `algorithm_type=SM2` the SM2 platform certificates, `AEAD_SM4_GCM`.
//! `POST /_sandbox/platform/rotate` makes the sandbox rotate its key.

use super::SandboxState;
use super::platform::{SandboxPlatform, TEST_NEXT_PLATFORM_PUBLIC_KEY, TEST_NEXT_PLATFORM_PUBLIC_KEY_ID};
use super::wire::{Received, admit, signed_error, signed_json};
use crate::protocol::clock::rfc3339_china;
use crate::protocol::models::{CertificateEntry, CertificatesResponse};
use crate::protocol::resource;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub async fn list(State(state): State<Arc<SandboxState>>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let req = Received {
        method: &method,
        uri: &uri,
        headers: &headers,
        body: b"",
    };
    let merchant = match admit(&state, &req) {
        Ok(m) => m,
        Err(refused) => return *refused,
    };
    // `algorithm_type=SM2` lists the SM2 platform certificates, encrypted
    // `AEAD_SM4_GCM` (wechatpay-java shangmi); otherwise the RSA ones.
    let sm2 = uri
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair == "algorithm_type=SM2"));
    let platforms = if sm2 {
        state.sm2_platform().into_iter().collect()
    } else {
        state.platforms()
    };
    let entries: Result<Vec<CertificateEntry>, _> = platforms
        .iter()
        .map(|platform| {
            let pem = platform.certificate_pem.as_bytes();
            if sm2 {
                resource::encrypt_sm4(&merchant.apiv3_key, "certificate", None, pem)
            } else {
                resource::encrypt(&merchant.apiv3_key, "certificate", None, pem)
            }
            .and_then(|sealed| {
                Ok(CertificateEntry {
                    serial_no: platform.certificate_serial.clone(),
                    effective_time: rfc3339_china(platform.not_before_s * 1000)?,
                    expire_time: rfc3339_china(platform.not_after_s * 1000)?,
                    encrypt_certificate: sealed,
                })
            })
        })
        .collect();
    match entries {
        Ok(data) => signed_json(&state, &merchant, StatusCode::OK, &CertificatesResponse { data }),
        Err(_) => signed_error(
            &state,
            &merchant,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        ),
    }
}

/// The sandbox's platform rotates to the committed second test identity
/// (once; again is a no-op): it signs from now on, and both certificates
/// are listed. Answers the identity that signs now.
pub async fn rotate(State(state): State<Arc<SandboxState>>) -> Response {
    let current = state.platform();
    if current.public_key_id != TEST_NEXT_PLATFORM_PUBLIC_KEY_ID {
        match SandboxPlatform::next_test_fixture() {
            Ok(next) => state.rotate_platform(next),
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
    let now = state.platform();
    axum::Json(serde_json::json!({
        "certificate_serial": now.certificate_serial,
        "certificate": now.certificate_pem,
        "public_key_id": now.public_key_id,
        "public_key": TEST_NEXT_PLATFORM_PUBLIC_KEY,
    }))
    .into_response()
}

//! `GET /v3/certificates`: the platform certificates, each encrypted with
//! the calling merchant's APIv3 key (AAD `certificate`), as the SDKs'
//! certificate downloaders expect.

use super::SandboxState;
use super::wire::{Received, admit, signed_error, signed_json};
use crate::protocol::clock::rfc3339_china;
use crate::protocol::models::{CertificateEntry, CertificatesResponse};
use crate::protocol::resource;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
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
    let platform = &state.platform;
    let entry = resource::encrypt(
        &merchant.apiv3_key,
        "certificate",
        None,
        platform.certificate_pem.as_bytes(),
    )
    .and_then(|sealed| {
        Ok(CertificateEntry {
            serial_no: platform.certificate_serial.clone(),
            effective_time: rfc3339_china(platform.not_before_s * 1000)?,
            expire_time: rfc3339_china(platform.not_after_s * 1000)?,
            encrypt_certificate: sealed,
        })
    });
    match entry {
        Ok(entry) => signed_json(
            &state,
            &merchant,
            StatusCode::OK,
            &CertificatesResponse { data: vec![entry] },
        ),
        Err(_) => signed_error(
            &state,
            &merchant,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        ),
    }
}

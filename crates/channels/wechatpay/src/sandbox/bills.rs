//! Trade bills built from the sandbox's own books, served the v3 way:
//! `tradebill` answers a signed `{hash_type, hash_value, download_url}`,
//! the file itself comes from `billdownload/file?token=…`.

use super::SandboxState;
use super::store::lock;
use super::wire::{Received, admit, param_error, signed_error, signed_json};
use crate::protocol::bill::{BillLine, RefundColumns, render, sha1_hex};
use crate::protocol::clock::china_date;
use crate::protocol::models::BillResponse;
use crate::protocol::states::refund_status;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use juhe_domain::Rounding;
use juhe_domain::money::mul_div;
use rand::Rng;
use serde::Deserialize;
use std::sync::Arc;
use time::Date;
use time::macros::format_description;

/// The sandbox charges WeChat's common 0.6% rate.
const FEE_RATE_PER_MILLE: i64 = 6;
const FEE_RATE_TEXT: &str = "0.60%";

#[derive(Debug, Deserialize)]
pub struct BillQuery {
    bill_date: String,
    #[serde(default)]
    bill_type: Option<String>,
    #[serde(default)]
    tar_type: Option<String>,
}

pub async fn trade_bill(
    State(state): State<Arc<SandboxState>>,
    Query(q): Query<BillQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
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
    let Ok(date) = Date::parse(&q.bill_date, format_description!("[year]-[month]-[day]")) else {
        return param_error(&state, &merchant, "bill_date格式错误，应为yyyy-MM-dd");
    };
    let kind = q.bill_type.as_deref().unwrap_or("ALL");
    if !matches!(kind, "ALL" | "SUCCESS" | "REFUND") {
        return param_error(&state, &merchant, "bill_type取值错误");
    }
    let gzip = match q.tar_type.as_deref() {
        None => false,
        Some("GZIP") => true,
        Some(_) => return param_error(&state, &merchant, "tar_type取值错误，仅支持GZIP"),
    };
    let lines = match bill_lines(&state, &merchant.mchid, date, kind) {
        Ok(lines) => lines,
        Err(_) => return param_error(&state, &merchant, "金额超出范围"),
    };
    if lines.is_empty() {
        return signed_error(
            &state,
            &merchant,
            StatusCode::BAD_REQUEST,
            "NO_STATEMENT_EXIST",
            "要下载的账单不存在",
        );
    }
    let Ok(bytes) = render(&lines) else {
        return signed_error(
            &state,
            &merchant,
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        );
    };
    let token = download_token();
    // hash_value is the digest of the original bill, before any gzip.
    let hash_value = sha1_hex(&bytes);
    let served = if gzip {
        match gzipped(&bytes) {
            Ok(packed) => packed,
            Err(_) => {
                return signed_error(
                    &state,
                    &merchant,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "SYSTEM_ERROR",
                    "系统错误",
                );
            }
        }
    } else {
        bytes
    };
    lock(&state.books.bills).insert(token.clone(), served);
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    signed_json(
        &state,
        &merchant,
        StatusCode::OK,
        &BillResponse {
            hash_type: "SHA1".into(),
            hash_value,
            download_url: format!("http://{host}/v3/billdownload/file?token={token}"),
        },
    )
}

fn gzipped(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn download_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::thread_rng();
    (0..64)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn fee(fen: i64) -> Result<i64, juhe_domain::DomainError> {
    mul_div(fen, FEE_RATE_PER_MILLE, 1000, Rounding::HalfUp)
}

/// Payments paid on `date` (Beijing time) and refunds that succeeded on it.
fn bill_lines(
    state: &SandboxState,
    mchid: &str,
    date: Date,
    kind: &str,
) -> Result<Vec<BillLine>, juhe_domain::DomainError> {
    let orders = lock(&state.books.orders);
    let mut lines = Vec::new();
    if kind != "REFUND" {
        for o in orders.values().filter(|o| o.mchid == mchid) {
            let Some(paid_ms) = o.success_ms.filter(|ms| china_date(*ms) == Some(date)) else {
                continue;
            };
            lines.push(BillLine {
                time_ms: paid_ms,
                appid: o.appid.clone(),
                mchid: o.mchid.clone(),
                transaction_id: o.transaction_id.clone().unwrap_or_default(),
                out_trade_no: o.out_trade_no.clone(),
                openid: o.openid.clone().unwrap_or_default(),
                trade_type: o.trade_type.clone(),
                bank_type: "OTHERS".into(),
                order_fen: o.total,
                refund: None,
                description: o.description.clone(),
                attach: o.attach.clone().unwrap_or_default(),
                fee_fen: fee(o.total)?,
                rate: FEE_RATE_TEXT.into(),
            });
        }
    }
    if kind != "SUCCESS" {
        let refunds = lock(&state.books.refunds);
        for r in refunds
            .values()
            .filter(|r| r.mchid == mchid && r.status == refund_status::SUCCESS)
        {
            let Some(done_ms) = r.success_ms.filter(|ms| china_date(*ms) == Some(date)) else {
                continue;
            };
            let order = orders
                .values()
                .find(|o| o.mchid == mchid && o.out_trade_no == r.out_trade_no);
            lines.push(BillLine {
                time_ms: done_ms,
                appid: order.map(|o| o.appid.clone()).unwrap_or_default(),
                mchid: r.mchid.clone(),
                transaction_id: r.transaction_id.clone(),
                out_trade_no: r.out_trade_no.clone(),
                openid: order.and_then(|o| o.openid.clone()).unwrap_or_default(),
                trade_type: order.map(|o| o.trade_type.clone()).unwrap_or_default(),
                bank_type: "OTHERS".into(),
                order_fen: 0,
                refund: Some(RefundColumns {
                    refund_id: r.refund_id.clone(),
                    out_refund_no: r.out_refund_no.clone(),
                    refund_fen: r.refund,
                    refund_type: "ORIGINAL".into(),
                    refund_status: refund_status::SUCCESS.into(),
                }),
                description: order.map(|o| o.description.clone()).unwrap_or_default(),
                attach: order.and_then(|o| o.attach.clone()).unwrap_or_default(),
                fee_fen: -fee(r.refund)?,
                rate: FEE_RATE_TEXT.into(),
            });
        }
    }
    lines.sort_by_key(|l| l.time_ms);
    Ok(lines)
}

#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    token: String,
}

/// The file, unsigned, as raw bytes; its integrity is the SHA-1 above.
pub async fn download(
    State(state): State<Arc<SandboxState>>,
    Query(q): Query<DownloadQuery>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
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
    let Some(bytes) = lock(&state.books.bills).get(&q.token).cloned() else {
        return signed_error(
            &state,
            &merchant,
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "token无效或已过期",
        );
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/octet-stream"));
    response
}

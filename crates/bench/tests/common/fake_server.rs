//! A stand-in juhe server for tests and local runs: `/healthz` and fake `/v1/customers`,
//! `/v1/topups`, `/v1/payments` that check the request signature (and nonce reuse) like the real
//! one and keep one wallet balance, answering 402 insufficient_funds when it runs out.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

pub const APP_ID: &str = "app_bench_test";
pub const APP_SECRET: &str = "test-app-secret";

struct Fake {
    balance: AtomicI64,
    next_id: AtomicU64,
    nonces: Mutex<HashSet<String>>,
}

/// Starts the fake server on `addr` (port 0 for any) and returns where it listens.
pub async fn spawn(addr: SocketAddr) -> std::io::Result<SocketAddr> {
    let state = Arc::new(Fake {
        balance: AtomicI64::new(0),
        next_id: AtomicU64::new(1),
        nonces: Mutex::new(HashSet::new()),
    });
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/customers", post(customers))
        .route("/v1/topups", post(topups))
        .route("/v1/payments", post(payments))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(local)
}

/// Writes a demo.json like the real server's into `dir`.
pub fn write_demo_json(dir: &Path, addr: SocketAddr, app_secret: &str) -> std::io::Result<()> {
    let demo = json!({
        "base_url": format!("http://{addr}"),
        "merchant_id": "mch_test",
        "app_id": APP_ID,
        "app_secret": app_secret,
        "webhook_secret": "whsec_test",
        "customer_id": "cus_demo",
    });
    std::fs::write(dir.join("demo.json"), demo.to_string())
}

/// An error answer's status and code.
type Rejection = (StatusCode, &'static str);

fn error((status, code): Rejection) -> Response {
    (status, axum::Json(json!({"error": {"code": code, "message": code}}))).into_response()
}

/// Checks `Authorization` the way juhe does; `Err` is the error answer.
fn authenticate(fake: &Fake, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
    let unauthorized = || (StatusCode::UNAUTHORIZED, "unauthorized");
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthorized)?;
    let params = header.strip_prefix("JUHE-HMAC-SHA256 ").ok_or_else(unauthorized)?;
    let mut fields = [None; 4];
    for part in params.split(',') {
        let (k, v) = part.split_once('=').ok_or_else(unauthorized)?;
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(unauthorized)?;
        let slot = ["app_id", "timestamp", "nonce", "signature"]
            .iter()
            .position(|name| *name == k)
            .ok_or_else(unauthorized)?;
        fields[slot] = Some(v);
    }
    let [Some(app_id), Some(timestamp), Some(nonce), Some(signature)] = fields else {
        return Err(unauthorized());
    };
    if app_id != APP_ID {
        return Err(unauthorized());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if timestamp.parse::<u64>().map_or(true, |ts| ts.abs_diff(now) > 300) {
        return Err((StatusCode::UNAUTHORIZED, "stale_timestamp"));
    }
    let path = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let message = juhe_crypto::request_string_to_sign(method.as_str(), path, timestamp, nonce, body);
    if !juhe_crypto::verify_hmac_sha256_base64(APP_SECRET.as_bytes(), &message, signature) {
        return Err((StatusCode::UNAUTHORIZED, "bad_signature"));
    }
    let fresh = fake
        .nonces
        .lock()
        .map(|mut n| n.insert(nonce.to_owned()))
        .unwrap_or(false);
    if !fresh {
        return Err((StatusCode::UNAUTHORIZED, "reused_nonce"));
    }
    Ok(())
}

fn parse(body: &[u8]) -> Result<Value, Rejection> {
    serde_json::from_slice(body).map_err(|_| (StatusCode::BAD_REQUEST, "malformed_json"))
}

async fn customers(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = authenticate(&fake, &method, &uri, &headers, &body) {
        return error(e);
    }
    let req = match parse(&body) {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let id = format!("cus_{}", fake.next_id.fetch_add(1, Ordering::Relaxed));
    (StatusCode::CREATED, axum::Json(json!({"id": id, "name": req["name"]}))).into_response()
}

async fn topups(State(fake): State<Arc<Fake>>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(e) = authenticate(&fake, &method, &uri, &headers, &body) {
        return error(e);
    }
    let req = match parse(&body) {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let Some(amount) = req["amount"].as_i64().filter(|a| *a > 0) else {
        return error((StatusCode::BAD_REQUEST, "invalid_amount"));
    };
    fake.balance.fetch_add(amount, Ordering::SeqCst);
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": "top_1", "status": "succeeded"})),
    )
        .into_response()
}

async fn payments(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = authenticate(&fake, &method, &uri, &headers, &body) {
        return error(e);
    }
    if !headers.contains_key("idempotency-key") {
        return error((StatusCode::BAD_REQUEST, "invalid_request"));
    }
    let req = match parse(&body) {
        Ok(v) => v,
        Err(e) => return error(e),
    };
    let Some(amount) = req["amount"].as_i64().filter(|a| *a > 0) else {
        return error((StatusCode::BAD_REQUEST, "invalid_amount"));
    };
    if req["way"] != "wallet" || !req["payer"]["customer_id"].is_string() {
        return error((StatusCode::BAD_REQUEST, "invalid_request"));
    }
    let debited = fake.balance.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| {
        (b >= amount).then(|| b - amount)
    });
    if debited.is_err() {
        return error((StatusCode::PAYMENT_REQUIRED, "insufficient_funds"));
    }
    let id = format!("pay_{}", fake.next_id.fetch_add(1, Ordering::Relaxed));
    let answer = json!({
        "id": id,
        "merchant_order_no": req["merchant_order_no"],
        "amount": amount,
        "currency": req["currency"],
        "status": "succeeded",
    });
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

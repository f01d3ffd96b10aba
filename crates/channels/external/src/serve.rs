//! The service side of the operation calls: exposes any `Channel` as an
//! external channel service. Every call must carry juhe's signature (the
//! secret of the current registration, ±300 s, nonce not seen before);
//! every answer is signed the same way, so juhe can tell the service's
//! word from anything else on the path.

use crate::session::{Credentials, ServiceSession};
use crate::signing::{self, SignedHeaders};
use crate::wire::{
    AnswerBody, CallBody, Done, PROTOCOL_VERSION, WireBillFile, WireBillRequest, WireCreateOutcome, WireCreatePayment,
    WireCreateRefund, WireError, WireInbound, WireNotification, WirePaymentRef, WirePaymentState, WireRefundRef,
    WireRefundReport, operation_path,
};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use juhe_channel::{Channel, ChannelConfig, ChannelError, Operation};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
struct ServeState {
    channel: Arc<dyn Channel>,
    session: Arc<ServiceSession>,
    /// Nonces seen within the window, with their timestamps (replay guard).
    nonces: Arc<Mutex<HashMap<String, i64>>>,
}

/// The router of a channel service: `POST /create`, `/query`, `/close`,
/// `/reverse`, `/refund`, `/refund-query`, `/notification`, `/bill`.
pub fn serve_channel(channel: Arc<dyn Channel>, session: Arc<ServiceSession>) -> Router {
    Router::new()
        .route("/{operation}", post(handle))
        .with_state(ServeState {
            channel,
            session,
            nonces: Arc::new(Mutex::new(HashMap::new())),
        })
}

fn operation_named(name: &str) -> Option<Operation> {
    Operation::ALL
        .iter()
        .copied()
        .find(|op| operation_path(*op).trim_start_matches('/') == name)
}

/// A signed protocol answer.
fn signed_answer<T: Serialize>(
    creds: &Credentials,
    path: &str,
    status: StatusCode,
    answer: &AnswerBody<T>,
) -> Response {
    let body = match serde_json::to_vec(answer) {
        Ok(b) => b,
        // Unsigned: juhe reads it as `unknown`, which is right for a
        // service that failed after the channel may have acted.
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, format!("encoding the answer: {e}")).into_response(),
    };
    let signed = signing::sign(&creds.secret, &creds.service_id, "POST", path, &body);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    for (name, value) in signed.pairs() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    response
}

fn error_answer(creds: &Credentials, path: &str, status: StatusCode, e: &ChannelError) -> Response {
    let answer: AnswerBody<()> = AnswerBody {
        protocol: PROTOCOL_VERSION,
        result: None,
        error: Some(WireError::from(e)),
    };
    signed_answer(creds, path, status, &answer)
}

fn result_answer<T: Serialize>(creds: &Credentials, path: &str, result: Result<T, ChannelError>) -> Response {
    match result {
        Ok(value) => signed_answer(
            creds,
            path,
            StatusCode::OK,
            &AnswerBody {
                protocol: PROTOCOL_VERSION,
                result: Some(value),
                error: None,
            },
        ),
        Err(e) => error_answer(creds, path, StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

/// Checks juhe's signature and the nonce. A refusal is `not_sent`: the
/// service did nothing with the call.
fn authenticate(
    state: &ServeState,
    creds: &Credentials,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
) -> Result<(), String> {
    let signed =
        SignedHeaders::read(|name| headers.get(name).and_then(|v| v.to_str().ok())).map_err(|e| e.to_string())?;
    if !signing::constant_time_eq(signed.service_id.as_bytes(), creds.service_id.as_bytes()) {
        return Err("signed for another service id".into());
    }
    let now = signing::now_s();
    signing::verify(&creds.secret, &signed, "POST", path, body, now).map_err(|e| e.to_string())?;
    let mut nonces = match state.nonces.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    nonces.retain(|_, ts| (now - *ts).abs() <= signing::WINDOW_S);
    if nonces.contains_key(&signed.nonce) {
        return Err("nonce already used".into());
    }
    let ts = signed.timestamp.parse().unwrap_or(now);
    nonces.insert(signed.nonce, ts);
    Ok(())
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<(ChannelConfig, T), ChannelError> {
    let call: CallBody<T> =
        serde_json::from_slice(body).map_err(|e| ChannelError::NotSent(format!("malformed call: {e}")))?;
    if call.protocol != PROTOCOL_VERSION {
        return Err(ChannelError::NotSent(format!(
            "protocol {} is not spoken here",
            call.protocol
        )));
    }
    Ok((call.config.into_config(), call.request))
}

async fn handle(
    State(state): State<ServeState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(op) = operation_named(&name) else {
        return (StatusCode::NOT_FOUND, "no such operation").into_response();
    };
    let path = operation_path(op);
    let Some(creds) = state.session.current() else {
        // Not registered: no secret to sign with. juhe reads this as
        // `unknown`, which costs a query, never money.
        return (StatusCode::SERVICE_UNAVAILABLE, "service not registered").into_response();
    };
    if let Err(reason) = authenticate(&state, &creds, &headers, path, &body) {
        let e = ChannelError::NotSent(format!("signature rejected: {reason}"));
        return error_answer(&creds, path, StatusCode::UNAUTHORIZED, &e);
    }
    let channel = &state.channel;
    match op {
        Operation::Create => match parse::<WireCreatePayment>(&body) {
            Ok((cfg, req)) => {
                let result = channel
                    .create(&cfg, &req.into_request())
                    .await
                    .map(WireCreateOutcome::from);
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
        Operation::Query => match parse::<WirePaymentRef>(&body) {
            Ok((cfg, req)) => {
                let result = channel
                    .query(&cfg, &req.into())
                    .await
                    .map(|s| WirePaymentState::from(&s));
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
        Operation::Close => match parse::<WirePaymentRef>(&body) {
            Ok((cfg, req)) => {
                let result = channel.close(&cfg, &req.into()).await.map(|()| Done { done: true });
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
        Operation::Reverse => match parse::<WirePaymentRef>(&body) {
            Ok((cfg, req)) => {
                let result = channel.reverse(&cfg, &req.into()).await.map(|()| Done { done: true });
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
        Operation::Refund => match parse::<WireCreateRefund>(&body) {
            Ok((cfg, req)) => {
                let result = channel.refund(&cfg, &req.into()).await.map(WireRefundReport::from);
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
        Operation::RefundQuery => match parse::<WireRefundRef>(&body) {
            Ok((cfg, req)) => {
                let result = channel
                    .query_refund(&cfg, &req.into())
                    .await
                    .map(WireRefundReport::from);
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
        Operation::Notification => match parse::<WireInbound>(&body) {
            Ok((cfg, req)) => {
                let result = match req.into_request() {
                    Ok(inbound) => channel
                        .parse_notification(&cfg, &inbound)
                        .await
                        .map(WireNotification::from),
                    Err(m) => Err(ChannelError::BadNotification(m)),
                };
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
        Operation::Bill => match parse::<WireBillRequest>(&body) {
            Ok((cfg, req)) => {
                let result = match req.into_request() {
                    Ok(bill) => channel.download_bill(&cfg, &bill).await.map(WireBillFile::from),
                    Err(m) => Err(ChannelError::Config(m)),
                };
                result_answer(&creds, path, result)
            }
            Err(e) => error_answer(&creds, path, StatusCode::BAD_REQUEST, &e),
        },
    }
}

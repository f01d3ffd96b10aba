//! Inbound channel notifications: `POST /v1/notify/{channel}/{config_id}`.
//! Not signed by juhe's scheme: each channel's own signature is verified by
//! its module; the answer is exactly what that channel expects.

use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use juhe_channel::InboundRequest;
use juhe_store::clock::now_ms;

pub async fn receive(
    State(state): State<AppState>,
    Path((channel, config_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = InboundRequest {
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        query,
        body: body.to_vec(),
        received_at_s: now_ms() / 1000,
    };
    let ack = juhe_service::channels::notify::handle(&state.db, &state.hub, &channel, &config_id, request).await;
    let status = StatusCode::from_u16(ack.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // Declared content types are checked at registration; anything that is
    // still no header value goes out as text rather than failing the answer.
    let content_type = header::HeaderValue::from_str(&ack.content_type)
        .unwrap_or(header::HeaderValue::from_static("text/plain; charset=utf-8"));
    (status, [(header::CONTENT_TYPE, content_type)], ack.body).into_response()
}

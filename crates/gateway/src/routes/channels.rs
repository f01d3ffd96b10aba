//! `GET /v1/channels`: the capability matrix — every registered channel,
//! the ways and operations it supports — and, for the calling merchant,
//! which configurations exist and whether they can take payments now.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::{Extension, Json};
use juhe_service::Caller;
use juhe_store::channel_configs;
use juhe_store::clock::now_ms;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    /// wechatpay, alipay, unionpay, bankcard, jdpay, …
    pub code: String,
    pub name: String,
    /// Ways the channel serves.
    pub ways: Vec<String>,
    /// create, query, close, reverse, refund, refund_query, notification, bill.
    pub operations: Vec<String>,
    pub currencies: Vec<String>,
    /// This merchant's configurations of the channel.
    pub configs: Vec<ConfigHealth>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConfigHealth {
    pub id: String,
    pub enabled: bool,
    pub priority: i64,
    /// closed (healthy), open (failing; skipped by routing) or half_open (probing).
    pub circuit: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelList {
    pub object: &'static str,
    pub data: Vec<ChannelView>,
}

#[utoipa::path(get, path = "/v1/channels", tag = "channels",
    responses((status = 200, body = ChannelList)), security(("juhe_hmac" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<ChannelList>, ApiError> {
    let configs = channel_configs::list_for_merchant(state.db.reader(), &caller.merchant_id).await?;
    let now = now_ms();
    let data = state
        .hub
        .registry
        .all()
        .iter()
        .map(|channel| {
            let caps = channel.capabilities();
            ChannelView {
                code: channel.code().to_string(),
                name: channel.display_name().to_string(),
                ways: caps.ways.iter().map(|w| w.as_str().to_string()).collect(),
                operations: caps.operations.iter().map(|o| o.as_str().to_string()).collect(),
                currencies: caps.currencies.iter().map(|c| c.to_string()).collect(),
                configs: configs
                    .iter()
                    .filter(|c| c.channel == channel.code())
                    .map(|c| ConfigHealth {
                        id: c.id.clone(),
                        enabled: c.enabled != 0,
                        priority: c.priority,
                        circuit: if state.hub.breakers.is_available(&c.id, now) {
                            state.hub.breakers.state(&c.id).name().to_string()
                        } else {
                            "open".to_string()
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(ChannelList { object: "list", data }))
}

//! /v1/payments

use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::{ApiError, ErrorBody};
use crate::idempotency;
use crate::json::JsonBody;
use crate::path::Path;
use crate::state::AppState;
use crate::validate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use juhe_channel::request::CardPresent;
use juhe_domain::ErrorCode;
use juhe_domain::payment::PaymentStatus;
use juhe_domain::way::Way;
use juhe_service::Caller;
use juhe_service::payments::{ChannelInput, DEFAULT_EXPIRE_SECONDS, MAX_EXPIRE_SECONDS, NewPayment};
use juhe_service::views::PaymentView;
use juhe_store::clock::parse_rfc3339;
use juhe_store::payments::ListFilter;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePayment {
    /// Unique per app. Repeating it with identical fields returns the existing payment.
    #[schema(example = "ORDER-20261122-0001")]
    pub merchant_order_no: String,
    /// Minor units (fen), 1 ..= 10^15.
    #[schema(value_type = i64, example = 1999)]
    pub amount: serde_json::Value,
    #[schema(example = "CNY")]
    pub currency: Option<String>,
    #[schema(example = "92# 汽油 20 L")]
    pub subject: String,
    /// wallet (served now); qr, barcode, jsapi, h5, app, card, plate, cash arrive with channels.
    #[schema(example = "wallet")]
    pub way: String,
    #[serde(default, deserialize_with = "crate::json::object")]
    pub payer: Option<PayerInput>,
    /// Where this payment's webhooks go; defaults to the app's URL.
    pub notify_url: Option<String>,
    /// Seconds the payment may stay unpaid (60 ..= 604800, default 7200).
    pub expire_seconds: Option<i64>,
    /// Up to 50 keys, 4 KiB; returned as given.
    #[schema(value_type = Object)]
    pub metadata: Option<serde_json::Value>,
    /// `h5`: where the payer's browser returns after paying.
    pub return_url: Option<String>,
    /// The terminal and site where the payer stands (lane, POS, kiosk).
    pub terminal_id: Option<String>,
    pub site_id: Option<String>,
    /// The staff member taking the payment (required for `cash`, with `terminal_id`).
    pub operator_id: Option<String>,
    /// `card`: the card as the terminal read it. Passed to the acquirer and
    /// dropped: juhe keeps only BIN and last four.
    #[serde(default, deserialize_with = "crate::json::object")]
    pub card: Option<CardInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerInput {
    /// `wallet`: the paying customer.
    pub customer_id: Option<String>,
    /// `barcode`: the payment code shown by the payer (WeChat 10–15…, Alipay 25–30…, UnionPay 62…).
    pub auth_code: Option<String>,
    /// `jsapi`: the payer's id at the channel (WeChat openid, Alipay buyer id).
    pub channel_user_id: Option<String>,
    /// `h5`: the payer's IP address.
    pub client_ip: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CardInput {
    pub pan: String,
    pub track2: Option<String>,
    /// YYMM.
    pub expiry: Option<String>,
    /// ISO 8583 POS entry mode, e.g. 051 (chip + PIN), 071 (contactless).
    pub entry_mode: String,
    /// Encrypted PIN block from the PIN pad (hex); never stored.
    pub pin_block: Option<String>,
    /// EMV data (field 55), hex.
    pub icc_data: Option<String>,
    pub sequence: Option<String>,
}

#[utoipa::path(post, path = "/v1/payments", tag = "payments", request_body = CreatePayment,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses(
        (status = 201, body = PaymentView, description = "Created; a wallet payment is already succeeded"),
        (status = 200, body = PaymentView, description = "Existing payment with this order number and identical fields"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 402, body = ErrorBody, description = "insufficient_funds"),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("juhe_hmac" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    write: idempotency::WriteRequest,
    JsonBody(body): JsonBody<CreatePayment>,
) -> Result<Response, ApiError> {
    validate::merchant_no("merchant_order_no", &body.merchant_order_no)?;
    let currency = validate::currency(body.currency.as_deref())?;
    let money = validate::amount(&body.amount, currency)?;
    validate::text("subject", &body.subject, 128)?;
    let way = Way::parse(&body.way)
        .ok_or_else(|| ApiError::new(ErrorCode::UnsupportedWay, format!("unknown way {:?}", body.way)))?;
    if let Some(url) = &body.notify_url {
        validate::notify_url(url)?;
    }
    let expire_seconds = body.expire_seconds.unwrap_or(DEFAULT_EXPIRE_SECONDS);
    if !(60..=MAX_EXPIRE_SECONDS).contains(&expire_seconds) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("expire_seconds must be within 60..={MAX_EXPIRE_SECONDS}"),
        ));
    }
    let metadata = body.metadata.as_ref().map(validate::metadata).transpose()?;
    let payer = body.payer.unwrap_or(PayerInput {
        customer_id: None,
        auth_code: None,
        channel_user_id: None,
        client_ip: None,
    });
    let place = Place {
        terminal_id: body.terminal_id,
        site_id: body.site_id,
        operator_id: body.operator_id,
    };
    let channel = channel_input(way, &payer, &body.return_url, place)?;
    let card = card_input(way, body.card)?;
    let input = NewPayment {
        merchant_order_no: body.merchant_order_no,
        money,
        subject: body.subject,
        way,
        payer_customer_id: payer.customer_id,
        notify_url: body.notify_url,
        metadata,
        expire_seconds,
        channel,
    };
    if way != Way::Wallet && way != Way::Cash {
        return super::channel_payments::create(state, caller, write, input, card).await;
    }
    let input = Arc::new(input);
    let caller = Arc::new(caller);
    let op = idempotency::operation(move |tx| {
        let (caller, input) = (caller.clone(), input.clone());
        Box::pin(async move {
            let (row, created) = juhe_service::payments::create(&mut *tx, &caller, &input).await?;
            Ok((
                idempotency::created_or_ok(created),
                idempotency::to_json(&PaymentView::from(&row))?,
            ))
        })
    });
    Ok(idempotency::run(&state, write, op).await)
}

/// Where a payment is taken and by whom.
struct Place {
    terminal_id: Option<String>,
    site_id: Option<String>,
    operator_id: Option<String>,
}

/// Checks what each way needs from the payer, and nothing more.
fn channel_input(
    way: Way,
    payer: &PayerInput,
    return_url: &Option<String>,
    place: Place,
) -> Result<ChannelInput, ApiError> {
    let required = |field: &str, v: &Option<String>| -> Result<(), ApiError> {
        match v {
            Some(s) if !s.is_empty() => Ok(()),
            _ => Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!("{field} is required for way {}", way.as_str()),
            )),
        }
    };
    match way {
        Way::Barcode => required("payer.auth_code", &payer.auth_code)?,
        Way::Jsapi => required("payer.channel_user_id", &payer.channel_user_id)?,
        Way::H5 => required("payer.client_ip", &payer.client_ip)?,
        Way::Wallet => required("payer.customer_id", &payer.customer_id)?,
        Way::Cash => {
            required("terminal_id", &place.terminal_id)?;
            required("operator_id", &place.operator_id)?;
        }
        _ => {}
    }
    if let Some(code) = &payer.auth_code
        && (code.len() > 32 || !code.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "payer.auth_code must be digits",
        ));
    }
    for (field, value, max) in [
        ("payer.channel_user_id", &payer.channel_user_id, 128),
        ("payer.client_ip", &payer.client_ip, 45),
        ("terminal_id", &place.terminal_id, 64),
        ("site_id", &place.site_id, 64),
        ("operator_id", &place.operator_id, 64),
    ] {
        if let Some(v) = value {
            validate::text(field, v, max)?;
        }
    }
    if let Some(url) = return_url {
        validate::notify_url(url)?;
    }
    Ok(ChannelInput {
        auth_code: payer.auth_code.clone(),
        payer_id: payer.channel_user_id.clone(),
        payer_ip: payer.client_ip.clone(),
        return_url: return_url.clone(),
        terminal_id: place.terminal_id,
        site_id: place.site_id,
        operator_id: place.operator_id,
    })
}

fn card_input(way: Way, card: Option<CardInput>) -> Result<Option<CardPresent>, ApiError> {
    match (way, card) {
        (Way::Card, Some(c)) => {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits(&c.pan) || !(12..=19).contains(&c.pan.len()) {
                return Err(ApiError::new(
                    ErrorCode::InvalidRequest,
                    "card.pan must be 12 to 19 digits",
                ));
            }
            if !digits(&c.entry_mode) || c.entry_mode.len() != 3 {
                return Err(ApiError::new(
                    ErrorCode::InvalidRequest,
                    "card.entry_mode must be 3 digits",
                ));
            }
            let hex = |s: &Option<String>| s.as_deref().is_none_or(|v| v.bytes().all(|b| b.is_ascii_hexdigit()));
            if !hex(&c.pin_block) || !hex(&c.icc_data) {
                return Err(ApiError::new(
                    ErrorCode::InvalidRequest,
                    "card.pin_block and card.icc_data must be hex",
                ));
            }
            Ok(Some(CardPresent {
                pan: c.pan,
                track2: c.track2,
                expiry: c.expiry,
                entry_mode: c.entry_mode,
                pin_block: c.pin_block,
                icc_data: c.icc_data,
                sequence: c.sequence,
            }))
        }
        (Way::Card, None) => Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "card is required for way card",
        )),
        (_, Some(_)) => Err(ApiError::new(
            ErrorCode::InvalidRequest,
            "card is only accepted for way card",
        )),
        (_, None) => Ok(None),
    }
}

#[utoipa::path(get, path = "/v1/payments/{id}", tag = "payments", params(("id" = String, Path)),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody)), security(("juhe_hmac" = [])))]
pub async fn fetch(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Json<PaymentView>, ApiError> {
    let row = juhe_store::payments::get(state.db.reader(), &caller.merchant_id, &id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    Ok(Json(PaymentView::from(&row)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Look one payment up by the calling app's order number (answers the payment itself, or 404).
    pub merchant_order_no: Option<String>,
    /// created, processing, succeeded, failed or closed.
    pub status: Option<String>,
    /// RFC 3339; payments created at or after.
    pub created_from: Option<String>,
    /// RFC 3339; payments created before.
    pub created_to: Option<String>,
    /// 1 ..= 100, default 20.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentPage {
    pub object: &'static str,
    pub data: Vec<PaymentView>,
    pub has_more: bool,
    /// Pass as `cursor` to get the next (older) page.
    pub next_cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/payments", tag = "payments", params(ListQuery),
    responses((status = 200, body = PaymentPage, description = "Newest first; or a PaymentView when merchant_order_no is given"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("juhe_hmac" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::new(ErrorCode::InvalidRequest, e.body_text()))?;
    if let Some(no) = q.merchant_order_no {
        let row = juhe_store::payments::get_by_order_no(state.db.reader(), &caller.app_id, &no)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no payment with this merchant_order_no"))?;
        return Ok(Json(PaymentView::from(&row)).into_response());
    }
    if let Some(s) = &q.status
        && PaymentStatus::parse(s).is_none()
    {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("unknown status {s:?}"),
        ));
    }
    let time = |field: &str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
        v.as_deref()
            .map(|s| {
                parse_rfc3339(s)
                    .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, format!("{field} must be RFC 3339")))
            })
            .transpose()
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidRequest,
            format!("limit must be within 1..={MAX_PAGE}"),
        ));
    }
    let filter = ListFilter {
        status: q.status,
        created_from: time("created_from", &q.created_from)?,
        created_to: time("created_to", &q.created_to)?,
        before_id: q.cursor,
        limit: limit + 1,
    };
    let mut rows = juhe_store::payments::list(state.db.reader(), &caller.merchant_id, &filter).await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if has_more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    let page = PaymentPage {
        object: "list",
        data: rows.iter().map(PaymentView::from).collect(),
        has_more,
        next_cursor,
    };
    Ok(Json(page).into_response())
}

#[utoipa::path(post, path = "/v1/payments/{id}/close", tag = "payments", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = PaymentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "illegal_state_transition")),
    security(("juhe_hmac" = [])))]
pub async fn close(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    write: idempotency::WriteRequest,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (caller_id, payment_id) = (caller.clone(), id.clone());
    let caller = Arc::new(caller);
    let id = Arc::new(id);
    let op = idempotency::operation(move |tx| {
        let (caller, id) = (caller.clone(), id.clone());
        Box::pin(async move {
            let row = juhe_service::payments::close(&mut *tx, &caller, &id).await?;
            Ok((
                axum::http::StatusCode::OK,
                idempotency::to_json(&PaymentView::from(&row))?,
            ))
        })
    });
    let response = idempotency::run(&state, write, op).await;
    if !response.status().is_success() {
        return Ok(response);
    }
    let row = juhe_store::payments::get(state.db.reader(), &caller_id.merchant_id, &payment_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    if row.status != PaymentStatus::Processing.as_str() {
        return Ok(Json(PaymentView::from(&row)).into_response());
    }
    // At a channel: close it there now (its task retries if this fails).
    if let Err(e) = juhe_service::channels::tasks::close_at_channel(&state.db, &state.hub, &row.id).await {
        tracing::info!(payment = %row.id, error = %e, "close at the channel not confirmed yet; its task retries");
    }
    let row = juhe_store::payments::get(state.db.reader(), &caller_id.merchant_id, &payment_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such payment"))?;
    if row.status == PaymentStatus::Succeeded.as_str() {
        return Err(ApiError::new(
            ErrorCode::IllegalStateTransition,
            "the payer paid before the payment could be closed; refund it instead",
        ));
    }
    Ok(Json(PaymentView::from(&row)).into_response())
}

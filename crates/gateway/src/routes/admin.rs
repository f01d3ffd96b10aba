//! The platform admin API (`/admin/v1`): merchants' channel configurations
//! (and the rotation of their secrets) and apps' public keys.
//! Authenticated with the platform's bearer token (constant-time compare);
//! disabled when no token is configured. The consoles build on the same
//! service functions.

use crate::error::{ApiError, ErrorBody};
use crate::json::JsonBody;
use crate::path::Path;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use juhe_domain::ErrorCode;
use juhe_service::ServiceError;
use juhe_service::channels::admin as channel_admin;
use juhe_service::channels::configs::{ChannelConfigView, ConfigInput, Rotation};
use juhe_service::identity::Actor;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::ToSchema;

/// Who the admin API acts as in the audit log: the platform's token holder.
fn admin_actor() -> Actor {
    Actor::system("admin-api")
}

pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    let Some(expected) = state.config.admin_token.as_deref() else {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "the admin API is disabled on this node",
        ));
    };
    let given = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or("");
    // Compare MACs keyed by each token: equal only if the tokens are, and
    // the MAC check is constant-time, so the comparison leaks no prefix.
    let probe = b"juhe-admin-token";
    let given_mac = juhe_crypto::hmac_sha256_base64(given.as_bytes(), probe);
    if !juhe_crypto::verify_hmac_sha256_base64(expected.as_bytes(), probe, &given_mac) {
        return Err(ApiError::new(ErrorCode::Unauthorized, "missing or wrong admin token"));
    }
    Ok(next.run(request).await)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigBody {
    /// wechatpay, alipay, unionpay, bankcard, jdpay, …
    pub channel: String,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Plain parameters (merchant numbers, app ids, certificate serials, base_url).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Secret values (private keys, API keys): write-only, sealed at rest.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    #[serde(default)]
    pub fee_bps: i64,
    pub single_limit: Option<i64>,
    pub daily_limit: Option<i64>,
    #[serde(default)]
    pub priority: i64,
}

fn yes() -> bool {
    true
}

impl From<ConfigBody> for ConfigInput {
    fn from(b: ConfigBody) -> ConfigInput {
        ConfigInput {
            channel: b.channel,
            name: b.name,
            enabled: b.enabled,
            params: b.params,
            secrets: b.secrets,
            fee_bps: b.fee_bps,
            single_limit: b.single_limit,
            daily_limit: b.daily_limit,
            priority: b.priority,
        }
    }
}

#[utoipa::path(post, path = "/admin/v1/merchants/{merchant_id}/channel-configs", tag = "admin",
    params(("merchant_id" = String, Path)), request_body = ConfigBody,
    responses((status = 201, body = ChannelConfigView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("admin_token" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Path(merchant_id): Path<String>,
    JsonBody(body): JsonBody<ConfigBody>,
) -> Result<Response, ApiError> {
    let input = Arc::new(ConfigInput::from(body));
    let hub = state.hub.clone();
    let row = state
        .db
        .write(move |tx| {
            let (input, hub, merchant_id) = (input.clone(), hub.clone(), merchant_id.clone());
            Box::pin(async move { channel_admin::create(tx, &admin_actor(), &hub, &merchant_id, &input).await })
        })
        .await
        .map_err(ApiError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(ChannelConfigView::new(&row, &state.hub.public_url)),
    )
        .into_response())
}

#[utoipa::path(put, path = "/admin/v1/merchants/{merchant_id}/channel-configs/{id}", tag = "admin",
    params(("merchant_id" = String, Path), ("id" = String, Path)), request_body = ConfigBody,
    responses((status = 200, body = ChannelConfigView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("admin_token" = [])))]
pub async fn update(
    State(state): State<AppState>,
    Path((merchant_id, id)): Path<(String, String)>,
    JsonBody(body): JsonBody<ConfigBody>,
) -> Result<Json<ChannelConfigView>, ApiError> {
    let input = Arc::new(ConfigInput::from(body));
    let hub = state.hub.clone();
    let row = state
        .db
        .write(move |tx| {
            let (input, hub, merchant_id, id) = (input.clone(), hub.clone(), merchant_id.clone(), id.clone());
            Box::pin(async move { channel_admin::update(tx, &admin_actor(), &hub, &merchant_id, &id, &input).await })
        })
        .await
        .map_err(ApiError::from)?;
    Ok(Json(ChannelConfigView::new(&row, &state.hub.public_url)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateBody {
    /// The new version's value (write-only, sealed at rest).
    pub value: String,
    /// Parameters that change with the new key in the same write (a new
    /// certificate serial, …); others keep their value.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: serde_json::Map<String, serde_json::Value>,
}

#[utoipa::path(post, path = "/admin/v1/merchants/{merchant_id}/channel-configs/{id}/secrets/{name}/versions", tag = "admin",
    params(("merchant_id" = String, Path), ("id" = String, Path), ("name" = String, Path, description = "The secret")),
    request_body = RotateBody,
    responses((status = 201, description = "The new version signs from now on; the previous one keeps verifying and decrypting until retired", body = ChannelConfigView),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("admin_token" = [])))]
pub async fn rotate(
    State(state): State<AppState>,
    Path((merchant_id, id, name)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<RotateBody>,
) -> Result<Response, ApiError> {
    let rotation = Arc::new(Rotation {
        secret: name,
        value: body.value,
        params: body.params,
    });
    let hub = state.hub.clone();
    let row = state
        .db
        .write(move |tx| {
            let (rotation, hub, merchant_id, id) = (rotation.clone(), hub.clone(), merchant_id.clone(), id.clone());
            Box::pin(async move { channel_admin::rotate(tx, &admin_actor(), &hub, &merchant_id, &id, &rotation).await })
        })
        .await
        .map_err(ApiError::from)?;
    Ok((
        StatusCode::CREATED,
        Json(ChannelConfigView::new(&row, &state.hub.public_url)),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/admin/v1/merchants/{merchant_id}/channel-configs/{id}/secrets/{name}/versions/{version}", tag = "admin",
    params(("merchant_id" = String, Path), ("id" = String, Path), ("name" = String, Path), ("version" = u32, Path)),
    responses((status = 200, description = "Retired: nothing made with this version is accepted any more, and its value is deleted", body = ChannelConfigView),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("admin_token" = [])))]
pub async fn retire(
    State(state): State<AppState>,
    Path((merchant_id, id, name, version)): Path<(String, String, String, u32)>,
) -> Result<Json<ChannelConfigView>, ApiError> {
    let hub = state.hub.clone();
    let row = state
        .db
        .write(move |tx| {
            let (merchant_id, id, name, hub) = (merchant_id.clone(), id.clone(), name.clone(), hub.clone());
            Box::pin(
                async move { channel_admin::retire(tx, &admin_actor(), &hub, &merchant_id, &id, &name, version).await },
            )
        })
        .await
        .map_err(ApiError::from)?;
    Ok(Json(ChannelConfigView::new(&row, &state.hub.public_url)))
}

#[utoipa::path(get, path = "/admin/v1/merchants/{merchant_id}/channel-configs", tag = "admin",
    params(("merchant_id" = String, Path)),
    responses((status = 200, body = [ChannelConfigView])), security(("admin_token" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Path(merchant_id): Path<String>,
) -> Result<Json<Vec<ChannelConfigView>>, ApiError> {
    let rows = juhe_store::channel_configs::list_for_merchant(state.db.reader(), &merchant_id).await?;
    if rows.is_empty()
        && juhe_store::merchants::get_merchant(state.db.reader(), &merchant_id)
            .await?
            .is_none()
    {
        return Err(ServiceError::NotFound("merchant").into());
    }
    Ok(Json(
        rows.iter()
            .map(|r| ChannelConfigView::new(r, &state.hub.public_url))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyBody {
    /// PEM (or bare base64) RSA 2048+ or SM2 public key; null returns the app to HMAC signing.
    pub public_key: Option<String>,
}

#[utoipa::path(put, path = "/admin/v1/apps/{app_id}/public-key", tag = "admin",
    params(("app_id" = String, Path)), request_body = PublicKeyBody,
    responses((status = 204, description = "Set: the app now signs with JUHE-SHA256-RSA2048 or JUHE-SM2-WITH-SM3"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("admin_token" = [])))]
pub async fn set_public_key(
    State(state): State<AppState>,
    Path(app_id): Path<String>,
    JsonBody(body): JsonBody<PublicKeyBody>,
) -> Result<StatusCode, ApiError> {
    if let Some(pem) = &body.public_key {
        let key = crate::apps::AppPublicKey::parse(pem)
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidRequest, "public_key is not an RSA or SM2 public key"))?;
        if let crate::apps::AppPublicKey::Rsa(rsa) = &key
            && rsa::traits::PublicKeyParts::size(rsa.inner()) < 256
        {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                "RSA keys must be at least 2048 bits",
            ));
        }
    }
    let forget = app_id.clone();
    let found = state
        .db
        .write(move |tx| {
            let (app_id, key) = (app_id.clone(), body.public_key.clone());
            Box::pin(async move {
                let Some(app) = juhe_store::merchants::get_app_tx(&mut *tx, &app_id).await? else {
                    return Ok::<_, ServiceError>(false);
                };
                juhe_store::merchants::set_app_public_key(&mut *tx, &app_id, key.as_deref()).await?;
                juhe_service::audit::record(
                    &mut *tx,
                    &admin_actor(),
                    juhe_service::audit::Change::new("app.set_public_key", "app", &app_id)
                        .merchant(Some(&app.merchant_id))
                        .before(serde_json::json!({ "signs_with_public_key": app.public_key.is_some() }))
                        .after(serde_json::json!({ "signs_with_public_key": key.is_some() })),
                )
                .await?;
                Ok(true)
            })
        })
        .await
        .map_err(ApiError::from)?;
    if !found {
        return Err(ApiError::new(ErrorCode::NotFound, "no such app"));
    }
    // This node switches at once; others within the app cache's TTL.
    state.apps.forget(&forget);
    Ok(StatusCode::NO_CONTENT)
}

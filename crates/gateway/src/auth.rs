//! Request authentication and replay protection for /v1.
//!
//! `Authorization: JUHE-HMAC-SHA256 app_id="…",timestamp="…",nonce="…",signature="…"`
//! with `signature = base64(HMAC-SHA256(app_secret, METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n))`.
//! An app with its own key pair signs the same string with
//! `JUHE-SHA256-RSA2048` (RSASSA-PKCS1-v1_5, SHA-256) or `JUHE-SM2-WITH-SM3`
//! (SM2 over SM3, default user id), and then only that scheme is accepted.
//! Checked in this order: header shape, clock window, app, signature (in
//! constant time), then the nonce is recorded — only a correctly signed
//! request can use up a nonce.

use crate::apps::{ActiveApp, AppPublicKey};
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use juhe_crypto::AuthScheme;
use juhe_crypto::merchant_auth::{RequestParts, verify_request_rsa, verify_request_sm2};
use juhe_crypto::verify_hmac_sha256_base64;
use juhe_domain::ErrorCode;
use juhe_service::Caller;
use juhe_store::clock::now_ms;

pub use juhe_crypto::AUTH_SCHEME as SCHEME;

/// The parsed Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub scheme: AuthScheme,
    pub app_id: String,
    pub timestamp: i64,
    /// The timestamp exactly as sent (it is part of the signed string).
    pub timestamp_text: String,
    pub nonce: String,
    pub signature: String,
}

/// Parses `SCHEME k="v",k="v",…`, pairs in any order.
pub fn parse_authorization(header: &str) -> Result<Credentials, ApiError> {
    let bad = |m: &str| ApiError::new(ErrorCode::Unauthorized, m.to_string());
    let (scheme_word, rest) = header.split_once(' ').unwrap_or((header, ""));
    let scheme = AuthScheme::parse(scheme_word).ok_or_else(|| {
        bad("Authorization must use the JUHE-HMAC-SHA256, JUHE-SHA256-RSA2048 or JUHE-SM2-WITH-SM3 scheme")
    })?;
    let (mut app_id, mut timestamp, mut nonce, mut signature) = (None, None, None, None);
    for pair in rest.split(',') {
        let (k, v) = pair
            .trim()
            .split_once('=')
            .ok_or_else(|| bad("Authorization pairs are key=\"value\""))?;
        let v = v
            .trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| bad("Authorization values must be double-quoted"))?;
        let slot = match k.trim() {
            "app_id" => &mut app_id,
            "timestamp" => &mut timestamp,
            "nonce" => &mut nonce,
            "signature" => &mut signature,
            _ => continue, // Unknown pairs are ignored, for forward compatibility.
        };
        if slot.replace(v.to_string()).is_some() {
            return Err(bad("a pair appears twice in Authorization"));
        }
    }
    let missing = |name: &str| bad(&format!("Authorization lacks {name}"));
    let app_id = app_id.ok_or_else(|| missing("app_id"))?;
    let timestamp_text = timestamp.ok_or_else(|| missing("timestamp"))?;
    let timestamp = timestamp_text
        .parse::<i64>()
        .map_err(|_| bad("timestamp must be Unix seconds"))?;
    let nonce = nonce.ok_or_else(|| missing("nonce"))?;
    if nonce.is_empty() || nonce.len() > 64 || !nonce.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("nonce must be 1 to 64 visible ASCII characters"));
    }
    let signature = signature.ok_or_else(|| missing("signature"))?;
    Ok(Credentials {
        scheme,
        app_id,
        timestamp,
        timestamp_text,
        nonce,
        signature,
    })
}

/// Middleware for every /v1 route.
pub async fn authenticate(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    let (parts, body) = request.into_parts();
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "missing Authorization header"))?;
    let creds = parse_authorization(header)?;

    let now_secs = now_ms() / 1000;
    // abs_diff: any i64 may arrive here, and `now - timestamp` overflows for the extremes.
    let skew = now_secs.abs_diff(creds.timestamp);
    if skew > state.config.max_clock_skew_secs.unsigned_abs() {
        return Err(ApiError::new(
            ErrorCode::StaleTimestamp,
            format!(
                "timestamp is {skew} s {} the server clock; at most {} allowed",
                if creds.timestamp < now_secs {
                    "behind"
                } else {
                    "ahead of"
                },
                state.config.max_clock_skew_secs
            ),
        ));
    }

    let app = state
        .apps
        .get(&state.db, &state.keys, &creds.app_id)
        .await?
        .filter(|a| a.usable)
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthorized, "unknown or disabled app"))?;

    let bytes: Bytes = axum::body::to_bytes(body, state.config.body_limit).await.map_err(|_| {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body exceeds {} bytes", state.config.body_limit),
        )
    })?;
    let mut verified = verify_with(&app, &creds, &parts, &bytes)?;
    if !verified
        && state
            .apps
            .forget_if_older(&creds.app_id, std::time::Duration::from_secs(1))
        && let Some(fresh) = state
            .apps
            .get(&state.db, &state.keys, &creds.app_id)
            .await?
            .filter(|a| a.usable)
    {
        verified = verify_with(&fresh, &creds, &parts, &bytes)?;
    }
    if !verified {
        return Err(ApiError::new(
            ErrorCode::BadSignature,
            "the signature does not match the request",
        ));
    }

    if let Err(wait) = state.limiter.check(&app.app_id) {
        let mut e = ApiError::new(ErrorCode::RateLimited, "too many requests for this app");
        e.retry_after = Some(wait);
        return Err(e);
    }

    let window_ms = state.config.max_clock_skew_secs * 1000;
    // The nonce is remembered until the timestamp can no longer pass the clock check.
    let nonce = Nonce {
        app_id: app.app_id.clone(),
        nonce: creds.nonce.clone(),
        expires_at: creds.timestamp * 1000 + window_ms + 1000,
    };
    let is_write = parts.method == axum::http::Method::POST;
    if !is_write {
        // Reads record their nonce now; writes record it in the transaction
        // of the write itself (one commit instead of two).
        let n = nonce.clone();
        state
            .db
            .write(move |tx| {
                let n = n.clone();
                Box::pin(async move { n.consume(tx).await })
            })
            .await?;
    }

    let caller = Caller {
        merchant_id: app.merchant_id.clone(),
        app_id: app.app_id.clone(),
        notify_url: app.notify_url.clone(),
        wallet_fee_bps: app.wallet_fee_bps,
    };
    let mut request = Request::from_parts(parts, Body::from(bytes.clone()));
    request.extensions_mut().insert(caller);
    request.extensions_mut().insert(RawBody(bytes));
    if is_write {
        request.extensions_mut().insert(nonce);
    }
    Ok(next.run(request).await)
}

/// Does the request's signature verify under the app's key (HMAC: the
/// current secret, or the previous one during a rotation's grace period)?
/// An app that signs with another scheme than the request's is refused.
fn verify_with(
    app: &ActiveApp,
    creds: &Credentials,
    parts: &axum::http::request::Parts,
    bytes: &[u8],
) -> Result<bool, ApiError> {
    match (creds.scheme, app.public_key.as_deref()) {
        (AuthScheme::HmacSha256, None) => {
            let to_sign = signed_parts(parts, creds, bytes).string_to_sign();
            Ok(app
                .hmac_secrets(juhe_store::clock::now_ms())
                .any(|secret| verify_hmac_sha256_base64(secret.as_bytes(), &to_sign, &creds.signature)))
        }
        (AuthScheme::Sha256Rsa2048, Some(AppPublicKey::Rsa(key))) => Ok(verify_request_rsa(
            key,
            &signed_parts(parts, creds, bytes),
            &creds.signature,
        )),
        (AuthScheme::Sm2WithSm3, Some(AppPublicKey::Sm2(key))) => Ok(verify_request_sm2(
            key,
            &signed_parts(parts, creds, bytes),
            &creds.signature,
        )),
        (_, key) => {
            let expected = key.map(|k| k.scheme()).unwrap_or(AuthScheme::HmacSha256);
            Err(ApiError::new(
                ErrorCode::Unauthorized,
                format!("this app signs with {}", expected.as_str()),
            ))
        }
    }
}

/// The signed parts of the request, for the asymmetric schemes.
fn signed_parts<'a>(parts: &'a axum::http::request::Parts, creds: &'a Credentials, body: &'a [u8]) -> RequestParts<'a> {
    RequestParts {
        method: parts.method.as_str(),
        path_with_query: parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"),
        timestamp: &creds.timestamp_text,
        nonce: &creds.nonce,
        body,
    }
}

/// A signed request's nonce, to be recorded exactly once per app.
#[derive(Debug, Clone)]
pub struct Nonce {
    pub app_id: String,
    pub nonce: String,
    pub expires_at: i64,
}

impl Nonce {
    /// Records the nonce in `tx`; `reused_nonce` if the app already used it.
    /// A write whose nonce is refused changes nothing, since the whole
    /// transaction then rolls back.
    pub async fn consume(&self, tx: juhe_store::Tx<'_>) -> Result<(), ApiError> {
        if juhe_store::nonces::consume(tx, &self.app_id, &self.nonce, now_ms(), self.expires_at).await? {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::ReusedNonce, "this nonce was already used"))
        }
    }
}

/// The exact body bytes that were signed, for handlers that hash them.
#[derive(Clone)]
pub struct RawBody(pub Bytes);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_in_any_order() {
        let c = parse_authorization(
            r#"JUHE-HMAC-SHA256 signature="c2ln",nonce="n1",timestamp="1700000000",app_id="app_1""#,
        )
        .unwrap();
        assert_eq!(
            c,
            Credentials {
                scheme: AuthScheme::HmacSha256,
                app_id: "app_1".into(),
                timestamp: 1_700_000_000,
                timestamp_text: "1700000000".into(),
                nonce: "n1".into(),
                signature: "c2ln".into()
            }
        );
    }

    #[test]
    fn refuses_malformed_headers() {
        for bad in [
            "",
            "Bearer x",
            "JUHE-HMAC-SHA256",
            r#"JUHE-HMAC-SHA256X app_id="a",timestamp="1",nonce="n",signature="s""#,
            r#"JUHE-HMAC-SHA256 app_id="a",timestamp="1",nonce="n""#,
            r#"JUHE-HMAC-SHA256 app_id=a,timestamp="1",nonce="n",signature="s""#,
            r#"JUHE-HMAC-SHA256 app_id="a",timestamp="soon",nonce="n",signature="s""#,
            r#"JUHE-HMAC-SHA256 app_id="a",app_id="b",timestamp="1",nonce="n",signature="s""#,
            r#"JUHE-HMAC-SHA256 app_id="a",timestamp="1",nonce="",signature="s""#,
        ] {
            let e = parse_authorization(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::Unauthorized, "{bad}");
        }
    }
}

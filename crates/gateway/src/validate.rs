//! Field rules shared by the request types. Each failure names the field.

use crate::error::ApiError;
use juhe_domain::money::MAX_AMOUNT;
use juhe_domain::{Currency, ErrorCode, Money};
use serde_json::Value;

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, message)
}

/// A merchant's own number (order, refund, top-up): 1–64 characters of
/// letters, digits and `_-|*.:`, like the channels accept.
pub fn merchant_no(field: &str, value: &str) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-|*.:".contains(&b));
    if !ok {
        return Err(invalid(format!(
            "{field} must be 1 to 64 characters of letters, digits and _-|*.:"
        )));
    }
    Ok(())
}

/// Free text with a length bound in characters; empty is refused if `required`.
pub fn text(field: &str, value: &str, max_chars: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n == 0 || n > max_chars || value.chars().any(|c| c.is_control()) {
        return Err(invalid(format!(
            "{field} must be 1 to {max_chars} characters without control characters"
        )));
    }
    Ok(())
}

/// The amount as sent: it must be a JSON integer, positive, at most MAX_AMOUNT.
/// Taken as a raw JSON value so that `1.5`, `"100"` and `1e30` get the
/// amount error rather than a generic type error.
pub fn amount(value: &Value, currency: Currency) -> Result<Money, ApiError> {
    let n = value.as_i64().filter(|_| value.is_i64() || value.is_u64());
    match n {
        Some(a) => Money::positive(a, currency).map_err(|e| ApiError::new(ErrorCode::InvalidAmount, e.to_string())),
        None => Err(ApiError::new(
            ErrorCode::InvalidAmount,
            format!("amount must be an integer number of minor units from 1 to {MAX_AMOUNT}"),
        )),
    }
}

pub fn currency(value: Option<&str>) -> Result<Currency, ApiError> {
    match value {
        None => Ok(Currency::CNY),
        Some(code) => Currency::parse(code).map_err(|e| ApiError::new(ErrorCode::UnsupportedCurrency, e.to_string())),
    }
}

/// An http(s) URL for webhooks, at most 512 bytes.
pub fn notify_url(value: &str) -> Result<(), ApiError> {
    let ok = value.len() <= 512
        && (value.starts_with("http://") || value.starts_with("https://"))
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ok {
        return Err(invalid(
            "notify_url must be an http:// or https:// URL of at most 512 characters".into(),
        ));
    }
    Ok(())
}

/// Metadata is an object of at most 50 keys and 4 KiB; returned as canonical
/// JSON text (keys sorted at every level) so equal objects compare equal.
pub fn metadata(value: &Value) -> Result<String, ApiError> {
    let Value::Object(map) = value else {
        return Err(invalid("metadata must be a JSON object".into()));
    };
    if map.len() > 50 {
        return Err(invalid("metadata has more than 50 keys".into()));
    }
    let text = canonical(value).to_string();
    if text.len() > 4096 {
        return Err(invalid("metadata is larger than 4096 bytes".into()));
    }
    Ok(text)
}

fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), canonical(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts() {
        let cny = Currency::CNY;
        assert_eq!(amount(&json!(100), cny).unwrap().amount, 100);
        for bad in [
            json!(0),
            json!(-1),
            json!(1.5),
            json!("100"),
            json!(1e30),
            json!(null),
            json!(MAX_AMOUNT + 1),
            json!(u64::MAX),
        ] {
            assert_eq!(amount(&bad, cny).unwrap_err().code, ErrorCode::InvalidAmount, "{bad}");
        }
    }

    #[test]
    fn merchant_numbers() {
        assert!(merchant_no("n", "ORDER-2024_01|a*b.c:d").is_ok());
        for bad in ["", "has space", "中文", &"x".repeat(65)] {
            assert!(merchant_no("n", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn metadata_is_canonical() {
        let a = metadata(&json!({"b": 1, "a": {"y": 2, "x": 1}})).unwrap();
        let b = metadata(&json!({"a": {"x": 1, "y": 2}, "b": 1})).unwrap();
        assert_eq!(a, b);
        assert!(metadata(&json!([1])).is_err());
    }

    #[test]
    fn urls_and_text() {
        assert!(notify_url("https://example.com/hook").is_ok());
        assert!(notify_url("ftp://x").is_err());
        assert!(notify_url("http://a b").is_err());
        assert!(text("subject", "加油 92#", 128).is_ok());
        assert!(text("subject", "", 128).is_err());
        assert!(text("subject", "a\u{0}", 128).is_err());
    }
}

//! WeChat's error answers (`{"code","message"}` with a 4xx/5xx status)
//! classified by what they mean for money (see `juhe_channel::ChannelError`).

use super::models::ErrorBody;
use juhe_channel::ChannelError;
use juhe_channel::http::HttpReply;

/// Business codes that matter to the classification.
pub mod code {
    pub const SIGN_ERROR: &str = "SIGN_ERROR";
    pub const PARAM_ERROR: &str = "PARAM_ERROR";
    pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
    pub const ORDER_NOT_EXIST: &str = "ORDER_NOT_EXIST";
    pub const ORDERNOTEXIST: &str = "ORDERNOTEXIST";
    pub const RESOURCE_NOT_EXISTS: &str = "RESOURCE_NOT_EXISTS";
    pub const ORDERPAID: &str = "ORDERPAID";
    pub const ORDER_CLOSED: &str = "ORDER_CLOSED";
    pub const NOTENOUGH: &str = "NOTENOUGH";
    pub const USERPAYING: &str = "USERPAYING";
    pub const PAYERROR: &str = "PAYERROR";
    pub const FREQUENCY_LIMITED: &str = "FREQUENCY_LIMITED";
    pub const SYSTEM_ERROR: &str = "SYSTEM_ERROR";
    pub const BANKERROR: &str = "BANKERROR";
    pub const MCH_NOT_EXISTS: &str = "MCH_NOT_EXISTS";
    pub const APPID_MCHID_NOT_MATCH: &str = "APPID_MCHID_NOT_MATCH";
    pub const NO_AUTH: &str = "NO_AUTH";
}

/// Which call the answer belongs to: the same code means different things
/// for a create (may money have moved?) and for a close.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Create,
    Query,
    Close,
    Reverse,
    Refund,
    RefundQuery,
    Bill,
}

/// Classifies a non-2xx answer. Never called for 2xx.
pub fn classify(call: Call, reply: &HttpReply) -> ChannelError {
    let status = reply.status;
    let parsed: Option<ErrorBody> = serde_json::from_slice(&reply.body).ok();
    // Too many requests: refused before being processed, whatever the body
    // says (WeChat answers 429 with FREQUENCY_LIMITED).
    if status == 429 || parsed.as_ref().is_some_and(|e| e.code == code::FREQUENCY_LIMITED) {
        let (code, message) = parsed
            .map(|e| (e.code, e.message))
            .unwrap_or_else(|| (code::FREQUENCY_LIMITED.to_string(), format!("HTTP {status}")));
        return ChannelError::rate_limited(code, message, reply.retry_after_ms());
    }
    let Some(error) = parsed else {
        return match status {
            404 => ChannelError::NotFound,
            // An unreadable refusal could still hide an accepted create; only
            // a query may learn the truth.
            _ => ChannelError::Unknown(format!("HTTP {status} without a WeChat error body")),
        };
    };
    let described = || format!("{}: {}", error.code, error.message);
    match error.code.as_str() {
        _ if status >= 500 => ChannelError::Unknown(format!("HTTP {status} {}", described())),
        code::SYSTEM_ERROR | code::BANKERROR => ChannelError::Unknown(described()),
        // The merchant's key, serial or ids are wrong: nothing was done.
        code::SIGN_ERROR | code::MCH_NOT_EXISTS | code::APPID_MCHID_NOT_MATCH | code::NO_AUTH => ChannelError::Config(
            format!("WeChat Pay refused the merchant's credentials: {}", described()),
        ),
        code::ORDER_NOT_EXIST | code::ORDERNOTEXIST | code::RESOURCE_NOT_EXISTS => ChannelError::NotFound,
        // Our order numbers are unique per attempt, so "already paid" on a
        // create means an earlier send of this very request succeeded.
        code::ORDERPAID if call == Call::Create => {
            ChannelError::Unknown(format!("{}; the order must be queried", described()))
        }
        _ => ChannelError::declined(error.code, error.message),
    }
}

/// The business code of an error answer, if it has one.
pub fn error_code(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<ErrorBody>(body).ok().map(|e| e.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str) -> Vec<u8> {
        format!(r#"{{"code":"{code}","message":"m"}}"#).into_bytes()
    }

    fn classify(call: Call, status: u16, body: &[u8]) -> ChannelError {
        super::classify(
            call,
            &HttpReply {
                status,
                headers: Vec::new(),
                body: body.to_vec(),
            },
        )
    }

    #[test]
    fn business_refusals_are_declines() {
        for c in [
            "NOTENOUGH",
            "PARAM_ERROR",
            "INVALID_REQUEST",
            "PAYERROR",
            "ORDER_CLOSED",
        ] {
            let err = classify(Call::Create, 400, &body(c));
            assert!(
                matches!(&err, ChannelError::Declined { code, .. } if code == c),
                "{c}: {err:?}"
            );
        }
    }

    #[test]
    fn system_errors_and_5xx_are_unknown() {
        assert!(matches!(
            classify(Call::Create, 500, &body("SYSTEM_ERROR")),
            ChannelError::Unknown(_)
        ));
        assert!(matches!(
            classify(Call::Refund, 503, &body("X")),
            ChannelError::Unknown(_)
        ));
        assert!(matches!(
            classify(Call::Create, 502, b"<html>"),
            ChannelError::Unknown(_)
        ));
    }

    #[test]
    fn order_paid_is_unknown_only_for_creates() {
        assert!(matches!(
            classify(Call::Create, 403, &body("ORDERPAID")),
            ChannelError::Unknown(_)
        ));
        assert!(matches!(
            classify(Call::Close, 400, &body("ORDERPAID")),
            ChannelError::Declined { .. }
        ));
    }

    #[test]
    fn frequency_limits_are_rate_limits_under_any_status() {
        assert_eq!(
            classify(Call::Create, 429, &body("FREQUENCY_LIMITED")),
            ChannelError::rate_limited("FREQUENCY_LIMITED", "m", None)
        );
        assert!(matches!(
            classify(Call::Refund, 403, &body("FREQUENCY_LIMITED")),
            ChannelError::RateLimited { .. }
        ));
        // A bare 429 is a rate limit too, with the wait it asks for.
        let reply = HttpReply {
            status: 429,
            headers: vec![("retry-after".into(), "2".into())],
            body: b"<html>busy</html>".to_vec(),
        };
        let err = super::classify(Call::Query, &reply);
        assert!(matches!(err, ChannelError::RateLimited { .. }), "{err:?}");
        assert_eq!(err.retry_after_ms(), Some(2_000));
    }

    #[test]
    fn other_classes() {
        assert!(matches!(
            classify(Call::Query, 401, &body("SIGN_ERROR")),
            ChannelError::Config(_)
        ));
        assert_eq!(
            classify(Call::Query, 404, &body("ORDER_NOT_EXIST")),
            ChannelError::NotFound
        );
        assert_eq!(
            classify(Call::RefundQuery, 404, &body("RESOURCE_NOT_EXISTS")),
            ChannelError::NotFound
        );
        assert_eq!(error_code(&body("USERPAYING")).as_deref(), Some("USERPAYING"));
    }
}

//! The JSON bodies of the channel protocol (docs/channel-protocol.md),
//! protocol version 1, and their exact conversions to and from the
//! `juhe_channel` types. Field names here are the protocol; renaming one is
//! a protocol change.

mod declared;
mod error;
mod outcomes;
mod requests;

pub use declared::{WireAck, WireAcks, WireCapabilities, WireOperation, operation_path};
pub use error::WireError;
pub use outcomes::{
    WireBillFile, WireCreateOutcome, WireNotification, WirePayAction, WirePaymentState, WireRefundReport,
    WireRefundState,
};
pub use requests::{
    WireBillKind, WireBillRequest, WireConfig, WireCreatePayment, WireCreateRefund, WireInbound, WireMoney,
    WirePaymentRef, WireRefundRef,
};

use serde::{Deserialize, Serialize};

/// The only protocol version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// Every operation body juhe sends: `{"protocol":1,"config":…,"request":…}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallBody<T> {
    pub protocol: u32,
    pub config: WireConfig,
    pub request: T,
}

/// Every operation answer: `{"protocol":1,"result":…}` or `{"protocol":1,"error":…}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerBody<T> {
    pub protocol: u32,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub result: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

fn none<T>() -> Option<T> {
    None
}

/// The empty result of `close` and `reverse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    pub done: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use juhe_channel::{ChannelError, ChannelPaymentState, Operation};
    use juhe_domain::{Currency, Money};

    #[test]
    fn every_error_kind_round_trips() {
        let errors = [
            ChannelError::declined("NOTENOUGH", "balance"),
            ChannelError::NotSent("refused".into()),
            ChannelError::rate_limited("TOO_OFTEN", "slow down", Some(2_000)),
            ChannelError::rate_limited("TOO_OFTEN", "slow down", None),
            ChannelError::Unknown("timeout".into()),
            ChannelError::Config("missing".into()),
            ChannelError::Unsupported(Operation::Bill),
            ChannelError::NotFound,
            ChannelError::BadNotification("sig".into()),
        ];
        for e in errors {
            let wire = WireError::from(&e);
            let json = serde_json::to_string(&wire).unwrap();
            let back: WireError = serde_json::from_str(&json).unwrap();
            assert_eq!(back.into_channel_error(Operation::Query), e, "{json}");
        }
        let odd = WireError {
            kind: "weird".into(),
            code: None,
            message: "?".into(),
            operation: None,
            retry_after_ms: None,
        };
        assert!(matches!(
            odd.into_channel_error(Operation::Create),
            ChannelError::Unknown(_)
        ));
    }

    #[test]
    fn a_rate_limit_carries_its_wait_and_refuses_a_negative_one() {
        let json = serde_json::json!({"kind":"rate_limited","code":"LIMIT","message":"m","retry_after_ms":-5});
        let wire: WireError = serde_json::from_value(json).unwrap();
        assert_eq!(
            wire.into_channel_error(Operation::Create),
            ChannelError::rate_limited("LIMIT", "m", None)
        );
        let out = serde_json::to_value(WireError::from(&ChannelError::rate_limited("L", "m", Some(7)))).unwrap();
        assert_eq!(out["kind"], "rate_limited");
        assert_eq!(out["retry_after_ms"], 7);
    }

    #[test]
    fn states_use_the_documented_field_names() {
        let s = WirePaymentState::from(&ChannelPaymentState::Succeeded {
            channel_trade_no: "T1".into(),
            paid_at_ms: 5,
            amount: 101,
        });
        assert_eq!(
            serde_json::to_value(&s).unwrap(),
            serde_json::json!({"status":"succeeded","channel_trade_no":"T1","paid_at_ms":5,"amount":101})
        );
        let money = WireMoney::from(Money::new(101, Currency::CNY));
        assert_eq!(
            serde_json::to_value(money).unwrap(),
            serde_json::json!({"amount":101,"currency":"CNY"})
        );
    }

    #[test]
    fn config_debug_hides_secret_values() {
        let mut secrets = std::collections::BTreeMap::new();
        secrets.insert("private_key".to_string(), "TOPSECRET".to_string());
        let cfg = WireConfig {
            id: "chc_1".into(),
            merchant_id: "m".into(),
            channel: "jdpay".into(),
            params: serde_json::Map::new(),
            secrets,
            previous_secrets: [("private_key".to_string(), vec!["OLDSECRET".to_string()])].into(),
            notify_url: "http://x".into(),
        };
        let shown = format!("{cfg:?}");
        assert!(shown.contains("private_key"));
        assert!(!shown.contains("TOPSECRET") && !shown.contains("OLDSECRET"));
    }

    #[test]
    fn rotated_secrets_cross_with_every_version() {
        let mut secrets = juhe_channel::Secrets::new();
        secrets.insert_versions("des_key", ["new".to_string(), "old".to_string()]);
        secrets.insert("private_key", "only");
        let cfg = juhe_channel::ChannelConfig {
            id: "chc_1".into(),
            merchant_id: "m".into(),
            channel: "jdpay".into(),
            params: serde_json::Map::new(),
            secrets,
            notify_url: "http://x".into(),
        };
        let json = serde_json::to_value(WireConfig::from(&cfg)).unwrap();
        assert_eq!(
            json["secrets"],
            serde_json::json!({"des_key": "new", "private_key": "only"})
        );
        assert_eq!(json["previous_secrets"], serde_json::json!({"des_key": ["old"]}));
        let back: WireConfig = serde_json::from_value(json).unwrap();
        let back = back.into_config();
        assert_eq!(back.secret_versions("des_key").unwrap(), ["new", "old"]);
        assert_eq!(back.secret_versions("private_key").unwrap(), ["only"]);
        // A service of an older juhe sends no previous_secrets: one version each.
        let plain: WireConfig = serde_json::from_value(serde_json::json!({"id":"c","merchant_id":"m",
            "channel":"jdpay","params":{},"secrets":{"k":"v"},"notify_url":""}))
        .unwrap();
        assert_eq!(plain.into_config().secret_versions("k").unwrap(), ["v"]);
    }
}

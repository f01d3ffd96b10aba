//! Ways (how the payer pays) and channels (who moves the money).

use serde::{Deserialize, Serialize};

/// 支付方式: how the payer pays. Only `wallet` is served by the foundation;
/// the others are accepted by the API's types so that channels can add them
/// without a redesign, and are refused with `unsupported_way` until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Way {
    Wallet,
    Qr,
    Barcode,
    Jsapi,
    H5,
    App,
    Card,
    Plate,
    Cash,
}

impl Way {
    pub const ALL: &'static [Way] = &[
        Way::Wallet,
        Way::Qr,
        Way::Barcode,
        Way::Jsapi,
        Way::H5,
        Way::App,
        Way::Card,
        Way::Plate,
        Way::Cash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Way::Wallet => "wallet",
            Way::Qr => "qr",
            Way::Barcode => "barcode",
            Way::Jsapi => "jsapi",
            Way::H5 => "h5",
            Way::App => "app",
            Way::Card => "card",
            Way::Plate => "plate",
            Way::Cash => "cash",
        }
    }

    pub fn parse(s: &str) -> Option<Way> {
        Way::ALL.iter().copied().find(|w| w.as_str() == s)
    }
}

/// 支付渠道: an institution (or juhe itself) that moves money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelCode {
    Wallet,
    Cash,
    Wechatpay,
    Alipay,
    Unionpay,
    Jdpay,
    Bankcard,
}

impl ChannelCode {
    pub const ALL: &'static [ChannelCode] = &[
        ChannelCode::Wallet,
        ChannelCode::Cash,
        ChannelCode::Wechatpay,
        ChannelCode::Alipay,
        ChannelCode::Unionpay,
        ChannelCode::Jdpay,
        ChannelCode::Bankcard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChannelCode::Wallet => "wallet",
            ChannelCode::Cash => "cash",
            ChannelCode::Wechatpay => "wechatpay",
            ChannelCode::Alipay => "alipay",
            ChannelCode::Unionpay => "unionpay",
            ChannelCode::Jdpay => "jdpay",
            ChannelCode::Bankcard => "bankcard",
        }
    }

    pub fn parse(s: &str) -> Option<ChannelCode> {
        ChannelCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in Way::ALL {
            assert_eq!(Way::parse(w.as_str()), Some(*w));
            assert_eq!(serde_json::to_value(w).unwrap(), serde_json::json!(w.as_str()));
        }
        for c in ChannelCode::ALL {
            assert_eq!(ChannelCode::parse(c.as_str()), Some(*c));
        }
        assert_eq!(Way::parse("WALLET"), None);
    }
}

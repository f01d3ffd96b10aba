//! Transaction codes and answer codes, and what they mean for money.

/// `txnType` / `txnSubType` / `bizType` / `channelType` of one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnKind {
    pub txn_type: &'static str,
    pub txn_sub_type: &'static str,
    pub biz_type: &'static str,
    pub channel_type: &'static str,
}

/// Merchant-presented QR (申请二维码): the answer carries `qrCode`.
pub const QR_REQUEST: TxnKind = TxnKind {
    txn_type: "01",
    txn_sub_type: "07",
    biz_type: "000000",
    channel_type: "08",
};
/// Payer-presented code (被扫消费): `qrNo` is the payer's code.
pub const SCANNED_CODE: TxnKind = TxnKind {
    txn_type: "01",
    txn_sub_type: "06",
    biz_type: "000000",
    channel_type: "08",
};
/// App control payment (手机控件): the answer carries `tn`. bizType 000201
/// as in UnionPay's own app demo (`Form_6_2_AppConsume`); egzosn lists 000000.
pub const APP: TxnKind = TxnKind {
    txn_type: "01",
    txn_sub_type: "01",
    biz_type: "000201",
    channel_type: "08",
};
/// WAP payment through the front gateway (browser form post).
pub const WAP: TxnKind = TxnKind {
    txn_type: "01",
    txn_sub_type: "01",
    biz_type: "000201",
    channel_type: "08",
};
/// Consumption void (消费撤销), same day only.
pub const VOID: TxnKind = TxnKind {
    txn_type: "31",
    txn_sub_type: "00",
    biz_type: "000000",
    channel_type: "08",
};
/// Refund (退货).
pub const REFUND: TxnKind = TxnKind {
    txn_type: "04",
    txn_sub_type: "00",
    biz_type: "000000",
    channel_type: "08",
};
/// Transaction status query.
pub const QUERY: TxnKind = TxnKind {
    txn_type: "00",
    txn_sub_type: "00",
    biz_type: "000201",
    channel_type: "",
};

pub const CONSUME_TXN_TYPE: &str = "01";
pub const VOID_TXN_TYPE: &str = "31";
pub const REFUND_TXN_TYPE: &str = "04";

/// Answer codes used by both sides.
pub mod resp {
    pub const SUCCESS: &str = "00";
    /// 交易失败 (generic failure).
    pub const FAILED: &str = "01";
    /// 交易已受理，请稍后查询交易结果.
    pub const ACCEPTED_QUERY_LATER: &str = "05";
    /// 报文格式错误.
    pub const BAD_FORMAT: &str = "10";
    /// 验证签名失败.
    pub const BAD_SIGNATURE: &str = "11";
    /// 重复交易.
    pub const DUPLICATE: &str = "12";
    /// 报文交易要素缺失.
    pub const MISSING_FIELD: &str = "13";
    /// 商户状态不正确.
    pub const UNKNOWN_MERCHANT: &str = "31";
    /// 查无此交易.
    pub const NO_SUCH_TXN: &str = "34";
    /// 原交易不存在或状态不正确.
    pub const BAD_ORIGINAL: &str = "35";
    /// 与原交易信息不符 (amount too large for the original).
    pub const MISMATCH_ORIGINAL: &str = "36";
    /// Insufficient funds, in the ISO 8583 sense of 51 (sandbox choice).
    pub const INSUFFICIENT_FUNDS: &str = "51";
}

/// What an answer code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Success,
    /// 03 / 04 / 05: status unknown or accepted, query later.
    Pending,
    /// 34: no such transaction.
    NotFound,
    /// Anything else: refused.
    Refused,
}

pub fn verdict(code: &str) -> Verdict {
    match code {
        "00" => Verdict::Success,
        "03" | "04" | "05" => Verdict::Pending,
        "34" => Verdict::NotFound,
        _ => Verdict::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_classify() {
        assert_eq!(verdict("00"), Verdict::Success);
        for code in ["03", "04", "05"] {
            assert_eq!(verdict(code), Verdict::Pending);
        }
        assert_eq!(verdict("34"), Verdict::NotFound);
        for code in ["01", "11", "51", "", "0"] {
            assert_eq!(verdict(code), Verdict::Refused);
        }
    }
}

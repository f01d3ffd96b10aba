//! What juhe asks of a channel. Ids are juhe's: `channel_order_no` is the
//! order number juhe sends as the channel's merchant order number
//! (`out_trade_no`, `orderId`, …) and is unique per attempt, so a failover
//! to another channel never reuses a number the first one may have seen.

use juhe_domain::Money;
use juhe_domain::way::Way;

#[derive(Debug, Clone)]
pub struct CreatePayment {
    pub payment_id: String,
    pub channel_order_no: String,
    pub money: Money,
    pub subject: String,
    pub way: Way,
    /// The payer's payment code for `barcode` (付款码 / auth_code).
    pub auth_code: Option<String>,
    /// The payer's id at the channel for `jsapi` (WeChat openid, Alipay buyer id).
    pub payer_id: Option<String>,
    /// The payer's IP for `h5`.
    pub payer_ip: Option<String>,
    /// Where the payer's browser returns after paying (`h5`, UnionPay front URL).
    pub return_url: Option<String>,
    /// Card data read by a card-present terminal (`card`). Passed through
    /// to the acquirer and dropped: never stored, never logged.
    pub card: Option<CardPresent>,
    /// The terminal and site where the payer stands, if any.
    pub terminal_id: Option<String>,
    pub site_id: Option<String>,
    /// Unix milliseconds after which the payment may not be paid.
    pub expire_at_ms: i64,
    /// Unix milliseconds of the attempt (UnionPay `txnTime`, ISO 8583 field 7).
    pub created_at_ms: i64,
}

/// Identifies a payment at the channel: juhe's order number, plus the
/// channel's own trade number once known.
#[derive(Debug, Clone)]
pub struct PaymentRef {
    pub channel_order_no: String,
    pub channel_trade_no: Option<String>,
    pub money: Money,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct CreateRefund {
    pub refund_id: String,
    pub channel_refund_no: String,
    pub payment: PaymentRef,
    pub refund: Money,
    pub reason: Option<String>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct RefundRef {
    pub channel_refund_no: String,
    pub channel_refund_id: Option<String>,
    pub payment: PaymentRef,
    pub refund: Money,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillKind {
    /// Payments and refunds (WeChat `ALL`, Alipay `trade`).
    All,
    Payments,
    Refunds,
}

#[derive(Debug, Clone)]
pub struct BillRequest {
    pub date: time::Date,
    pub kind: BillKind,
}

/// Card-present data from a terminal. `Debug` shows only BIN and last four.
#[derive(Clone)]
pub struct CardPresent {
    /// Primary account number (digits).
    pub pan: String,
    /// Track 2 equivalent data, if the terminal read the stripe or chip.
    pub track2: Option<String>,
    /// Expiry as YYMM.
    pub expiry: Option<String>,
    /// ISO 8583 field 22 POS entry mode (e.g. `051` chip with PIN, `071` contactless).
    pub entry_mode: String,
    /// The encrypted PIN block from the PIN pad, hex; passed through, never kept.
    pub pin_block: Option<String>,
    /// EMV chip data (field 55), hex.
    pub icc_data: Option<String>,
    /// Card sequence number (field 23).
    pub sequence: Option<String>,
}

impl CardPresent {
    /// BIN (first six) and last four: the only card number juhe keeps.
    pub fn masked(&self) -> String {
        mask_pan(&self.pan)
    }
}

/// `622123******0001`-style mask; short or odd input is masked entirely.
pub fn mask_pan(pan: &str) -> String {
    let digits: Vec<char> = pan.chars().collect();
    if digits.len() < 12 || !pan.bytes().all(|b| b.is_ascii_digit()) {
        return "*".repeat(digits.len().min(19));
    }
    let head: String = digits[..6].iter().collect();
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(digits.len() - 10))
}

impl std::fmt::Debug for CardPresent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardPresent")
            .field("pan", &self.masked())
            .field("entry_mode", &self.entry_mode)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_debug_never_shows_the_number() {
        let card = CardPresent {
            pan: "6221235200000000001".into(),
            track2: Some("6221235200000000001=2512".into()),
            expiry: Some("2512".into()),
            entry_mode: "051".into(),
            pin_block: Some("0123456789ABCDEF".into()),
            icc_data: None,
            sequence: None,
        };
        let shown = format!("{card:?}");
        assert!(shown.contains("622123*********0001"), "{shown}");
        assert!(!shown.contains("6221235200000000001"));
        assert!(!shown.contains("0123456789ABCDEF"));
        assert_eq!(mask_pan("12345"), "*****");
    }
}

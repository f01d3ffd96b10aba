//! Field values of the CUP terminal specification used by the client.

/// Field 3 processing codes.
pub const PROC_PURCHASE: &str = "000000";
pub const PROC_VOID_OR_REFUND: &str = "200000";

/// Field 60.1 transaction type codes.
pub const TYPE_MANAGEMENT: &str = "00";
pub const TYPE_PURCHASE: &str = "22";
pub const TYPE_VOID: &str = "23";
pub const TYPE_REFUND: &str = "25";

/// Field 60.3 network management codes.
/// Sign-in asking for double-length working keys.
pub const NET_SIGN_IN_DOUBLE: &str = "003";
/// Financial transactions.
pub const NET_FINANCIAL: &str = "000";
/// Batch settlement.
pub const NET_SETTLEMENT: &str = "201";

/// Field 39.
pub const APPROVED: &str = "00";
pub const NO_ORIGINAL: &str = "25";
pub const INSUFFICIENT_FUNDS: &str = "51";
pub const SYSTEM_MALFUNCTION: &str = "96";
pub const BAD_MAC: &str = "A0";
/// Reversal reason: no answer received from the host.
pub const REVERSAL_NO_ANSWER: &str = "98";

/// The currency of every journal record and batch: purchases and refunds
/// in any other are refused before they are journalled, so a reversal,
/// void or settlement is in this one (field 49 carries its numeric code).
pub const JOURNAL_CURRENCY: juhe_domain::Currency = juhe_domain::Currency::CNY;

/// Field 63.1: the operator juhe signs in as.
pub const OPERATOR: &str = "001";

/// A human reading of the response codes juhe is likely to see.
pub fn describe(code: &str) -> &'static str {
    match code {
        "00" => "approved",
        "01" => "refer to card issuer",
        "03" => "invalid merchant",
        "04" => "pick up card",
        "05" => "do not honour",
        "12" => "invalid transaction",
        "13" => "invalid amount",
        "14" => "invalid card number",
        "25" => "original transaction not found",
        "30" => "format error",
        "51" => "insufficient funds",
        "54" => "expired card",
        "55" => "incorrect PIN",
        "61" => "exceeds amount limit",
        "64" => "original amount incorrect",
        "75" => "PIN tries exceeded",
        "94" => "duplicate transmission",
        "96" => "system malfunction",
        "A0" => "MAC verification failed",
        _ => "declined",
    }
}

/// Field 60: type code, batch, network management code.
pub fn field60(type_code: &str, batch: u32, network: &str) -> String {
    format!("{type_code}{batch:06}{network}")
}

/// The batch (60.2) of a field 60 value.
pub fn batch_of_field60(value: &str) -> Option<u32> {
    value.get(2..8)?.parse().ok()
}

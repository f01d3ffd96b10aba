//! Who is asking: the authenticated app and its merchant.

#[derive(Debug, Clone)]
pub struct Caller {
    pub merchant_id: String,
    pub app_id: String,
    /// The app's default webhook URL, used when a payment names none.
    pub notify_url: Option<String>,
    /// The merchant's fee rate on wallet payments, in basis points.
    pub wallet_fee_bps: i64,
}

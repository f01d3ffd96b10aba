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

impl Caller {
    /// The caller on whose behalf background work acts for one of an app's
    /// objects (its events go to the app's URL unless the object names one).
    pub async fn of_app(
        tx: juhe_store::Tx<'_>,
        merchant_id: &str,
        app_id: &str,
    ) -> Result<Caller, crate::error::ServiceError> {
        let app = juhe_store::merchants::get_app_tx(tx, app_id).await?;
        Ok(Caller {
            merchant_id: merchant_id.to_string(),
            app_id: app_id.to_string(),
            notify_url: app.and_then(|a| a.notify_url),
            wallet_fee_bps: 0,
        })
    }
}

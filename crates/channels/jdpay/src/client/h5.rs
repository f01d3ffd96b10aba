//! The H5 way: a signed, field-encrypted form for the payer's browser.

use crate::client::keys::{Keys, fen};
use crate::protocol::envelope;
use crate::protocol::form;
use crate::protocol::messages;
use juhe_channel::{ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment, PayAction};

/// H5: nothing is sent to JD by juhe. The payer's browser posts the signed,
/// field-encrypted form to JD's cashier, which creates the order there.
pub(crate) fn h5_form(cfg: &ChannelConfig, keys: &Keys, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
    let mut plain = std::collections::BTreeMap::new();
    let mut put = |k: &str, v: String| {
        plain.insert(k.to_string(), v);
    };
    put("version", envelope::VERSION.to_string());
    put("merchant", keys.merchant.clone());
    put("tradeNum", req.channel_order_no.clone());
    put("tradeName", req.subject.clone());
    put("tradeTime", messages::format_time(req.created_at_ms));
    put("amount", fen(&req.money)?);
    put("orderType", messages::ORDER_TYPE_VIRTUAL.to_string());
    put("currency", "CNY".to_string());
    put("notifyUrl", cfg.notify_url.clone());
    put("expireTime", messages::format_time(req.expire_at_ms));
    if let Some(url) = req.return_url.as_deref() {
        put("callbackUrl", url.to_string());
    }
    if let Some(ip) = req.payer_ip.as_deref() {
        put("ip", ip.to_string());
    }
    let form = form::seal_form(&plain, &keys.des_key, &keys.private)
        .map_err(|e| ChannelError::Config(format!("sealing the H5 form: {e}")))?;
    let host = cfg
        .param_opt("h5_base_url")
        .unwrap_or(form::H5_PRODUCTION_URL)
        .trim_end_matches('/');
    Ok(CreateOutcome {
        state: ChannelPaymentState::AwaitingPayer,
        action: Some(PayAction::Form {
            action: format!("{host}{}", form::PATH_SAVE_ORDER),
            fields: form
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        }),
        channel_trade_no: None,
    })
}

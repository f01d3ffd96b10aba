//! Query, close and reverse a payment.

use super::amount_check::checked_state;
use super::transport::{Method, Transport, json, segment};
use crate::protocol::errors::Call;
use crate::protocol::models::{CloseRequest, ReverseRequest, Transaction};
use crate::protocol::states::payment_state;
use juhe_channel::{ChannelError, ChannelPaymentState, PaymentRef};

/// By WeChat's transaction id once known, else by juhe's order number.
pub async fn query(t: &Transport<'_>, payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
    let mchid = segment(&t.settings.mchid);
    let path = match payment.channel_trade_no.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => format!("/v3/pay/transactions/id/{}?mchid={mchid}", segment(id)),
        None => format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={mchid}",
            segment(&payment.channel_order_no)
        ),
    };
    let reply = t.send_ok(Call::Query, Method::Get, &path, None).await?;
    let tx: Transaction = json(&reply)?;
    if let Some(number) = tx.out_trade_no.as_deref()
        && number != payment.channel_order_no
    {
        return Err(ChannelError::Unknown(format!(
            "WeChat Pay answered about order {number:?}, not {:?}",
            payment.channel_order_no
        )));
    }
    let state = payment_state(&tx).map_err(|e| ChannelError::Unknown(e.to_string()))?;
    checked_state(state, payment.money.amount)
}

/// Closes an unpaid order; WeChat answers 204 with an empty body.
pub async fn close(t: &Transport<'_>, payment: &PaymentRef) -> Result<(), ChannelError> {
    let body = CloseRequest {
        mchid: t.settings.mchid.clone(),
    };
    let path = format!(
        "/v3/pay/transactions/out-trade-no/{}/close",
        segment(&payment.channel_order_no)
    );
    t.send_ok(Call::Close, Method::Post, &path, Some(encode(&body)?))
        .await?;
    Ok(())
}

/// Reverses (撤销) a payment-code payment: afterwards it is `REVOKED`
/// and any money taken goes back to the payer.
pub async fn reverse(t: &Transport<'_>, payment: &PaymentRef) -> Result<(), ChannelError> {
    let body = ReverseRequest {
        appid: t.settings.appid.clone(),
        mchid: t.settings.mchid.clone(),
    };
    let path = format!(
        "/v3/pay/transactions/out-trade-no/{}/reverse",
        segment(&payment.channel_order_no)
    );
    t.send_ok(Call::Reverse, Method::Post, &path, Some(encode(&body)?))
        .await?;
    Ok(())
}

pub fn encode<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, ChannelError> {
    serde_json::to_vec(body).map_err(|e| ChannelError::NotSent(format!("encoding the request: {e}")))
}

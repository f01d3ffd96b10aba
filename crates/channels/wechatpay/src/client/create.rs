//! Creating payments: `native`, `jsapi`, `h5`, `app` orders (awaiting the
//! payer) and `codepay` (payment code: final at once, or the payer is
//! still confirming).

use super::amount_check::checked_state;
use super::settings::Settings;
use super::transport::{Method, Transport, Verify, json};
use crate::protocol::amount::{CURRENCY, to_fen};
use crate::protocol::auth::new_nonce;
use crate::protocol::clock::{now_s, rfc3339_china};
use crate::protocol::errors::{Call, classify, code, error_code};
use crate::protocol::models::{
    CodepayPayer, CodepayRequest, CodepaySceneInfo, CodepayStoreInfo, H5Info, H5Response, NativeResponse, OrderAmount,
    Payer, PrepayIdResponse, PrepayRequest, SceneInfo, Transaction,
};
use crate::protocol::pay_params::{app_params, jsapi_params};
use crate::protocol::scheme::SigningKey;
use crate::protocol::states::payment_state;
use juhe_channel::{ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment, PayAction};
use juhe_domain::way::Way;

/// WeChat limits `description` to 127 characters.
const DESCRIPTION_MAX_CHARS: usize = 127;

pub async fn create(t: &Transport<'_>, notify_url: &str, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
    match req.way {
        Way::Qr => {
            let reply = prepay(t, "native", prepay_request(t.settings, notify_url, req, None)?).await?;
            let answer: NativeResponse = json(&reply)?;
            Ok(awaiting(PayAction::QrCode {
                code_url: answer.code_url,
            }))
        }
        Way::Jsapi => {
            let openid = required(req.payer_id.as_deref(), "jsapi needs the payer's openid (payer_id)")?;
            let key = pay_params_key(t.settings)?;
            let mut body = prepay_request(t.settings, notify_url, req, None)?;
            body.payer = Some(Payer {
                openid: openid.to_string(),
            });
            let answer: PrepayIdResponse = json(&prepay(t, "jsapi", body).await?)?;
            let params =
                jsapi_params(key, &t.settings.appid, &answer.prepay_id, now_s(), &new_nonce()).map_err(|e| {
                    ChannelError::Unknown(format!("order created but its pay parameters could not be signed: {e}"))
                })?;
            Ok(awaiting(PayAction::Sdk { params }))
        }
        Way::H5 => {
            let ip = required(req.payer_ip.as_deref(), "h5 needs the payer's IP (payer_ip)")?;
            let scene = SceneInfo {
                payer_client_ip: Some(ip.to_string()),
                device_id: None,
                h5_info: Some(H5Info { kind: "Wap".into() }),
            };
            let body = prepay_request(t.settings, notify_url, req, Some(scene))?;
            let answer: H5Response = json(&prepay(t, "h5", body).await?)?;
            Ok(awaiting(PayAction::Redirect { url: answer.h5_url }))
        }
        Way::App => {
            let key = pay_params_key(t.settings)?;
            let body = prepay_request(t.settings, notify_url, req, None)?;
            let answer: PrepayIdResponse = json(&prepay(t, "app", body).await?)?;
            let params = app_params(
                key,
                &t.settings.appid,
                &t.settings.mchid,
                &answer.prepay_id,
                now_s(),
                &new_nonce(),
            )
            .map_err(|e| {
                ChannelError::Unknown(format!("order created but its pay parameters could not be signed: {e}"))
            })?;
            Ok(awaiting(PayAction::Sdk { params }))
        }
        Way::Barcode => codepay(t, req).await,
        _ => Err(ChannelError::Unsupported(juhe_channel::Operation::Create)),
    }
}

/// A request WeChat would refuse with PARAM_ERROR is refused here the same
/// way, without sending it.
fn required<'a>(value: Option<&'a str>, message: &str) -> Result<&'a str, ChannelError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ChannelError::declined(code::PARAM_ERROR, message))
}

fn awaiting(action: PayAction) -> CreateOutcome {
    CreateOutcome {
        state: ChannelPaymentState::AwaitingPayer,
        action: Some(action),
        channel_trade_no: None,
    }
}

fn description(subject: &str) -> String {
    subject.chars().take(DESCRIPTION_MAX_CHARS).collect()
}

fn amount(req: &CreatePayment) -> Result<OrderAmount, ChannelError> {
    Ok(OrderAmount {
        total: to_fen(&req.money).map_err(|e| ChannelError::declined(code::PARAM_ERROR, e.to_string()))?,
        currency: Some(CURRENCY.to_string()),
    })
}

fn prepay_request(
    s: &Settings,
    notify_url: &str,
    req: &CreatePayment,
    scene_info: Option<SceneInfo>,
) -> Result<PrepayRequest, ChannelError> {
    let time_expire =
        rfc3339_china(req.expire_at_ms).map_err(|e| ChannelError::declined(code::PARAM_ERROR, e.to_string()))?;
    Ok(PrepayRequest {
        appid: s.appid.clone(),
        mchid: s.mchid.clone(),
        description: description(&req.subject),
        out_trade_no: req.channel_order_no.clone(),
        time_expire: Some(time_expire),
        // juhe's payment id comes back in queries and notifications.
        attach: Some(req.payment_id.clone()),
        notify_url: notify_url.to_string(),
        amount: amount(req)?,
        payer: None,
        scene_info,
    })
}

async fn prepay(
    t: &Transport<'_>,
    kind: &str,
    body: PrepayRequest,
) -> Result<juhe_channel::http::HttpReply, ChannelError> {
    let bytes = serde_json::to_vec(&body).map_err(|e| ChannelError::NotSent(format!("encoding the order: {e}")))?;
    t.send_ok(
        Call::Create,
        Method::Post,
        &format!("/v3/pay/transactions/{kind}"),
        Some(bytes),
    )
    .await
}

async fn codepay(t: &Transport<'_>, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
    let auth_code = required(
        req.auth_code.as_deref(),
        "barcode needs the payer's payment code (auth_code)",
    )?;
    let store = req
        .site_id
        .clone()
        .or_else(|| req.terminal_id.clone())
        .unwrap_or_else(|| "juhe".to_string());
    let body = CodepayRequest {
        appid: t.settings.appid.clone(),
        mchid: t.settings.mchid.clone(),
        description: description(&req.subject),
        out_trade_no: req.channel_order_no.clone(),
        attach: Some(req.payment_id.clone()),
        payer: CodepayPayer {
            auth_code: auth_code.to_string(),
        },
        amount: amount(req)?,
        scene_info: CodepaySceneInfo {
            device_ip: None,
            store_info: CodepayStoreInfo { out_id: store },
        },
    };
    let bytes = serde_json::to_vec(&body).map_err(|e| ChannelError::NotSent(format!("encoding the order: {e}")))?;
    let reply = t
        .send(
            Method::Post,
            "/v3/pay/transactions/codepay",
            Some(bytes),
            Verify::Signed,
        )
        .await?;
    // The payer must confirm on the phone (password): WeChat answers 202,
    // or an error coded USERPAYING; either way the merchant queries on.
    if reply.status == 202 || error_code(&reply.body).as_deref() == Some(code::USERPAYING) {
        return Ok(CreateOutcome {
            state: ChannelPaymentState::Paying,
            action: None,
            channel_trade_no: None,
        });
    }
    if !(200..300).contains(&reply.status) {
        return Err(classify(Call::Create, &reply));
    }
    let tx: Transaction = json(&reply)?;
    let state = payment_state(&tx).map_err(|e| ChannelError::Unknown(e.to_string()))?;
    Ok(CreateOutcome {
        state: checked_state(state, req.money.amount)?,
        action: None,
        channel_trade_no: tx.transaction_id,
    })
}

/// The key that signs JSAPI / APP client parameters (`paySign`, `sign`).
/// Refused before anything is sent for a 国密 merchant: how the client
/// parameters are signed with SM2 (their `signType`, the string) is not in
/// any public source, so no order is created that could not be paid.
fn pay_params_key(settings: &super::settings::Settings) -> Result<&juhe_crypto::RsaPrivate, ChannelError> {
    match &settings.private_key {
        SigningKey::Rsa(key) => Ok(key.as_ref()),
        SigningKey::Sm2(_) => Err(ChannelError::Config(
            "JSAPI / APP pay parameters of SM2 (国密) merchants are not established from public sources".into(),
        )),
    }
}

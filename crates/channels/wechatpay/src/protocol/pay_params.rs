//! The signed parameters a payer's device needs to open WeChat's pay sheet
//! (wechatpay-go `api_jsapi_request_payment.go`, `api_app_request_payment.go`).

use super::ProtocolError;
use juhe_crypto::{RsaDigest, RsaPrivate};
use serde_json::{Map, Value};

/// `wx.requestPayment` / `WeixinJSBridge` parameters: `paySign` over
/// `appId\ntimeStamp\nnonceStr\npackage\n`.
pub fn jsapi_params(
    key: &RsaPrivate,
    appid: &str,
    prepay_id: &str,
    timestamp: i64,
    nonce: &str,
) -> Result<Map<String, Value>, ProtocolError> {
    let package = format!("prepay_id={prepay_id}");
    let message = format!("{appid}\n{timestamp}\n{nonce}\n{package}\n");
    let pay_sign = key.sign_base64(RsaDigest::Sha256, message.as_bytes())?;
    let mut params = Map::new();
    params.insert("appId".into(), appid.into());
    params.insert("timeStamp".into(), timestamp.to_string().into());
    params.insert("nonceStr".into(), nonce.into());
    params.insert("package".into(), package.into());
    params.insert("signType".into(), "RSA".into());
    params.insert("paySign".into(), pay_sign.into());
    Ok(params)
}

/// The APP SDK's `PayReq`: `sign` over `appid\ntimestamp\nnoncestr\nprepayid\n`;
/// `package` is the fixed `Sign=WXPay`.
pub fn app_params(
    key: &RsaPrivate,
    appid: &str,
    mchid: &str,
    prepay_id: &str,
    timestamp: i64,
    nonce: &str,
) -> Result<Map<String, Value>, ProtocolError> {
    let message = format!("{appid}\n{timestamp}\n{nonce}\n{prepay_id}\n");
    let sign = key.sign_base64(RsaDigest::Sha256, message.as_bytes())?;
    let mut params = Map::new();
    params.insert("appid".into(), appid.into());
    params.insert("partnerid".into(), mchid.into());
    params.insert("prepayid".into(), prepay_id.into());
    params.insert("package".into(), "Sign=WXPay".into());
    params.insert("noncestr".into(), nonce.into());
    params.insert("timestamp".into(), timestamp.to_string().into());
    params.insert("sign".into(), sign.into());
    Ok(params)
}

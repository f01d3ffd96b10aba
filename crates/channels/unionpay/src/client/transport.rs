//! One ACP call: sign, POST the form, read and verify the raw answer.
//! Everything that leaves the answer in doubt (a non-200 status, an
//! unreadable or unverifiable body) is `Unknown`: the request may have been
//! acted on, and only a later query can tell.

use crate::client::setup::MerchantSetup;
use crate::protocol::form::{Fields, decode_raw, encode_form};
use juhe_channel::ChannelError;
use juhe_channel::http::HttpClient;

pub fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Signs `fields` in place (so callers can hand them to a browser form).
pub fn sign(setup: &MerchantSetup, fields: &mut Fields) -> Result<(), ChannelError> {
    setup
        .signer
        .sign(fields)
        .map_err(|e| ChannelError::NotSent(format!("signing: {e}")))
}

pub async fn call(
    http: &HttpClient,
    setup: &MerchantSetup,
    url: &str,
    mut fields: Fields,
) -> Result<Fields, ChannelError> {
    sign(setup, &mut fields)?;
    let request = http
        .raw()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded;charset=UTF-8")
        .body(encode_form(&fields));
    let reply = http.send(request).await?;
    if let Some(limited) = reply.too_many_requests("UnionPay") {
        return Err(limited);
    }
    if reply.status != 200 {
        return Err(ChannelError::Unknown(format!(
            "UnionPay answered HTTP {}",
            reply.status
        )));
    }
    let text =
        String::from_utf8(reply.body).map_err(|_| ChannelError::Unknown("UnionPay answer is not UTF-8".into()))?;
    let answer = decode_raw(&text).map_err(|e| ChannelError::Unknown(format!("UnionPay answer unreadable: {e}")))?;
    setup
        .verifier
        .verify(&answer, now_s())
        .map_err(|e| ChannelError::Unknown(format!("UnionPay answer not verified: {e}")))?;
    if answer.get("merId").is_some_and(|m| m != &setup.mer_id) {
        return Err(ChannelError::Unknown("UnionPay answer is for another merchant".into()));
    }
    Ok(answer)
}

/// A field the answer must carry.
pub fn required<'a>(answer: &'a Fields, name: &str) -> Result<&'a str, ChannelError> {
    answer
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ChannelError::Unknown(format!("UnionPay answer lacks {name}")))
}

/// `respCode`, `respMsg` of an answer.
pub fn response_code(answer: &Fields) -> Result<(String, String), ChannelError> {
    let code = required(answer, "respCode")?.to_string();
    let message = answer.get("respMsg").cloned().unwrap_or_default();
    Ok((code, message))
}

//! JD Pay's online (H5 / PC) payment form (在线支付 `saveOrder`), posted by
//! the payer's browser: every field except `merchant`, `version` and `sign`
//! is 3DES-encrypted on its own (lowercase hex, no base64); `sign` covers
//! the plain fields sorted by name as `k=v&…`, leaving out empty values and
//! `merchantSign`, `token`, `version` (IJPay `SignUtil.signRemoveSelectedKeys`,
//! `JdPayKit.threeDesToMap`).

use crate::protocol::error::ProtocolError;
use crate::protocol::{des3, sign};
use juhe_crypto::{RsaPrivate, RsaPublic};
use std::collections::BTreeMap;

/// Production host of the H5 cashier (IJPay `JdPayApi.H5_SAVE_ORDER_URL`).
pub const H5_PRODUCTION_URL: &str = "https://h5pay.jd.com";
pub const PATH_SAVE_ORDER: &str = "/jdpay/saveOrder";

const NOT_SIGNED: [&str; 4] = ["merchantSign", "token", "version", "sign"];
const NOT_ENCRYPTED: [&str; 3] = ["merchant", "version", "sign"];

/// The string the form's signature covers.
pub fn sign_string(fields: &BTreeMap<String, String>) -> String {
    fields
        .iter()
        .filter(|(k, v)| !NOT_SIGNED.contains(&k.as_str()) && !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Signs the plain fields and encrypts them: the form to post.
pub fn seal_form(
    plain: &BTreeMap<String, String>,
    des_key: &[u8],
    signer: &RsaPrivate,
) -> Result<BTreeMap<String, String>, ProtocolError> {
    let signature = sign::sign(signer, &sign_string(plain))?;
    let mut form = BTreeMap::new();
    for (k, v) in plain.iter().filter(|(_, v)| !v.is_empty()) {
        let value = if NOT_ENCRYPTED.contains(&k.as_str()) {
            v.clone()
        } else {
            des3::encrypt_hex(des_key, v.as_bytes())?
        };
        form.insert(k.clone(), value);
    }
    form.insert("sign".into(), signature);
    Ok(form)
}

/// Decrypts a posted form and verifies its signature; the plain fields.
pub fn open_form(
    form: &BTreeMap<String, String>,
    des_key: &[u8],
    verifier: &RsaPublic,
) -> Result<BTreeMap<String, String>, ProtocolError> {
    let mut plain = BTreeMap::new();
    for (k, v) in form {
        let value = if NOT_ENCRYPTED.contains(&k.as_str()) {
            v.clone()
        } else {
            let bytes = des3::decrypt_hex(des_key, v)?;
            String::from_utf8(bytes).map_err(|_| ProtocolError::Des(format!("{k} is not UTF-8")))?
        };
        plain.insert(k.clone(), value);
    }
    let signature = plain.get("sign").cloned().ok_or(ProtocolError::BadSignature)?;
    if !sign::verify(verifier, &sign_string(&plain), &signature) {
        return Err(ProtocolError::BadSignature);
    }
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_string_is_sorted_without_excluded_or_empty_fields() {
        let fields: BTreeMap<String, String> = [
            ("version", "V2.0"),
            ("tradeNum", "1"),
            ("amount", "100"),
            ("merchant", "22318136"),
            ("note", " "),
            ("token", "t"),
            ("sign", "s"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(sign_string(&fields), "amount=100&merchant=22318136&tradeNum=1");
    }
}

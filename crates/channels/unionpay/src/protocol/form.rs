//! ACP's two text forms of a message. Requests and notifications travel as
//! ordinary `application/x-www-form-urlencoded` bodies; synchronous answers
//! are a raw `k=v&k=v` string whose values are *not* URL-encoded and may
//! themselves contain `=`, `&` inside `{…}` / `[…]`, and line breaks (the
//! PEM in `signPubKeyCert`). The string to sign is the sorted raw form
//! without `signature` and without blank values.

use std::collections::BTreeMap;

/// One ACP message: field name → value. A `BTreeMap` keeps the keys in the
/// byte order the signing string needs (ACP field names are ASCII, where
/// byte order and Java's `TreeMap` order agree).
pub type Fields = BTreeMap<String, String>;

/// The field that carries the signature; never part of the signed string.
pub const SIGNATURE: &str = "signature";

/// `k=v&…` over every field except `signature` and blank values, sorted.
pub fn string_to_sign(fields: &Fields) -> String {
    let mut out = String::new();
    for (key, value) in fields {
        if key == SIGNATURE || value.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// URL-encoded form body (blank values dropped, as the SDK's `filterBlank`).
pub fn encode_form(fields: &Fields) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields.iter().filter(|(_, v)| !v.is_empty()) {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// Reads a URL-encoded form body (requests, notifications).
pub fn decode_form(body: &[u8]) -> Fields {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The raw answer string UnionPay writes back (values not encoded).
pub fn encode_raw(fields: &Fields) -> String {
    let mut out = String::new();
    for (key, value) in fields {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Why an answer string could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("answer is empty")]
    Empty,
    #[error("answer has a field without '='")]
    MissingEquals,
    #[error("answer has unbalanced braces or brackets")]
    Unbalanced,
}

/// Reads a raw answer: pairs split on `&` outside braces and brackets, each
/// key ending at its first `=`.
pub fn decode_raw(text: &str) -> Result<Fields, FormError> {
    let text = text.trim_matches(|c| c == '\r' || c == '\n' || c == ' ');
    if text.is_empty() {
        return Err(FormError::Empty);
    }
    let mut fields = Fields::new();
    let mut depth: i32 = 0;
    let mut start = 0;
    for (index, ch) in text.char_indices() {
        match ch {
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth < 0 {
                    return Err(FormError::Unbalanced);
                }
            }
            '&' if depth == 0 => {
                insert_pair(&mut fields, &text[start..index])?;
                start = index + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(FormError::Unbalanced);
    }
    insert_pair(&mut fields, &text[start..])?;
    Ok(fields)
}

fn insert_pair(fields: &mut Fields, pair: &str) -> Result<(), FormError> {
    if pair.is_empty() {
        return Ok(());
    }
    let (key, value) = pair.split_once('=').ok_or(FormError::MissingEquals)?;
    fields.insert(key.to_string(), value.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn sign_string_sorts_and_drops_signature_and_blanks() {
        let f = fields(&[
            ("txnType", "01"),
            ("signature", "x"),
            ("payTimeout", ""),
            ("accessType", "0"),
        ]);
        assert_eq!(string_to_sign(&f), "accessType=0&txnType=01");
    }

    #[test]
    fn raw_answers_keep_nested_and_multiline_values() {
        let text = "respCode=00&reserved={a=1&b=2}&signPubKeyCert=-----BEGIN CERTIFICATE-----\r\nAB+/cd==\r\n-----END CERTIFICATE-----&x=[p&q]";
        let f = decode_raw(text).unwrap();
        assert_eq!(f["respCode"], "00");
        assert_eq!(f["reserved"], "{a=1&b=2}");
        assert!(f["signPubKeyCert"].contains("AB+/cd=="));
        assert_eq!(f["x"], "[p&q]");
        assert_eq!(decode_raw(&encode_raw(&f)).unwrap(), f);
    }

    #[test]
    fn malformed_answers_are_refused() {
        assert_eq!(decode_raw(""), Err(FormError::Empty));
        assert_eq!(decode_raw("a=1&b"), Err(FormError::MissingEquals));
        assert_eq!(decode_raw("a={1"), Err(FormError::Unbalanced));
        assert_eq!(
            decode_raw("<html>502 Bad Gateway</html>"),
            Err(FormError::MissingEquals)
        );
    }

    #[test]
    fn url_encoded_bodies_round_trip() {
        let f = fields(&[("frontUrl", "http://h/a?b=c&d=e"), ("orderId", "A1"), ("blank", "")]);
        let decoded = decode_form(encode_form(&f).as_bytes());
        assert_eq!(decoded.get("frontUrl").map(String::as_str), Some("http://h/a?b=c&d=e"));
        assert!(!decoded.contains_key("blank"));
    }
}

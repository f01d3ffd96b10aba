//! Finds the signed text of a synchronous answer: the exact raw JSON of the
//! value under `<method>_response` (or `error_response`), as a substring of
//! the body. Re-serialising parsed JSON would change escapes (Alipay sends
//! `\/`) or spacing and break the signature, so the value's extent is found
//! by scanning the top-level object, tracking strings and escapes.

/// The raw text of the top-level member `key`'s value, if it is an object.
pub fn member_object<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    member_value(raw, key).filter(|v| v.starts_with('{'))
}

/// The raw text of the top-level member `key`'s value, if it is an object
/// or a string (an encrypted answer: the quoted base64 text, quotes
/// included, is what Alipay signs).
pub fn member_value<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    let bytes = raw.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if bytes.get(pos) != Some(&b'{') {
        return None;
    }
    pos += 1;
    loop {
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            Some(b'}') | None => return None,
            Some(b',') => {
                pos += 1;
                continue;
            }
            Some(b'"') => {}
            Some(_) => return None,
        }
        let name_end = string_end(bytes, pos)?;
        let name = &raw[pos + 1..name_end - 1];
        pos = skip_ws(bytes, name_end);
        if bytes.get(pos) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(bytes, pos + 1);
        let value_end = value_end(bytes, value_start)?;
        if name == key && matches!(bytes.get(value_start), Some(b'{' | b'"')) {
            return Some(&raw[value_start..value_end]);
        }
        pos = value_end;
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        pos += 1;
    }
    pos
}

/// `pos` is at an opening quote; returns the index just past the closing one.
fn string_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the JSON value starting at `pos`.
fn value_end(bytes: &[u8], pos: usize) -> Option<usize> {
    match bytes.get(pos)? {
        b'"' => string_end(bytes, pos),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = pos;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let mut i = pos;
            while let Some(&b) = bytes.get(i) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                    break;
                }
                i += 1;
            }
            (i > pos).then_some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_exact_object_text_past_tricky_strings() {
        let raw = r#"{"sign":"a}b{\"c","x_response" : {"msg":"a \"}\" b","n":[1,{"k":"}"}],"u":"http:\/\/h"} ,"z":1}"#;
        assert_eq!(
            member_object(raw, "x_response"),
            Some(r#"{"msg":"a \"}\" b","n":[1,{"k":"}"}],"u":"http:\/\/h"}"#)
        );
        assert_eq!(member_object(raw, "sign"), None);
        assert_eq!(member_object(raw, "missing"), None);
    }

    #[test]
    fn an_encrypted_answer_is_its_quoted_text() {
        let raw = r#"{"x_response":"aGVsbG8/d29ybGQ=","alipay_cert_sn":"abc","sign":"s"}"#;
        assert_eq!(member_value(raw, "x_response"), Some(r#""aGVsbG8/d29ybGQ=""#));
        assert_eq!(member_object(raw, "x_response"), None);
        assert_eq!(member_value(r#"{"x_response":1}"#, "x_response"), None);
    }

    #[test]
    fn a_key_named_inside_a_value_is_not_the_member() {
        let raw = r#"{"note":"\"x_response\":{\"fake\":1}","x_response":{"real":true}}"#;
        assert_eq!(member_object(raw, "x_response"), Some(r#"{"real":true}"#));
    }

    #[test]
    fn broken_json_gives_nothing() {
        assert_eq!(member_object(r#"{"x_response":{"a":"b"#, "x_response"), None);
        assert_eq!(member_object("[]", "x_response"), None);
        assert_eq!(member_object("", "x_response"), None);
    }
}

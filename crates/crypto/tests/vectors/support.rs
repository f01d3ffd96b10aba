//! Loading the shared vector files.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use std::path::PathBuf;

pub fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../vectors")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

pub fn wechat() -> Value {
    load("wechatpay_v3.json")
}

pub fn alipay() -> Value {
    load("alipay.json")
}

pub fn unionpay() -> Value {
    load("unionpay_acp.json")
}

/// The string at `pointer` (JSON pointer), failing the test if absent.
pub fn s<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("vector field {pointer} missing"))
}

/// The entry of array `section` whose `id` is `id`.
pub fn entry<'a>(v: &'a Value, section: &str, id: &str) -> &'a Value {
    v[section]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["id"] == id))
        .unwrap_or_else(|| panic!("vector {section}/{id} missing"))
}

/// A key referenced by name from a vector (`"private_key": "go_test_…"`).
pub fn key<'a>(v: &'a Value, name: &str) -> &'a str {
    s(v, &format!("/keys/{name}"))
}

pub fn b64(text: &str) -> Vec<u8> {
    STANDARD.decode(text).expect("vector base64")
}

pub fn unix(rfc3339: &str) -> i64 {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .expect("vector timestamp")
        .unix_timestamp()
}

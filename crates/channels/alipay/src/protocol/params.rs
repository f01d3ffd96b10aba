//! Parameters as they travel: `application/x-www-form-urlencoded` in the
//! query string and / or the body (`+` is a space, as every SDK encodes).

use std::collections::BTreeMap;

/// Parameters by name, in ASCII order (the order Alipay signs them in).
pub type Params = BTreeMap<String, String>;

/// Reads form-encoded text into `into`; a later value of the same name wins.
pub fn read_form(text: &[u8], into: &mut Params) {
    for (k, v) in form_urlencoded::parse(text) {
        into.insert(k.into_owned(), v.into_owned());
    }
}

pub fn parse_form(text: &[u8]) -> Params {
    let mut params = Params::new();
    read_form(text, &mut params);
    params
}

/// Form-encodes pairs (values percent-encoded, spaces as `+`).
pub fn encode_form<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_text_round_trips_with_plus_for_space() {
        let encoded = encode_form([("timestamp", "2024-05-13 17:49:20"), ("biz_content", "{\"a\":\"b&c\"}")]);
        assert!(encoded.contains("timestamp=2024-05-13+17%3A49%3A20"), "{encoded}");
        let back = parse_form(encoded.as_bytes());
        assert_eq!(back["timestamp"], "2024-05-13 17:49:20");
        assert_eq!(back["biz_content"], "{\"a\":\"b&c\"}");
    }
}

//! JD Pay's XML: one `<jdpay>` root with flat children (one level of
//! nesting for `<result><code/><desc/></result>`), UTF-8, written without
//! whitespace between elements. The parser reads exactly that shape and
//! refuses anything else (attributes, CDATA, deeper nesting).

pub const XML_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed JD Pay XML: {0}")]
pub struct XmlError(pub String);

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A JD Pay document: ordered `(name, value)` children of `<jdpay>`; a
/// name with a `/` (`result/code`) is one level of nesting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JdXml {
    pub fields: Vec<(String, String)>,
}

impl JdXml {
    pub fn new() -> JdXml {
        JdXml::default()
    }

    pub fn with(mut self, name: &str, value: impl Into<String>) -> JdXml {
        self.push(name, value);
        self
    }

    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.fields.push((name.to_string(), value.into()));
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A required field, named in the error when missing.
    pub fn require(&self, name: &str) -> Result<&str, XmlError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| XmlError(format!("field <{name}> is missing")))
    }

    /// The document with the XML declaration, no whitespace between elements.
    pub fn render(&self) -> String {
        let mut out = String::from(XML_HEAD);
        out.push_str("<jdpay>");
        let mut open_group: Option<&str> = None;
        for (name, value) in &self.fields {
            let (group, leaf) = match name.split_once('/') {
                Some((g, l)) => (Some(g), l),
                None => (None, name.as_str()),
            };
            if open_group != group {
                if let Some(g) = open_group {
                    out.push_str(&format!("</{g}>"));
                }
                if let Some(g) = group {
                    out.push_str(&format!("<{g}>"));
                }
                open_group = group;
            }
            out.push_str(&format!("<{leaf}>{}</{leaf}>", escape(value)));
        }
        if let Some(g) = open_group {
            out.push_str(&format!("</{g}>"));
        }
        out.push_str("</jdpay>");
        out
    }

    pub fn parse(text: &str) -> Result<JdXml, XmlError> {
        let mut rest = normalize(text);
        if let Some(stripped) = rest.strip_prefix(XML_HEAD) {
            rest = stripped.to_string();
        } else if rest.starts_with("<?xml") {
            let end = rest
                .find("?>")
                .ok_or_else(|| XmlError("unterminated declaration".into()))?;
            rest = rest[end + 2..].to_string();
        }
        let inner = rest
            .strip_prefix("<jdpay>")
            .and_then(|r| r.strip_suffix("</jdpay>"))
            .ok_or_else(|| XmlError("root element is not <jdpay>".into()))?;
        let mut doc = JdXml::new();
        parse_children(inner, None, &mut doc)?;
        Ok(doc)
    }
}

fn parse_children(mut text: &str, group: Option<&str>, doc: &mut JdXml) -> Result<(), XmlError> {
    while !text.is_empty() {
        let open_end = text
            .strip_prefix('<')
            .and_then(|t| t.find('>'))
            .ok_or_else(|| XmlError("expected an element".into()))?;
        let name = &text[1..=open_end];
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(XmlError("bad element name".into()));
        }
        let after_open = &text[open_end + 2..];
        let close = format!("</{name}>");
        let close_at = after_open
            .find(&close)
            .ok_or_else(|| XmlError(format!("<{name}> is not closed")))?;
        let content = &after_open[..close_at];
        if content.starts_with('<') {
            if group.is_some() {
                return Err(XmlError("nesting deeper than one level".into()));
            }
            parse_children(content, Some(name), doc)?;
        } else {
            if content.contains('<') {
                return Err(XmlError(format!("<{name}> mixes text and elements")));
            }
            let key = match group {
                Some(g) => format!("{g}/{name}"),
                None => name.to_string(),
            };
            doc.push(&key, unescape(content));
        }
        text = &after_open[close_at + close.len()..];
    }
    Ok(())
}

/// JD's canonical form before signing or verifying: the text split at tabs,
/// carriage returns and line feeds, each piece trimmed, pieces joined.
pub fn normalize(xml: &str) -> String {
    xml.split(['\t', '\r', '\n']).map(str::trim).collect()
}

/// The element `<name>…</name>` removed (first opening to last closing tag),
/// as JD's SDK does before checking a signature.
pub fn without_element(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    match (xml.find(&open), xml.rfind(&close)) {
        (Some(start), Some(end)) if end >= start => format!("{}{}", &xml[..start], &xml[end + close.len()..]),
        _ => xml.to_string(),
    }
}

/// The text of `<name>…</name>` (first opening to last closing tag).
pub fn element_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml.rfind(&close)?;
    xml.get(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_with_one_nested_group() {
        let doc = JdXml::new()
            .with("version", "V2.0")
            .with("merchant", "110025845001")
            .with("result/code", "000000")
            .with("result/desc", "成功 & <ok>")
            .with("encrypt", "abc");
        let text = doc.render();
        assert_eq!(
            text,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><jdpay><version>V2.0</version><merchant>110025845001</merchant><result><code>000000</code><desc>成功 &amp; &lt;ok&gt;</desc></result><encrypt>abc</encrypt></jdpay>"
        );
        assert_eq!(JdXml::parse(&text).unwrap(), doc);
    }

    #[test]
    fn parses_pretty_printed_input_the_way_jd_normalizes_it() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<jdpay>\n\t<version>V2.0</version>\r\n  <tradeNum>1</tradeNum>\n</jdpay>\n";
        let doc = JdXml::parse(text).unwrap();
        assert_eq!(doc.get("tradeNum"), Some("1"));
        assert!(JdXml::parse("<other><a>1</a></other>").is_err());
        assert!(JdXml::parse("<jdpay><a>1</b></jdpay>").is_err());
        assert!(JdXml::parse("<jdpay><a><b><c>1</c></b></a></jdpay>").is_err());
    }

    #[test]
    fn element_helpers_follow_the_sdk() {
        let xml = "<jdpay><a>1</a><sign>S</sign></jdpay>";
        assert_eq!(without_element(xml, "sign"), "<jdpay><a>1</a></jdpay>");
        assert_eq!(element_text(xml, "sign"), Some("S"));
        assert_eq!(without_element(xml, "missing"), xml);
    }
}

//! Every call to WeChat Pay: signed with the merchant key, sent through
//! the shared `HttpClient`, and — for any 2xx — verified against the
//! platform keys before a byte of the answer is believed.

use super::settings::Settings;
use crate::protocol::auth::{Authorization, SignedRequest, new_nonce};
use crate::protocol::clock::now_s;
use crate::protocol::errors::{Call, classify};
use crate::protocol::headers;
use crate::protocol::platform::{SignedHeaders, verify_signed};
use juhe_channel::ChannelError;
use juhe_channel::http::{HttpClient, HttpReply};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Whether the answer must carry a platform signature. Only the bill file
/// download is unsigned (the SDKs skip its validation); its SHA-1 is
/// checked against the signed `hash_value` instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    Signed,
    Unsigned,
}

pub struct Transport<'a> {
    pub http: &'a HttpClient,
    pub settings: &'a Settings,
    pub base_url: &'a str,
}

impl Transport<'_> {
    /// Sends one signed request; 2xx answers come back verified, others as
    /// they are (callers classify them).
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
        verify: Verify,
    ) -> Result<HttpReply, ChannelError> {
        let body = body.unwrap_or_default();
        let nonce = new_nonce();
        let auth = Authorization::sign(
            &self.settings.private_key,
            &self.settings.mchid,
            &self.settings.merchant_serial_no,
            &SignedRequest {
                method: method.as_str(),
                canonical_url: path_and_query,
                timestamp: now_s(),
                nonce: &nonce,
                body: &body,
            },
        )
        .map_err(|e| ChannelError::NotSent(format!("signing the request: {e}")))?;
        let url = format!("{}{path_and_query}", self.base_url);
        let raw = self.http.raw();
        let mut request = match method {
            Method::Get => raw.get(url),
            Method::Post => raw.post(url).header("content-type", "application/json").body(body),
        };
        request = request
            .header("accept", "application/json")
            .header("authorization", auth.header_value());
        let reply = self.http.send(request).await?;
        if (200..300).contains(&reply.status) && verify == Verify::Signed {
            let signed = SignedHeaders {
                timestamp: reply.header(headers::TIMESTAMP),
                nonce: reply.header(headers::NONCE),
                signature: reply.header(headers::SIGNATURE),
                serial: reply.header(headers::SERIAL),
            };
            // An answer we cannot authenticate may still describe something
            // that happened: never trust it, never treat it as a refusal.
            verify_signed(&self.settings.platform, &signed, &reply.body, now_s())
                .map_err(|e| ChannelError::Unknown(format!("unverifiable WeChat Pay answer: {e}")))?;
        }
        Ok(reply)
    }

    /// `send`, then any non-2xx answer becomes the classified error.
    pub async fn send_ok(
        &self,
        call: Call,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<HttpReply, ChannelError> {
        let reply = self.send(method, path_and_query, body, Verify::Signed).await?;
        if (200..300).contains(&reply.status) {
            Ok(reply)
        } else {
            Err(classify(call, &reply))
        }
    }
}

/// Reads a verified JSON answer; an unreadable one is `Unknown` (it was
/// signed by WeChat, so something did happen).
pub fn json<T: serde::de::DeserializeOwned>(reply: &HttpReply) -> Result<T, ChannelError> {
    serde_json::from_slice(&reply.body).map_err(|e| ChannelError::Unknown(format!("unreadable WeChat Pay answer: {e}")))
}

/// Percent-encodes a path segment (order numbers are `[0-9A-Za-z_-|*]`,
/// but nothing here relies on callers knowing that).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

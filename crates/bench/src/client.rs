//! A lean HTTP/1.1 client for the merchant API, on hyper's connection API: each worker owns one
//! keep-alive connection, so a request costs no pool lookup, URL parsing or redirect handling.
//! (Measured on a 2-core machine against a trivial server: reqwest spent about 3× the CPU per
//! request, enough to make the client the bottleneck of the healthz baseline.)
//! Plain `http://` only: the bench talks to the server's own listener, not through TLS.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::credentials::Credentials;
use crate::error::BenchError;
use crate::report::ErrorKey;
use crate::signing::sign_request;

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Why a request got no complete answer.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot connect: {0}")]
    Connect(#[from] std::io::Error),
    #[error("timed out")]
    Timeout,
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    #[error("cannot build the request: {0}")]
    Request(#[from] hyper::http::Error),
}

impl TransportError {
    /// The code a failed request is counted under in the report.
    pub fn key(&self) -> ErrorKey {
        let code = match self {
            TransportError::Connect(_) => "connect",
            TransportError::Timeout => "timeout",
            TransportError::Http(_) => "http",
            TransportError::Request(_) => "request",
        };
        ErrorKey {
            status: None,
            code: code.to_owned(),
        }
    }
}

/// A response read to the end.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

/// Where and as whom to send: shared by all workers.
pub(crate) struct Api {
    /// `host:port` to connect to.
    addr: String,
    /// The `Host` header: the base URL's authority.
    host: HeaderValue,
    /// The base URL's path without a trailing slash ("" for most servers); part of what is signed.
    prefix: String,
    app_id: String,
    app_secret: String,
    timeout: Duration,
}

impl Api {
    pub fn new(base_url: &str, creds: &Credentials, timeout: Duration) -> Result<Api, BenchError> {
        let invalid = |reason: &str| BenchError::InvalidBaseUrl {
            url: base_url.to_owned(),
            reason: reason.to_owned(),
        };
        let uri: Uri = base_url
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| invalid(&e.to_string()))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(invalid(
                    "the bench speaks plain HTTP; use the server's http:// listener",
                ));
            }
            _ => return Err(invalid("must start with http://")),
        }
        let authority = uri.authority().ok_or_else(|| invalid("no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("must not contain user info"));
        }
        if uri.query().is_some() {
            return Err(invalid("must not have a query"));
        }
        let host = HeaderValue::from_str(authority.as_str()).map_err(|_| invalid("bad host"))?;
        Ok(Api {
            addr: format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(80)),
            host,
            prefix: uri.path().trim_end_matches('/').to_owned(),
            app_id: creds.app_id.clone(),
            app_secret: creds.app_secret.clone(),
            timeout,
        })
    }

    /// The base URL, normalised (for the report).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.host.to_str().unwrap_or(&self.addr), self.prefix)
    }

    /// An unsigned GET of `path` (below the base URL).
    pub fn get(&self, path: &str) -> Result<Request<Full<Bytes>>, TransportError> {
        Ok(Request::builder()
            .method(Method::GET)
            .uri(format!("{}{path}", self.prefix))
            .header(HOST, self.host.clone())
            .body(Full::new(Bytes::new()))?)
    }

    /// A signed POST of the JSON `body` to `path` (below the base URL).
    pub fn post_signed(
        &self,
        path: &str,
        body: String,
        idempotency_key: Option<&str>,
    ) -> Result<Request<Full<Bytes>>, TransportError> {
        let path = format!("{}{path}", self.prefix);
        let auth = sign_request(&self.app_id, &self.app_secret, "POST", &path, body.as_bytes());
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(HOST, self.host.clone())
            .header(AUTHORIZATION, auth)
            .header(CONTENT_TYPE, JSON);
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        Ok(req.body(Full::new(Bytes::from(body)))?)
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, TransportError> {
        let stream = TcpStream::connect(&self.addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // Drives the socket; ends when the sender is dropped or the server closes.
        tokio::spawn(connection);
        Ok(sender)
    }
}

/// One keep-alive connection, opened on first use and reopened after a failure.
pub(crate) struct Connection {
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Connection {
    pub fn new() -> Connection {
        Connection { sender: None }
    }

    /// Opens the connection now, so a phase's clock does not include it.
    pub async fn open(api: &Api) -> Connection {
        Connection {
            sender: api.connect().await.ok(),
        }
    }

    /// Sends `req` and reads the whole answer, within the API's timeout.
    pub async fn send(&mut self, api: &Api, req: Request<Full<Bytes>>) -> Result<Answer, TransportError> {
        let result = tokio::time::timeout(api.timeout, self.exchange(api, req)).await;
        let answer = result.unwrap_or(Err(TransportError::Timeout));
        if answer.is_err() {
            // A connection that failed mid-request is in an unknown state: start afresh.
            self.sender = None;
        }
        answer
    }

    async fn exchange(&mut self, api: &Api, req: Request<Full<Bytes>>) -> Result<Answer, TransportError> {
        let mut sender = match self.sender.take() {
            Some(sender) if !sender.is_closed() => sender,
            _ => api.connect().await?,
        };
        if sender.ready().await.is_err() {
            // Closed while idle (e.g. the server's keep-alive timeout): the request was not sent yet.
            sender = api.connect().await?;
            sender.ready().await?;
        }
        let response = sender.send_request(req).await?;
        let keep_alive = response
            .headers()
            .get(CONNECTION)
            .is_none_or(|v| !v.as_bytes().eq_ignore_ascii_case(b"close"));
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if keep_alive {
            self.sender = Some(sender);
        }
        Ok(Answer { status, body })
    }
}

/// The API error code of an error answer: `{"error":{"code":…}}`, `{"code":…}` or `{"error":"…"}`;
/// "-" when the body has none.
pub(crate) fn error_code(body: &[u8]) -> String {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return "-".to_owned();
    };
    let code = v
        .pointer("/error/code")
        .or_else(|| v.get("code"))
        .or_else(|| v.get("error"))
        .and_then(|c| c.as_str());
    code.unwrap_or("-").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_from_bodies() {
        assert_eq!(
            error_code(br#"{"error":{"code":"insufficient_funds","message":"x"}}"#),
            "insufficient_funds"
        );
        assert_eq!(error_code(br#"{"code":"rate_limited"}"#), "rate_limited");
        assert_eq!(error_code(br#"{"error":"bad_signature"}"#), "bad_signature");
        assert_eq!(error_code(b"<html>oops</html>"), "-");
        assert_eq!(error_code(b""), "-");
    }

    fn creds() -> Credentials {
        serde_json::from_str(r#"{"app_id":"a","app_secret":"s"}"#).unwrap()
    }

    #[test]
    fn base_url_forms() {
        let t = Duration::from_secs(1);
        let api = Api::new("http://127.0.0.1:8080/", &creds(), t).unwrap();
        assert_eq!((api.addr.as_str(), api.prefix.as_str()), ("127.0.0.1:8080", ""));
        assert_eq!(api.base_url(), "http://127.0.0.1:8080");
        let api = Api::new("http://pay.example.com/juhe/", &creds(), t).unwrap();
        assert_eq!(
            (api.addr.as_str(), api.prefix.as_str()),
            ("pay.example.com:80", "/juhe")
        );
        assert_eq!(api.base_url(), "http://pay.example.com/juhe");
        let api = Api::new("http://[::1]:9000", &creds(), t).unwrap();
        assert_eq!(api.addr, "[::1]:9000");
        for bad in [
            "127.0.0.1:8080",
            "https://h/",
            "ftp://h/",
            "http://h/?q=1",
            "http://u:p@h/",
            "not a url",
        ] {
            assert!(Api::new(bad, &creds(), t).is_err(), "{bad}");
        }
    }

    #[test]
    fn signed_post_carries_the_headers_and_prefix() {
        let api = Api::new("http://127.0.0.1:8080/juhe", &creds(), Duration::from_secs(1)).unwrap();
        let req = api.post_signed("/v1/payments", "{}".to_owned(), Some("k1")).unwrap();
        assert_eq!(req.uri(), "/juhe/v1/payments");
        assert_eq!(req.headers()[HOST], "127.0.0.1:8080");
        assert_eq!(req.headers()["idempotency-key"], "k1");
        assert_eq!(req.headers()[CONTENT_TYPE], "application/json");
        let auth = req.headers()[AUTHORIZATION].to_str().unwrap();
        assert!(auth.starts_with(r#"JUHE-HMAC-SHA256 app_id="a",timestamp=""#), "{auth}");
        let get = api.get("/healthz").unwrap();
        assert_eq!(get.uri(), "/juhe/healthz");
        assert!(get.headers().get(AUTHORIZATION).is_none());
    }

    #[test]
    fn transport_errors_have_codes() {
        assert_eq!(TransportError::Timeout.key().to_string(), "transport timeout");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(TransportError::from(refused).key().code, "connect");
    }
}

//! One outbound HTTP client for every channel, with timeouts, whose errors
//! are already classified the way routing needs them: a request that could
//! not be sent (`NotSent`) versus one whose outcome is unknown (`Unknown`).

use crate::error::ChannelError;
use std::time::Duration;

/// An HTTP answer, read in full.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Retry-After` in delta-seconds, as milliseconds (an HTTP-date, or
    /// anything unreadable, is treated as absent). Capped at an hour so a
    /// hostile answer cannot take a configuration out of routing for long.
    pub fn retry_after_ms(&self) -> Option<i64> {
        const MAX_S: i64 = 3_600;
        let seconds: i64 = self.header("retry-after")?.trim().parse().ok()?;
        (seconds >= 0).then(|| seconds.min(MAX_S) * 1_000)
    }

    /// HTTP 429 Too Many Requests, as `ChannelError::RateLimited` (the
    /// institution's gateway refused the call before processing it); `None`
    /// for any other status. For channels whose own rate-limit answer is not
    /// known, this is the one answer that says so.
    pub fn too_many_requests(&self, institution: &str) -> Option<ChannelError> {
        (self.status == 429).then(|| {
            ChannelError::rate_limited(
                "HTTP_429",
                format!("{institution} answered HTTP 429 Too Many Requests"),
                self.retry_after_ms(),
            )
        })
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

/// Connect fast (a refused connection is a clean `NotSent`); give the
/// channel a generous but bounded time to answer.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

impl HttpClient {
    pub fn new() -> Result<HttpClient, ChannelError> {
        Self::with_timeouts(CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    pub fn with_timeouts(connect: Duration, total: Duration) -> Result<HttpClient, ChannelError> {
        let inner = reqwest::Client::builder()
            .connect_timeout(connect)
            .timeout(total)
            .user_agent(concat!("juhe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ChannelError::Config(format!("HTTP client: {e}")))?;
        Ok(HttpClient { inner })
    }

    pub fn raw(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Sends and reads the whole answer. Any status is returned as a reply;
    /// deciding what a status means is the channel's business.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<HttpReply, ChannelError> {
        let response = request.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(classify)?.to_vec();
        Ok(HttpReply { status, headers, body })
    }
}

fn classify(e: reqwest::Error) -> ChannelError {
    // Only a failed connect is certain not to have reached the channel;
    // everything after the first byte was written may have been acted on.
    if e.is_connect() && !e.is_timeout() {
        ChannelError::NotSent(format!("connect: {}", without_url(&e)))
    } else if e.is_builder() {
        ChannelError::NotSent(format!("request: {}", without_url(&e)))
    } else {
        ChannelError::Unknown(without_url(&e))
    }
}

/// Error text without the URL (query strings can carry tokens).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_and_capped() {
        let reply = |v: &str| HttpReply {
            status: 429,
            headers: vec![("Retry-After".into(), v.into())],
            body: Vec::new(),
        };
        assert_eq!(reply("3").retry_after_ms(), Some(3_000));
        assert_eq!(reply(" 0 ").retry_after_ms(), Some(0));
        assert_eq!(reply("99999999").retry_after_ms(), Some(3_600_000));
        assert_eq!(reply("-1").retry_after_ms(), None);
        assert_eq!(reply("Wed, 21 Oct 2015 07:28:00 GMT").retry_after_ms(), None);
        let none = HttpReply {
            status: 429,
            headers: Vec::new(),
            body: Vec::new(),
        };
        assert_eq!(none.retry_after_ms(), None);
        assert!(none.too_many_requests("X").is_some_and(|e| e.took_no_money()));
        assert_eq!(
            reply("3").too_many_requests("X").and_then(|e| e.retry_after_ms()),
            Some(3_000)
        );
        let ok = HttpReply {
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
        };
        assert!(ok.too_many_requests("X").is_none());
    }

    #[tokio::test]
    async fn refused_connection_is_not_sent() {
        // Bind then drop a listener so the port is (almost certainly) closed.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let client = HttpClient::new().unwrap();
        let err = client
            .send(client.raw().get(format!("http://127.0.0.1:{port}/x?token=secret")))
            .await
            .unwrap_err();
        assert!(matches!(err, ChannelError::NotSent(_)), "{err:?}");
        assert!(!err.to_string().contains("secret"));
    }

    #[tokio::test]
    async fn silence_after_connect_is_unknown() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let client = HttpClient::with_timeouts(Duration::from_secs(1), Duration::from_millis(300)).unwrap();
        let err = client
            .send(client.raw().get(format!("http://{addr}/")))
            .await
            .unwrap_err();
        assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
        hold.abort();
    }
}

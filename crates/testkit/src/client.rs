//! A merchant API client that signs like integrators do, and can also send
//! the deliberately wrong requests security tests need.

use juhe_crypto::authorization_header;
use serde_json::Value;

#[derive(Clone)]
pub struct Client {
    pub base_url: String,
    pub app_id: String,
    pub app_secret: String,
    http: reqwest::Client,
}

/// A response: status and parsed JSON (Null if the body is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// The error code of an error response, or "" if none.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// Everything about a request that a test may want to get wrong.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    pub method: &'static str,
    pub path: String,
    pub body: Vec<u8>,
    pub idempotency_key: Option<String>,
    /// Overrides the timestamp (Unix seconds) that is signed and sent.
    pub timestamp: Option<i64>,
    pub nonce: Option<String>,
    /// Sends this Authorization header instead of a correct one.
    pub authorization: Option<String>,
    /// Signs with this secret instead of the app's.
    pub secret: Option<String>,
}

impl Client {
    pub fn new(base_url: &str, app_id: &str, app_secret: &str) -> Client {
        Client {
            base_url: base_url.to_string(),
            app_id: app_id.to_string(),
            app_secret: app_secret.to_string(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.raw(Raw {
            method: "GET",
            path: path.into(),
            ..Default::default()
        })
        .await
    }

    /// POST with a fresh Idempotency-Key.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.post_keyed(path, body, &juhe_store::ids::random_hex(12)).await
    }

    pub async fn post_keyed(&self, path: &str, body: Value, key: &str) -> Reply {
        self.raw(Raw {
            method: "POST",
            path: path.into(),
            body: body.to_string().into_bytes(),
            idempotency_key: Some(key.into()),
            ..Default::default()
        })
        .await
    }

    pub async fn raw(&self, r: Raw) -> Reply {
        self.raw_with_headers(r).await.0
    }

    /// Like [`Client::raw`], also returning the response headers (Retry-After, Content-Type…).
    pub async fn raw_with_headers(&self, r: Raw) -> (Reply, reqwest::header::HeaderMap) {
        let timestamp = r.timestamp.unwrap_or_else(|| juhe_store::clock::now_ms() / 1000);
        let nonce = r.nonce.clone().unwrap_or_else(|| juhe_store::ids::random_hex(16));
        let secret = r.secret.clone().unwrap_or_else(|| self.app_secret.clone());
        let auth = r.authorization.clone().unwrap_or_else(|| {
            authorization_header(
                &self.app_id,
                secret.as_bytes(),
                r.method,
                &r.path,
                &r.body,
                &timestamp.to_string(),
                &nonce,
            )
        });
        let method = reqwest::Method::from_bytes(r.method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base_url, r.path))
            .header("Authorization", auth)
            .header("Content-Type", "application/json");
        if let Some(k) = &r.idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        read(req.body(r.body).send().await.expect("request reaches the server")).await
    }

    /// Sends a request with exactly these headers and no signature of its own,
    /// for requests that must lack or mangle what the signing client adds.
    pub async fn unsigned(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> (Reply, reqwest::header::HeaderMap) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{}", self.base_url, path));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        read(req.body(body).send().await.expect("request reaches the server")).await
    }
}

async fn read(resp: reqwest::Response) -> (Reply, reqwest::header::HeaderMap) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    (
        Reply {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        },
        headers,
    )
}

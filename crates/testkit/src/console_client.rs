//! A console user's browser, for HTTP tests of the consoles: keeps cookies,
//! follows no redirects (tests look at them), posts forms with the
//! session's CSRF token and our own Origin, and can leave either out.

use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct Browser {
    pub base_url: String,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<Option<String>>,
}

/// A response as a test looks at it.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
}

impl Page {
    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

/// The value of the first `name="csrf"` field of a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    let end = html[at..].find('"')?;
    Some(html[at..at + end].to_string())
}

impl Browser {
    pub fn new(base_url: &str) -> Browser {
        Browser {
            base_url: base_url.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("http client"),
            cookies: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(None),
        }
    }

    fn cookie_header(&self) -> String {
        let jar = self.cookies.lock().expect("jar");
        jar.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, response: &reqwest::Response) {
        let mut jar = self.cookies.lock().expect("jar");
        for v in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(text) = v.to_str() else { continue };
            let first = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = first.split_once('=') {
                let expired = text.contains("Max-Age=0");
                if expired || v.is_empty() {
                    jar.remove(k);
                } else {
                    jar.insert(k.to_string(), v.to_string());
                }
            }
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("jar").get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies.lock().expect("jar").insert(name.into(), value.into());
    }

    async fn page(&self, response: reqwest::Response) -> Page {
        self.keep_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = response.bytes().await.expect("body").to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = csrf_of(&body)
            && self.cookie("juhe_session").is_some()
        {
            *self.csrf.lock().expect("csrf") = Some(token);
        }
        Page {
            status,
            location,
            body,
            bytes,
            content_type,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base_url))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .send()
            .await
            .expect("GET");
        self.page(r).await
    }

    /// Posts a form as a browser on our page would: Origin, session CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.lock().expect("csrf").clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all, Some(&self.base_url.clone())).await
    }

    /// Posts exactly these fields with this Origin (None: no Origin header).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)], origin: Option<&str>) -> Page {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header(reqwest::header::COOKIE, self.cookie_header())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if let Some(o) = origin {
            req = req.header(reqwest::header::ORIGIN, o);
        }
        let r = req.send().await.expect("POST");
        self.page(r).await
    }

    /// Signs in through the form; the response (303 on success).
    pub async fn sign_in(&self, username: &str, password: &str) -> Page {
        let form = self.get("/console/login").await;
        let token = csrf_of(&form.body).expect("sign-in form token");
        let page = self
            .post_raw(
                "/console/login",
                &[
                    ("csrf", &token),
                    ("username", username),
                    ("password", password),
                    ("next", "/console"),
                ],
                Some(&self.base_url.clone()),
            )
            .await;
        if page.status == 303 {
            // Pick up the session's CSRF token from a page.
            self.get("/console/account").await;
        }
        page
    }
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

//! `juhe call METHOD PATH [BODY]`: a signed request with the demo credentials,
//! so nobody has to compute a signature by hand to try the API.

use crate::demo::DemoCredentials;
use clap::Args;
use juhe_crypto::authorization_header;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// GET or POST.
    pub method: String,
    /// Path with query, e.g. /v1/payments?status=succeeded
    pub path: String,
    /// JSON body for POST.
    pub body: Option<String>,
    /// Credentials file (default: <data-dir>/demo.json).
    #[arg(long)]
    pub credentials: Option<PathBuf>,
    #[arg(long, env = "JUHE_DATA_DIR", default_value = "juhe-data")]
    pub data_dir: PathBuf,
    /// Idempotency-Key header for POST (default: a fresh random key).
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

pub async fn run(args: CallArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let path = args
        .credentials
        .clone()
        .unwrap_or_else(|| args.data_dir.join("demo.json"));
    let creds: DemoCredentials = serde_json::from_slice(
        &std::fs::read(&path).map_err(|e| format!("{}: {e} (start `juhe serve --demo` first)", path.display()))?,
    )?;
    let method = args.method.to_ascii_uppercase();
    let body = args.body.clone().unwrap_or_default();
    let timestamp = (juhe_store::clock::now_ms() / 1000).to_string();
    let nonce = juhe_store::ids::random_hex(16);
    let auth = authorization_header(
        &creds.app_id,
        creds.app_secret.as_bytes(),
        &method,
        &args.path,
        body.as_bytes(),
        &timestamp,
        &nonce,
    );
    let client = reqwest::Client::new();
    let mut request = client
        .request(
            reqwest::Method::from_bytes(method.as_bytes())?,
            format!("{}{}", creds.base_url, args.path),
        )
        .header("Authorization", auth);
    if method == "POST" {
        let key = args
            .idempotency_key
            .clone()
            .unwrap_or_else(|| juhe_store::ids::random_hex(16));
        request = request
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .body(body);
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    let pretty = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(text);
    println!("HTTP {}\n{pretty}", status.as_u16());
    Ok(if status.is_success() { 0 } else { 1 })
}

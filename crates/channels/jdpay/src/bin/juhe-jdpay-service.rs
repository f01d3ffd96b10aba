//! The JD Pay channel service as its own process.
//!
//! Environment: `JUHE_URL` (juhe's base URL), `JUHE_CHANNEL_TOKEN` (the
//! registration token), `JDPAY_SERVICE_LISTEN` (default `127.0.0.1:7101`),
//! `JDPAY_SERVICE_PUBLIC_URL` (how juhe reaches this service; default
//! `http://{listen address}`). Stops on Ctrl-C, deregistering first.

use juhe_channel::http::HttpClient;
use juhe_channel_external::ServiceSecret;
use juhe_channel_jdpay::{ServiceConfig, run_service_until};
use std::process::ExitCode;
use std::time::Duration;

fn required(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))
}

fn config() -> Result<ServiceConfig, String> {
    let listen = std::env::var("JDPAY_SERVICE_LISTEN").unwrap_or_else(|_| "127.0.0.1:7101".into());
    Ok(ServiceConfig {
        juhe_url: required("JUHE_URL")?,
        registration_token: ServiceSecret::new(required("JUHE_CHANNEL_TOKEN")?),
        listen: listen
            .parse()
            .map_err(|_| format!("JDPAY_SERVICE_LISTEN {listen:?} is not host:port"))?,
        public_base_url: std::env::var("JDPAY_SERVICE_PUBLIC_URL").ok(),
        http: HttpClient::new().map_err(|e| e.to_string())?,
        backoff_initial: Duration::from_millis(500),
        backoff_max: Duration::from_secs(30),
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("juhe-jdpay-service: {e}");
            return ExitCode::from(2);
        }
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match run_service_until(config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("juhe-jdpay-service: {e}");
            ExitCode::FAILURE
        }
    }
}

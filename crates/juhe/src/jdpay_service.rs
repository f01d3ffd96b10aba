//! `juhe jdpay-service`: JD Pay as an external channel service, in its own
//! process, registering with a running juhe (it replaces the former
//! `juhe-jdpay-service` binary; same environment variables, plus flags).
//! Stops on Ctrl-C, deregistering first.

use clap::Args;
use juhe_channel::http::HttpClient;
use juhe_channel_external::ServiceSecret;
use juhe_channel_jdpay::{ServiceConfig, run_service_until};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct JdPayServiceArgs {
    /// juhe's base URL (where /v1/channel-services/register lives).
    #[arg(long, env = "JUHE_URL")]
    pub juhe_url: String,
    /// juhe's channel-service registration token (<data-dir>/channel.token).
    #[arg(long, env = "JUHE_CHANNEL_TOKEN", hide_env_values = true)]
    pub channel_token: String,
    /// Where this service listens.
    #[arg(long, env = "JDPAY_SERVICE_LISTEN", default_value = "127.0.0.1:7101")]
    pub listen: SocketAddr,
    /// How juhe reaches this service; http://<listen address> if unset.
    #[arg(long, env = "JDPAY_SERVICE_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl JdPayServiceArgs {
    pub fn service_config(self) -> Result<ServiceConfig, juhe_channel::ChannelError> {
        Ok(ServiceConfig {
            juhe_url: self.juhe_url,
            registration_token: ServiceSecret::new(self.channel_token),
            listen: self.listen,
            public_base_url: self.public_url,
            http: HttpClient::new()?,
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        })
    }
}

pub async fn run(args: JdPayServiceArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let config = args.service_config()?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    run_service_until(config, shutdown).await?;
    Ok(0)
}

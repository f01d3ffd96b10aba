//! `--demo` with channels: the demo merchant's WeChat Pay, Alipay,
//! UnionPay, JD Pay and card-acquirer configurations point at the channel
//! sandboxes — started in this process, or a running `juhe sandbox` named
//! by `JUHE_SANDBOX_URL` (its payer page URL) — and JD Pay runs as an
//! external channel service in this process, registering with this juhe.

use crate::demo::{DemoCredentials, DemoError, MERCHANT_ID, write_credentials};
use juhe_channel::http::HttpClient;
use juhe_channel_external::ServiceSecret;
use juhe_sandbox::{ChannelSetup, Endpoints};
use juhe_service::ServiceError;
use juhe_service::channels::ChannelHub;
use juhe_service::channels::configs::{self, ConfigInput};
use juhe_store::Db;
use std::path::Path;
use std::time::Duration;

/// Names the sandbox's page URL of a running `juhe sandbox` to use instead
/// of starting the sandboxes in this process.
pub const SANDBOX_URL_ENV: &str = "JUHE_SANDBOX_URL";
/// How long the JD Pay configuration waits for the service to register.
const JDPAY_REGISTRATION_WAIT: Duration = Duration::from_secs(60);

/// QR payments go to the highest priority: WeChat Pay first, then Alipay,
/// JD Pay, UnionPay (raise another's priority to route QR there). Barcode
/// payments follow the payment code's channel; card payments the acquirer.
fn priority(channel: &str) -> i64 {
    match channel {
        "wechatpay" => 40,
        "alipay" => 30,
        "jdpay" => 20,
        "unionpay" => 10,
        _ => 0,
    }
}

fn config_name(channel: &str) -> String {
    format!("sandbox {channel}")
}

fn input(setup: &ChannelSetup) -> ConfigInput {
    ConfigInput {
        channel: setup.channel.to_string(),
        name: config_name(setup.channel),
        enabled: true,
        params: setup.params.clone(),
        secrets: setup.secrets.clone(),
        fee_bps: 38,
        single_limit: None,
        daily_limit: None,
        priority: priority(setup.channel),
    }
}

/// Creates the demo merchant's configuration for this channel, or updates
/// the one an earlier start created (the sandbox ports may have changed).
async fn upsert(db: &Db, hub: &ChannelHub, setup: &ChannelSetup) -> Result<(), DemoError> {
    let existing = juhe_store::channel_configs::list_for_merchant(db.reader(), MERCHANT_ID)
        .await?
        .into_iter()
        .find(|row| row.channel == setup.channel && row.name == config_name(setup.channel));
    let input = input(setup);
    let hub = hub.clone();
    db.write(move |tx| {
        let (input, hub, existing) = (input.clone(), hub.clone(), existing.clone());
        Box::pin(async move {
            match existing {
                Some(row) => configs::update(tx, &hub, MERCHANT_ID, &row.id, &input).await,
                None => configs::create(tx, &hub, MERCHANT_ID, &input).await,
            }
            .map(|_| ())
        })
    })
    .await
    .map_err(|e: ServiceError| DemoError::Service(e))
}

async fn running_sandbox(page_url: &str) -> Result<Endpoints, DemoError> {
    let failed = |e: String| DemoError::SandboxUrl(page_url.to_string(), e);
    reqwest::get(format!("{}/api/endpoints", page_url.trim_end_matches('/')))
        .await
        .map_err(|e| failed(e.to_string()))?
        .error_for_status()
        .map_err(|e| failed(e.to_string()))?
        .json()
        .await
        .map_err(|e| failed(e.to_string()))
}

/// Keeps in-process sandboxes alive for as long as the runtime runs.
fn keep_alive(running: juhe_sandbox::Running) {
    tokio::spawn(async move {
        let _running = running;
        std::future::pending::<()>().await
    });
}

/// Wires the demo merchant to the sandboxes and records the payer page in
/// `demo.json`. `juhe_url` is where this juhe serves (for the JD Pay
/// service's registration).
pub async fn wire(
    db: &Db,
    hub: &ChannelHub,
    juhe_url: &str,
    service_token: &str,
    data_dir: &Path,
    creds: &mut DemoCredentials,
) -> Result<(), DemoError> {
    let endpoints = match std::env::var(SANDBOX_URL_ENV) {
        Ok(url) if !url.trim().is_empty() => running_sandbox(url.trim()).await?,
        _ => {
            let running = juhe_sandbox::start(juhe_sandbox::SandboxConfig::ephemeral()).await?;
            let endpoints = running.endpoints.clone();
            keep_alive(running);
            endpoints
        }
    };
    let setups = juhe_sandbox::register_merchant(&endpoints).await?;
    let (jdpay, built_in): (Vec<ChannelSetup>, Vec<ChannelSetup>) =
        setups.into_iter().partition(|s| s.channel == "jdpay");
    for setup in &built_in {
        upsert(db, hub, setup).await?;
    }

    // JD Pay is an external channel: its service must register (which it
    // does once this juhe serves) before a configuration can be validated.
    let service = juhe_channel_jdpay::ServiceConfig {
        juhe_url: juhe_url.to_string(),
        registration_token: ServiceSecret::new(service_token),
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        public_base_url: None,
        http: HttpClient::new()?,
        backoff_initial: Duration::from_millis(200),
        backoff_max: Duration::from_secs(5),
    };
    tokio::spawn(async move {
        if let Err(e) = juhe_channel_jdpay::run_service(service).await {
            tracing::warn!(error = %e, "the demo's JD Pay channel service stopped");
        }
    });
    let (db, hub) = (db.clone(), hub.clone());
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        while hub.registry.get("jdpay").is_none() {
            if started.elapsed() > JDPAY_REGISTRATION_WAIT {
                tracing::warn!("the JD Pay channel service did not register; no JD Pay configuration for the demo");
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for setup in &jdpay {
            match upsert(&db, &hub, setup).await {
                Ok(()) => tracing::info!("demo JD Pay configuration ready"),
                Err(e) => tracing::warn!(error = %e, "demo JD Pay configuration failed"),
            }
        }
    });

    creds.sandbox_url = Some(endpoints.page.clone());
    write_credentials(data_dir, creds)?;
    print_help(&endpoints);
    Ok(())
}

fn print_help(endpoints: &Endpoints) {
    println!(
        "\nChannel sandboxes (TEST-ONLY keys):\n\
         \x20 payer's phone page  {page}\n\
         \x20 WeChat Pay {wx}, Alipay {ali}, UnionPay {up}, JD Pay {jd} (external service), acquirer {acq}\n\
         A QR payment (WeChat Pay has the highest priority):\n\
         \x20 juhe call POST /v1/payments '{{\"merchant_order_no\":\"qr-1\",\"amount\":1234,\"subject\":\"car wash\",\"way\":\"qr\"}}'\n\
         then open {page}, paste the pay_action code_url (or pick the order) and press Pay;\n\
         \x20 juhe call GET /v1/payments/<id>   → \"status\": \"succeeded\"\n\
         A barcode payment paid at once (Alipay code):\n\
         \x20 juhe call POST /v1/payments '{{\"merchant_order_no\":\"bc-1\",\"amount\":500,\"subject\":\"snack\",\"way\":\"barcode\",\"payer\":{{\"auth_code\":\"286648048691290423\"}}}}'\n",
        page = endpoints.page,
        wx = endpoints.wechatpay,
        ali = endpoints.alipay,
        up = endpoints.unionpay,
        jd = endpoints.jdpay,
        acq = endpoints.acquirer,
    );
}

//! Binds every sandbox and the payer page, each on its own port.

use crate::SandboxError;
use crate::fixtures;
use juhe_channel_bankcard::sandbox::{HostState, Sandbox as AcquirerHost, SandboxHandle};
use juhe_sandbox_kit::local::spawn_serve;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Where each sandbox listens. Port 0 picks a free port.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub host: String,
    pub page_port: u16,
    pub wechatpay_port: u16,
    pub alipay_port: u16,
    pub unionpay_port: u16,
    pub jdpay_port: u16,
    /// The acquirer host's TCP port (ISO 8583 frames).
    pub acquirer_port: u16,
    /// The acquirer's HTTP control API (`/_sandbox/merchants`, script, faults).
    pub acquirer_control_port: u16,
    /// Notification retry schedules are divided by this (1 = the
    /// institutions' real pace).
    pub retry_divisor: u32,
}

impl SandboxConfig {
    /// The ports `juhe sandbox` uses unless told otherwise.
    pub fn defaults() -> SandboxConfig {
        SandboxConfig {
            host: "127.0.0.1".into(),
            page_port: 7200,
            wechatpay_port: 7201,
            alipay_port: 7202,
            unionpay_port: 7203,
            jdpay_port: 7204,
            acquirer_port: 7205,
            acquirer_control_port: 7206,
            retry_divisor: 60,
        }
    }

    /// Every port 0: free ports, for tests and for `juhe serve --demo`.
    pub fn ephemeral() -> SandboxConfig {
        SandboxConfig {
            page_port: 0,
            wechatpay_port: 0,
            alipay_port: 0,
            unionpay_port: 0,
            jdpay_port: 0,
            acquirer_port: 0,
            acquirer_control_port: 0,
            ..SandboxConfig::defaults()
        }
    }
}

/// The base URLs (and the acquirer's TCP address) of running sandboxes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Endpoints {
    pub page: String,
    pub wechatpay: String,
    pub alipay: String,
    pub unionpay: String,
    pub jdpay: String,
    pub acquirer: SocketAddr,
    pub acquirer_control: String,
}

impl Endpoints {
    /// The HTTP sandboxes holding orders the payer page can pay, by the
    /// juhe channel code.
    pub fn order_sandboxes(&self) -> [(&'static str, &str); 4] {
        [
            ("wechatpay", self.wechatpay.as_str()),
            ("alipay", self.alipay.as_str()),
            ("unionpay", self.unionpay.as_str()),
            ("jdpay", self.jdpay.as_str()),
        ]
    }
}

/// Running sandboxes; they stop when this is dropped.
pub struct Running {
    pub endpoints: Endpoints,
    tasks: Vec<JoinHandle<()>>,
    _acquirer: SandboxHandle,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("endpoints", &self.endpoints).finish()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn bind(what: &'static str, host: &str, port: u16) -> Result<(TcpListener, String), SandboxError> {
    let addr = format!("{host}:{port}");
    let listener = TcpListener::bind(&addr).await.map_err(|source| SandboxError::Bind {
        what,
        addr: addr.clone(),
        source,
    })?;
    let local = listener
        .local_addr()
        .map_err(|source| SandboxError::Bind { what, addr, source })?;
    Ok((listener, format!("http://{local}")))
}

/// A schedule of `delays_s` seconds divided by `divisor`.
fn schedule(delays_s: &[u64], divisor: u32) -> Vec<Duration> {
    let divisor = u64::from(divisor.max(1));
    delays_s
        .iter()
        .map(|s| Duration::from_millis(s * 1000 / divisor))
        .collect()
}

/// Starts every sandbox with no merchants yet (see
/// [`crate::register_merchant`]) and the payer page.
pub async fn start(config: SandboxConfig) -> Result<Running, SandboxError> {
    let host = config.host.as_str();
    let mut tasks = Vec::new();

    let (listener, wechatpay) = bind("the WeChat Pay sandbox", host, config.wechatpay_port).await?;
    let platform = juhe_channel_wechatpay::sandbox::SandboxPlatform::test_fixture()
        .map_err(|e| SandboxError::Setup("wechatpay", e.to_string()))?;
    let options = juhe_channel_wechatpay::sandbox::SandboxOptions {
        retry_divisor: config.retry_divisor,
        refund_settle: Duration::from_millis(500),
    };
    let state = juhe_channel_wechatpay::sandbox::SandboxState::new(platform, &[], options)
        .map_err(|e| SandboxError::Setup("wechatpay", e.to_string()))?;
    tasks.push(spawn_serve(listener, juhe_channel_wechatpay::sandbox::router(state)));

    let (listener, alipay) = bind("the Alipay sandbox", host, config.alipay_port).await?;
    let state = juhe_channel_alipay::sandbox::SandboxState::with_fixture_key(
        Vec::new(),
        juhe_channel_alipay::sandbox::alipay_retry_schedule(config.retry_divisor.max(1)),
    )
    .map_err(|e| SandboxError::Setup("alipay", e.to_string()))?;
    tasks.push(spawn_serve(listener, juhe_channel_alipay::sandbox::router(state)));

    let (listener, unionpay) = bind("the UnionPay sandbox", host, config.unionpay_port).await?;
    let options = juhe_channel_unionpay::sandbox::SandboxOptions {
        notify_schedule: schedule(&[60, 120, 240, 480, 960], config.retry_divisor),
        public_base_url: unionpay.clone(),
        refund_delay: Duration::from_millis(500),
    };
    let state = juhe_channel_unionpay::sandbox::SandboxState::new(&[], options)
        .map_err(|e| SandboxError::Setup("unionpay", e.to_string()))?;
    tasks.push(spawn_serve(
        listener,
        juhe_channel_unionpay::sandbox::router(Arc::new(state)),
    ));

    let (listener, jdpay) = bind("the JD Pay sandbox", host, config.jdpay_port).await?;
    let state = juhe_channel_jdpay::sandbox::SandboxState::new(
        fixtures::JDPAY_SANDBOX_PRIVATE_KEY,
        Vec::new(),
        schedule(&[15, 30, 180, 600, 1800], config.retry_divisor),
    )
    .map_err(|e| SandboxError::Setup("jdpay", e.to_string()))?;
    tasks.push(spawn_serve(listener, juhe_channel_jdpay::sandbox::router(state)));

    let host_state = Arc::new(HostState::default());
    let acquirer_addr = format!("{host}:{}", config.acquirer_port);
    let (acquirer, acquirer_handle) =
        AcquirerHost::start(&acquirer_addr, host_state.clone())
            .await
            .map_err(|source| SandboxError::Bind {
                what: "the acquirer host",
                addr: acquirer_addr,
                source,
            })?;
    let (listener, acquirer_control) = bind("the acquirer control API", host, config.acquirer_control_port).await?;
    tasks.push(spawn_serve(
        listener,
        juhe_channel_bankcard::sandbox::router(host_state),
    ));

    let (listener, page) = bind("the payer page", host, config.page_port).await?;
    let endpoints = Endpoints {
        page,
        wechatpay,
        alipay,
        unionpay,
        jdpay,
        acquirer,
        acquirer_control,
    };
    tasks.push(spawn_serve(listener, crate::page::router(endpoints.clone())));
    Ok(Running {
        endpoints,
        tasks,
        _acquirer: acquirer_handle,
    })
}

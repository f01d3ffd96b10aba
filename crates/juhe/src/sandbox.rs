//! `juhe sandbox`: every channel's sandbox and the payer's phone page on
//! local ports, with fixed TEST-ONLY keys, until Ctrl-C. `juhe serve
//! --demo` with `JUHE_SANDBOX_URL=<page url>` uses a running one instead of
//! starting its own.

use clap::Args;
use juhe_sandbox::SandboxConfig;

#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// Address every sandbox binds.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// The payer's phone page.
    #[arg(long, default_value_t = 7200)]
    pub page_port: u16,
    #[arg(long, default_value_t = 7201)]
    pub wechatpay_port: u16,
    #[arg(long, default_value_t = 7202)]
    pub alipay_port: u16,
    #[arg(long, default_value_t = 7203)]
    pub unionpay_port: u16,
    #[arg(long, default_value_t = 7204)]
    pub jdpay_port: u16,
    /// The acquirer host (TCP, ISO 8583 frames).
    #[arg(long, default_value_t = 7205)]
    pub acquirer_port: u16,
    /// The acquirer's HTTP control API.
    #[arg(long, default_value_t = 7206)]
    pub acquirer_control_port: u16,
    /// Notification retry schedules divided by this (1 = real pace).
    #[arg(long, default_value_t = 60)]
    pub retry_divisor: u32,
}

impl SandboxArgs {
    fn config(&self) -> SandboxConfig {
        SandboxConfig {
            host: self.host.clone(),
            page_port: self.page_port,
            wechatpay_port: self.wechatpay_port,
            alipay_port: self.alipay_port,
            unionpay_port: self.unionpay_port,
            jdpay_port: self.jdpay_port,
            acquirer_port: self.acquirer_port,
            acquirer_control_port: self.acquirer_control_port,
            retry_divisor: self.retry_divisor,
        }
    }
}

/// Where each sandbox listens, one per line.
pub fn describe(e: &juhe_sandbox::Endpoints) -> String {
    format!(
        "  payer page        {}\n  WeChat Pay        {}\n  Alipay            {}/gateway.do\n  UnionPay          {}\n  \
         JD Pay            {}\n  acquirer (TCP)    {}\n  acquirer control  {}\n",
        e.page, e.wechatpay, e.alipay, e.unionpay, e.jdpay, e.acquirer, e.acquirer_control
    )
}

pub async fn run(args: SandboxArgs) -> Result<i32, Box<dyn std::error::Error>> {
    let running = juhe_sandbox::start(args.config()).await?;
    // The fixture merchant is there from the start, so SDKs and juhe can call at once.
    juhe_sandbox::register_merchant(&running.endpoints).await?;
    println!(
        "juhe sandbox running (TEST-ONLY keys; see docs/sandbox.md):\n{}\
         Endpoints as JSON: {}/api/endpoints\nCtrl-C stops.",
        describe(&running.endpoints),
        running.endpoints.page
    );
    let _ = tokio::signal::ctrl_c().await;
    drop(running);
    Ok(0)
}

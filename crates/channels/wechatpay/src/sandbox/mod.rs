//! WeChat Pay's side of API v3, in-process: the endpoints juhe's client
//! (and the public SDKs) call, answering with WeChat's field names, states
//! and error codes, verifying every merchant signature, signing every
//! answer and notification with the platform key, and scriptable through
//! `juhe_sandbox_kit` (payer behaviour and faults).

mod bills;
mod certificates;
mod listing;
pub mod merchant;
mod notify;
mod order_lifecycle;
mod orders;
mod payer;
pub mod platform;
mod refunds;
mod store;
mod wire;

pub use merchant::{MerchantRegistration, PlatformMode};
pub use platform::SandboxPlatform;

use crate::protocol::ProtocolError;
use crate::protocol::clock::now_ms;
use axum::Router;
use axum::routing::{get, post};
use juhe_sandbox_kit::{Notifier, Script, control_router};
use merchant::Merchant;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{Books, lock};

/// WeChat's notification retry schedule in seconds (15s/15s/30s/3m/10m/
/// 20m/30m/30m/30m/60m/3h/3h/3h/6h/6h; openapi webhooks.yaml).
pub const RETRY_SCHEDULE_S: [u64; 15] = [
    15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

/// How the sandbox runs besides its platform identity and merchants.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// The retry schedule is divided by this (1 = WeChat's real pace;
    /// 1000 turns 15 s into 15 ms for tests).
    pub retry_divisor: u32,
    /// How long a refund stays `PROCESSING` before it succeeds.
    pub refund_settle: Duration,
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions {
            retry_divisor: 1,
            refund_settle: Duration::from_millis(200),
        }
    }
}

pub struct SandboxState {
    /// Platform identities, oldest first; the last one signs. Earlier ones
    /// stay listed by `/v3/certificates` (WeChat's rotation overlap).
    platforms: Mutex<Vec<Arc<SandboxPlatform>>>,
    /// The SM2 platform identity that signs to 国密 merchants.
    sm2_platform: Option<Arc<SandboxPlatform>>,
    merchants: Mutex<HashMap<String, Merchant>>,
    pub(crate) books: Books,
    pub script: Arc<Script>,
    pub(crate) notifier: Notifier,
    pub(crate) options: SandboxOptions,
    counter: AtomicU64,
}

impl SandboxState {
    pub fn new(
        platform: SandboxPlatform,
        merchants: &[MerchantRegistration],
        options: SandboxOptions,
    ) -> Result<Arc<SandboxState>, ProtocolError> {
        let script = Arc::new(Script::new());
        let divisor = u64::from(options.retry_divisor.max(1));
        let schedule = RETRY_SCHEDULE_S
            .iter()
            .map(|s| Duration::from_millis(s * 1000 / divisor))
            .collect();
        let state = SandboxState {
            platforms: Mutex::new(vec![Arc::new(platform)]),
            sm2_platform: SandboxPlatform::sm2_test_fixture().ok().map(Arc::new),
            merchants: Mutex::new(HashMap::new()),
            books: Books::default(),
            notifier: Notifier::new(script.clone(), schedule),
            script,
            options,
            counter: AtomicU64::new(1),
        };
        for registration in merchants {
            state.register(registration)?;
        }
        Ok(Arc::new(state))
    }

    pub fn register(&self, registration: &MerchantRegistration) -> Result<(), ProtocolError> {
        let merchant = Merchant::from_registration(registration)?;
        lock(&self.merchants).insert(merchant.mchid.clone(), merchant);
        Ok(())
    }

    pub(crate) fn merchant(&self, mchid: &str) -> Option<Merchant> {
        lock(&self.merchants).get(mchid).cloned()
    }

    /// The platform identity that signs now.
    pub fn platform(&self) -> Arc<SandboxPlatform> {
        let platforms = lock(&self.platforms);
        // Never empty: created with one, and rotation only adds.
        platforms[platforms.len() - 1].clone()
    }

    /// The SM2 platform identity (国密 merchants), if the sandbox has one.
    pub fn sm2_platform(&self) -> Option<Arc<SandboxPlatform>> {
        self.sm2_platform.clone()
    }

    /// Every platform identity, oldest first (certificates still listed).
    pub fn platforms(&self) -> Vec<Arc<SandboxPlatform>> {
        lock(&self.platforms).clone()
    }

    /// WeChat rotates its platform key: `next` signs every answer and
    /// notification from now on; the earlier certificates stay listed.
    pub fn rotate_platform(&self, next: SandboxPlatform) {
        lock(&self.platforms).push(Arc::new(next));
    }

    /// Signs `ts\nnonce\nbody\n` with the current platform key; the
    /// signature and the `Wechatpay-Serial` the merchant verifies it by
    /// (certificate serial or public key id, by the merchant's mode).
    pub(crate) fn sign_as_platform(
        &self,
        merchant: &Merchant,
        timestamp: i64,
        nonce: &str,
        body: &[u8],
    ) -> Result<(String, String), ProtocolError> {
        let platform = match merchant.scheme() {
            crate::protocol::scheme::Scheme::Rsa => self.platform(),
            crate::protocol::scheme::Scheme::Sm2 => self
                .sm2_platform()
                .ok_or_else(|| ProtocolError::Malformed("the sandbox has no SM2 platform identity".into()))?,
        };
        let signature = crate::protocol::platform::sign_response(&platform.private_key, timestamp, nonce, body)?;
        let serial = match merchant.platform_mode {
            PlatformMode::Certificate => platform.certificate_serial.clone(),
            PlatformMode::PublicKey => platform.public_key_id.clone(),
        };
        Ok((signature, serial))
    }

    /// The trade state of an order, for tests and the payer page.
    pub fn trade_state(&self, out_trade_no: &str) -> Option<String> {
        lock(&self.books.orders)
            .values()
            .find(|o| o.out_trade_no == out_trade_no)
            .map(|o| o.trade_state.clone())
    }

    /// A unique id of WeChat's shape: a prefix, the time, a counter.
    pub(crate) fn next_id(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}{:013}{:011}", now_ms(), n)
    }
}

pub fn router(state: Arc<SandboxState>) -> Router {
    let api = Router::new()
        .route("/v3/pay/transactions/{kind}", post(orders::create))
        .route(
            "/v3/pay/transactions/id/{transaction_id}",
            get(order_lifecycle::query_by_id),
        )
        .route(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}",
            get(order_lifecycle::query_by_out_trade_no),
        )
        .route(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}/close",
            post(order_lifecycle::close),
        )
        .route(
            "/v3/pay/transactions/out-trade-no/{out_trade_no}/reverse",
            post(order_lifecycle::reverse),
        )
        .route("/v3/refund/domestic/refunds", post(refunds::create))
        .route("/v3/refund/domestic/refunds/{out_refund_no}", get(refunds::query))
        .route("/v3/bill/tradebill", get(bills::trade_bill))
        .route("/v3/billdownload/file", get(bills::download))
        .route("/v3/certificates", get(certificates::list))
        .route("/_sandbox/platform/rotate", post(certificates::rotate))
        .route("/_sandbox/merchants", post(payer::register_merchant))
        .route("/_sandbox/orders", get(listing::list))
        .route("/_sandbox/orders/{out_trade_no}/pay", post(payer::pay))
        .route("/_sandbox/orders/{out_trade_no}/decline", post(payer::decline))
        .with_state(state.clone());
    api.merge(control_router(state.script.clone()))
}

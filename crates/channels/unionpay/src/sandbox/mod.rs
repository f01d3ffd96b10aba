//! UnionPay's side of ACP 5.1.0, in process: the gateway endpoints
//! (`frontTransReq.do`, `backTransReq.do`, `appTransReq.do`,
//! `queryTrans.do`) speaking the same form protocol, checking every
//! signature, signing every answer and notification, scripted through
//! `juhe_sandbox_kit`.

mod gateway;
pub mod ledger;
mod listing;
pub mod merchants;
mod messages;
mod payer;
mod settle;
pub mod signing;

use axum::Router;
use axum::routing::{get, post};
use juhe_sandbox_kit::{Notifier, Script, control_router};
use ledger::Ledger;
use merchants::{MerchantError, Merchants, SandboxMerchant};
use signing::UnionPaySigning;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use signing::{FIXTURE_MIDDLE_CERT, FIXTURE_ROOT_CERT, FIXTURE_SIGN_CERT, SigningSetupError};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Tunables of a sandbox instance.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// Delays between notification attempts after the first. UnionPay
    /// resends unacknowledged notifications with growing gaps ([MEM]); tests
    /// use milliseconds.
    pub notify_schedule: Vec<Duration>,
    /// Where payers reach this sandbox (used in `qrCode`).
    pub public_base_url: String,
    /// How long a refund stays accepted-but-processing before it succeeds.
    pub refund_delay: Duration,
}

impl Default for SandboxOptions {
    fn default() -> SandboxOptions {
        SandboxOptions {
            notify_schedule: [1u64, 2, 4, 8, 16]
                .iter()
                .map(|m| Duration::from_secs(m * 60))
                .collect(),
            public_base_url: "http://127.0.0.1".into(),
            refund_delay: Duration::from_millis(50),
        }
    }
}

pub struct SandboxState {
    pub script: Arc<Script>,
    pub merchants: Merchants,
    pub ledger: Ledger,
    notifier: Notifier,
    signing: UnionPaySigning,
    options: SandboxOptions,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl SandboxState {
    /// A sandbox signing with the committed TEST-ONLY certificate.
    pub fn new(merchants: &[SandboxMerchant], options: SandboxOptions) -> Result<SandboxState, SandboxSetupError> {
        SandboxState::with_signing(merchants, options, UnionPaySigning::fixtures()?)
    }

    pub fn with_signing(
        merchants: &[SandboxMerchant],
        options: SandboxOptions,
        signing: UnionPaySigning,
    ) -> Result<SandboxState, SandboxSetupError> {
        let script = Arc::new(Script::new());
        let notifier = Notifier::new(script.clone(), options.notify_schedule.clone());
        let state = SandboxState {
            script,
            merchants: Merchants::default(),
            ledger: Ledger::default(),
            notifier,
            signing,
            options,
        };
        for merchant in merchants {
            state.merchants.register(merchant)?;
        }
        Ok(state)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SandboxSetupError {
    #[error(transparent)]
    Signing(#[from] SigningSetupError),
    #[error("merchant: {0}")]
    Merchant(#[from] MerchantError),
}

pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/gateway/api/frontTransReq.do", post(gateway::front))
        .route("/gateway/api/backTransReq.do", post(gateway::back))
        .route("/gateway/api/appTransReq.do", post(gateway::app))
        .route("/gateway/api/queryTrans.do", post(gateway::query))
        .route("/_sandbox/merchants", post(payer::register_merchant))
        .route("/_sandbox/orders", get(listing::list))
        .route("/_sandbox/orders/{order_id}/pay", post(payer::pay))
        .route("/_sandbox/orders/{order_id}/decline", post(payer::decline))
        .with_state(state.clone())
        .merge(control_router(state.script.clone()))
}

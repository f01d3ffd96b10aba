//! The sandbox's memory: registered merchants (apps), trades with their
//! refunds, and issued bill download tickets.

use juhe_crypto::{RsaPrivate, RsaPublic};
use juhe_sandbox_kit::{Behaviour, Delivery, Notifier, Script};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The sandbox's own Alipay key pair (committed test fixtures, never a real key).
pub const FIXTURE_ALIPAY_PRIVATE_KEY: &str = include_str!("../../fixtures/sandbox-alipay-private-key.pem");
pub const FIXTURE_ALIPAY_PUBLIC_KEY: &str = include_str!("../../fixtures/sandbox-alipay-public-key.pem");

/// Alipay's notification retry schedule after the first attempt: 4m, 10m,
/// 10m, 1h, 2h, 6h, 15h (8 attempts in about 25 h), divided by `divisor`
/// so tests need not wait.
pub fn alipay_retry_schedule(divisor: u32) -> Vec<Duration> {
    [240u64, 600, 600, 3_600, 7_200, 21_600, 54_000]
        .iter()
        .map(|s| Duration::from_secs(*s) / divisor.max(1))
        .collect()
}

/// An app registered with the sandbox: its id, its seller (`pid`, 2088…)
/// and the app public key its requests are verified with.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub app_id: String,
    pub pid: String,
    pub public_key: RsaPublic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeStatus {
    WaitBuyerPay,
    Success,
    Closed,
}

impl TradeStatus {
    pub fn as_str(self) -> &'static str {
        use crate::protocol::wire::trade_status::*;
        match self {
            TradeStatus::WaitBuyerPay => WAIT_BUYER_PAY,
            TradeStatus::Success => TRADE_SUCCESS,
            TradeStatus::Closed => TRADE_CLOSED,
        }
    }
}

#[derive(Debug, Clone)]
pub struct RefundRecord {
    pub out_request_no: String,
    pub amount: i64,
    pub at_ms: i64,
}

#[derive(Debug, Clone)]
pub struct Trade {
    pub app_id: String,
    pub out_trade_no: String,
    pub trade_no: String,
    pub subject: String,
    pub total: i64,
    pub status: TradeStatus,
    pub created_ms: i64,
    pub paid_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    pub notify_url: Option<String>,
    pub store_id: Option<String>,
    pub terminal_id: Option<String>,
    pub qr_code: Option<String>,
    pub refunds: Vec<RefundRecord>,
    /// What the scripted payer does with this trade.
    pub behaviour: Behaviour,
    /// The last notification sent, delivered again after a newer one when
    /// the script asks for reordering.
    pub last_notice: Option<Delivery>,
}

impl Trade {
    pub fn refunded(&self) -> i64 {
        self.refunds.iter().map(|r| r.amount).sum()
    }
}

pub const BUYER_LOGON_ID: &str = "csq***@sandbox.com";
pub const BUYER_ID: &str = "2088102169481075";

/// Everything the sandbox holds. Shared by its handlers behind an `Arc`.
pub struct SandboxState {
    pub(crate) alipay_key: RsaPrivate,
    merchants: Mutex<BTreeMap<String, Merchant>>,
    trades: Mutex<BTreeMap<(String, String), Trade>>,
    bills: Mutex<BTreeMap<String, (String, time::Date)>>,
    pub script: Arc<Script>,
    pub(crate) notifier: Notifier,
    seq: AtomicU64,
    faults_served: AtomicU64,
}

impl std::fmt::Debug for SandboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxState").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl SandboxState {
    /// A sandbox signing with `alipay_key`, knowing `merchants`, retrying
    /// notifications after the delays in `notify_schedule`.
    pub fn new(alipay_key: RsaPrivate, merchants: Vec<Merchant>, notify_schedule: Vec<Duration>) -> Arc<SandboxState> {
        let script = Arc::new(Script::new());
        Arc::new(SandboxState {
            alipay_key,
            merchants: Mutex::new(merchants.into_iter().map(|m| (m.app_id.clone(), m)).collect()),
            trades: Mutex::new(BTreeMap::new()),
            bills: Mutex::new(BTreeMap::new()),
            notifier: Notifier::new(script.clone(), notify_schedule),
            script,
            seq: AtomicU64::new(1),
            faults_served: AtomicU64::new(0),
        })
    }

    /// A sandbox with the committed fixture Alipay key.
    pub fn with_fixture_key(
        merchants: Vec<Merchant>,
        notify_schedule: Vec<Duration>,
    ) -> Result<Arc<SandboxState>, juhe_crypto::KeyError> {
        Ok(SandboxState::new(
            RsaPrivate::parse(FIXTURE_ALIPAY_PRIVATE_KEY)?,
            merchants,
            notify_schedule,
        ))
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Counts injected failures, so a burst alternates HTTP 500 and `20000`.
    pub(crate) fn next_fault(&self) -> u64 {
        self.faults_served.fetch_add(1, Ordering::Relaxed)
    }

    pub fn add_merchant(&self, merchant: Merchant) {
        lock(&self.merchants).insert(merchant.app_id.clone(), merchant);
    }

    pub fn merchant(&self, app_id: &str) -> Option<Merchant> {
        lock(&self.merchants).get(app_id).cloned()
    }

    /// Runs `f` on the trade store (no await while it is held).
    pub(crate) fn with_trades<R>(&self, f: impl FnOnce(&mut BTreeMap<(String, String), Trade>) -> R) -> R {
        f(&mut lock(&self.trades))
    }

    /// A copy of a trade, by app and merchant order number.
    pub fn trade(&self, app_id: &str, out_trade_no: &str) -> Option<Trade> {
        lock(&self.trades)
            .get(&(app_id.to_string(), out_trade_no.to_string()))
            .cloned()
    }

    pub(crate) fn issue_bill_ticket(&self, app_id: &str, date: time::Date) -> String {
        let ticket = format!("{:016x}{:08x}", crate::protocol::clock::now_ms(), self.next_seq());
        lock(&self.bills).insert(ticket.clone(), (app_id.to_string(), date));
        ticket
    }

    pub(crate) fn bill_ticket(&self, ticket: &str) -> Option<(String, time::Date)> {
        lock(&self.bills).get(ticket).cloned()
    }
}

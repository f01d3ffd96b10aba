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
/// Certificate mode (all TEST-ONLY, see `fixtures/README.md`): the Alipay
/// public-key certificate of that key (with its intermediate), the root
/// bundle (an RSA root and an ECC root), and the fixture app's certificate.
pub const FIXTURE_ALIPAY_CERT: &str = include_str!("../../fixtures/sandbox-alipay-cert-TEST_ONLY.crt");
pub const FIXTURE_ALIPAY_ROOT_CERT: &str = include_str!("../../fixtures/sandbox-alipay-root-TEST_ONLY.crt");
pub const FIXTURE_APP_CERT: &str = include_str!("../../fixtures/sandbox-app-cert-TEST_ONLY.crt");
/// The key and certificate the sandbox rotates to (`POST /_sandbox/alipay-cert/rotate`).
pub const FIXTURE_ALIPAY_NEXT_PRIVATE_KEY: &str = include_str!("../../fixtures/sandbox-alipay-next-private-key.pem");
pub const FIXTURE_ALIPAY_NEXT_CERT: &str = include_str!("../../fixtures/sandbox-alipay-cert-next-TEST_ONLY.crt");

/// What the sandbox signs with: a key and, in certificate mode, the SN of
/// its certificate (named in answers to certificate-mode apps).
#[derive(Debug)]
pub struct Identity {
    pub(crate) key: RsaPrivate,
    pub cert_sn: Option<String>,
}

impl Identity {
    /// An identity from a key and its (first) certificate.
    pub fn with_certificate(key_pem: &str, cert_pem: &str) -> Result<Identity, juhe_crypto::KeyError> {
        let key = RsaPrivate::parse(key_pem)?;
        let cert = juhe_crypto::Certificate::parse(cert_pem)?;
        Ok(Identity {
            key,
            cert_sn: Some(crate::protocol::cert::cert_sn(&cert)),
        })
    }
}

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
/// and the app public key its requests are verified with; in certificate
/// mode the SN of its app certificate (its requests must name it); with
/// content encryption its AES key.
#[derive(Clone)]
pub struct Merchant {
    pub app_id: String,
    pub pid: String,
    pub public_key: RsaPublic,
    pub app_cert_sn: Option<String>,
    pub encrypt_key: Option<zeroize::Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for Merchant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Merchant")
            .field("app_id", &self.app_id)
            .field("pid", &self.pid)
            .field("app_cert_sn", &self.app_cert_sn)
            .field("encrypted", &self.encrypt_key.is_some())
            .finish_non_exhaustive()
    }
}

impl Merchant {
    /// A public-key-mode app without content encryption.
    pub fn new(app_id: &str, pid: &str, public_key: RsaPublic) -> Merchant {
        Merchant {
            app_id: app_id.to_string(),
            pid: pid.to_string(),
            public_key,
            app_cert_sn: None,
            encrypt_key: None,
        }
    }
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
    /// How often the payer page declined it (the trade stays open).
    pub declined_by_payer: u32,
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
    /// Signing identities, oldest first; the last one signs.
    identities: Mutex<Vec<Arc<Identity>>>,
    /// The SN of the root bundle certificate-mode apps must name.
    pub root_cert_sn: String,
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
    /// A sandbox signing as `identity`, knowing `merchants`, retrying
    /// notifications after the delays in `notify_schedule`.
    pub fn new(identity: Identity, merchants: Vec<Merchant>, notify_schedule: Vec<Duration>) -> Arc<SandboxState> {
        let script = Arc::new(Script::new());
        let root_cert_sn = juhe_crypto::x509::parse_bundle(FIXTURE_ALIPAY_ROOT_CERT)
            .map(|roots| crate::protocol::cert::root_cert_sn(&roots))
            .unwrap_or_default();
        Arc::new(SandboxState {
            identities: Mutex::new(vec![Arc::new(identity)]),
            root_cert_sn,
            merchants: Mutex::new(merchants.into_iter().map(|m| (m.app_id.clone(), m)).collect()),
            trades: Mutex::new(BTreeMap::new()),
            bills: Mutex::new(BTreeMap::new()),
            notifier: Notifier::new(script.clone(), notify_schedule),
            script,
            seq: AtomicU64::new(1),
            faults_served: AtomicU64::new(0),
        })
    }

    /// A sandbox with the committed fixture Alipay key and its certificate.
    pub fn with_fixture_key(
        merchants: Vec<Merchant>,
        notify_schedule: Vec<Duration>,
    ) -> Result<Arc<SandboxState>, juhe_crypto::KeyError> {
        Ok(SandboxState::new(
            Identity::with_certificate(FIXTURE_ALIPAY_PRIVATE_KEY, FIXTURE_ALIPAY_CERT)?,
            merchants,
            notify_schedule,
        ))
    }

    /// The identity that signs now.
    pub fn identity(&self) -> Arc<Identity> {
        let identities = lock(&self.identities);
        // Never empty: created with one, rotation only adds.
        identities[identities.len() - 1].clone()
    }

    /// Alipay rotates its certificate: `next` signs from now on.
    pub fn rotate_identity(&self, next: Identity) {
        lock(&self.identities).push(Arc::new(next));
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

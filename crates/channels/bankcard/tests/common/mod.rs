//! A sandbox host on 127.0.0.1:0, one registered terminal, and a channel
//! configured for it.
#![allow(dead_code)]

pub mod proxy;
pub mod sample;

use juhe_channel::request::CardPresent;
use juhe_channel::{ChannelConfig, CreatePayment, CreateRefund, PaymentRef, Secrets};
use juhe_channel_bankcard::keys::DesKey;
use juhe_channel_bankcard::sandbox::{HostState, HostTxn, Sandbox, SandboxHandle};
use juhe_channel_bankcard::{BankcardChannel, InMemoryJournal, InMemoryTraceCounter};
use juhe_domain::Money;
use juhe_domain::money::Currency;
use juhe_domain::way::Way;
use juhe_sandbox_kit::{Behaviour, Match, Rule};
use std::net::SocketAddr;
use std::sync::Arc;

pub const TERMINAL_ID: &str = "01007611";
pub const MERCHANT_NO: &str = "898150148141650";
/// A test-only terminal master key.
pub const TMK: &str = "0123456789ABCDEFFEDCBA9876543210";
pub const PAN: &str = "6221235200000000001";
pub const PIN_BLOCK: &str = "A1B2C3D4E5F60718";

pub struct Env {
    pub channel: BankcardChannel,
    pub cfg: ChannelConfig,
    pub host: Arc<HostState>,
    pub journal: Arc<InMemoryJournal>,
    pub addr: SocketAddr,
    _sandbox: SandboxHandle,
}

pub fn config(addr: SocketAddr, timeout_ms: u64) -> ChannelConfig {
    let mut secrets = Secrets::new();
    secrets.insert("tmk", TMK);
    let params = serde_json::json!({
        "host": addr.ip().to_string(),
        "port": addr.port().to_string(),
        "terminal_id": TERMINAL_ID,
        "merchant_no": MERCHANT_NO,
        "tpdu": "6000030000",
        "timeout_ms": timeout_ms.to_string(),
    });
    ChannelConfig {
        id: "chc_bankcard".into(),
        merchant_id: "mch_1".into(),
        channel: "bankcard".into(),
        params: params.as_object().cloned().unwrap_or_default(),
        secrets,
        notify_url: String::new(),
    }
}

pub fn new_channel() -> (BankcardChannel, Arc<InMemoryJournal>) {
    let journal = Arc::new(InMemoryJournal::default());
    let channel = BankcardChannel::new(Arc::new(InMemoryTraceCounter::default()), journal.clone());
    (channel, journal)
}

pub async fn env() -> Env {
    let host = Arc::new(HostState::default());
    host.add_terminal(TERMINAL_ID, MERCHANT_NO, DesKey::from_hex(TMK).unwrap());
    let (addr, handle) = Sandbox::start("127.0.0.1:0", host.clone()).await.unwrap();
    let (channel, journal) = new_channel();
    Env {
        channel,
        // Short timeout: the "never answers" cases wait this long.
        cfg: config(addr, 400),
        host,
        journal,
        addr,
        _sandbox: handle,
    }
}

impl Env {
    pub fn script(&self, amount: i64, behaviour: Behaviour) {
        self.host.script.add(Rule {
            matcher: Match {
                amount: Some(amount),
                ..Match::default()
            },
            behaviour,
            times: Some(1),
        });
    }

    /// The host's record of the purchase with this trace number.
    pub fn host_purchase(&self, rrn_or_trace: &str) -> HostTxn {
        self.host
            .transactions(TERMINAL_ID)
            .into_iter()
            .find(|t| t.rrn == rrn_or_trace || format!("{:06}", t.trace) == rrn_or_trace)
            .expect("host transaction")
    }
}

pub fn cny(amount: i64) -> Money {
    Money::new(amount, Currency::parse("CNY").unwrap())
}

pub fn card() -> CardPresent {
    CardPresent {
        pan: PAN.into(),
        track2: Some(format!("{PAN}=2512101")),
        expiry: Some("2512".into()),
        entry_mode: "051".into(),
        pin_block: Some(PIN_BLOCK.into()),
        icc_data: Some("9F2608A1B2C3D4E5F60718".into()),
        sequence: Some("001".into()),
    }
}

pub fn payment(order: &str, amount: i64) -> CreatePayment {
    CreatePayment {
        payment_id: format!("pay_{order}"),
        channel_order_no: order.into(),
        money: cny(amount),
        subject: "toll".into(),
        way: Way::Card,
        auth_code: None,
        payer_id: None,
        payer_ip: None,
        return_url: None,
        card: Some(card()),
        terminal_id: Some("lane-3".into()),
        site_id: None,
        expire_at_ms: 1_795_278_660_000,
        created_at_ms: 1_795_278_600_000,
    }
}

pub fn payment_ref(order: &str, amount: i64) -> PaymentRef {
    PaymentRef {
        channel_order_no: order.into(),
        channel_trade_no: None,
        money: cny(amount),
        created_at_ms: 1_795_278_600_000,
    }
}

pub fn refund(order: &str, refund_no: &str, paid: i64, amount: i64) -> CreateRefund {
    CreateRefund {
        refund_id: format!("ref_{refund_no}"),
        channel_refund_no: refund_no.into(),
        payment: payment_ref(order, paid),
        refund: cny(amount),
        reason: None,
        created_at_ms: 1_795_278_700_000,
    }
}

//! Rotating the terminal master key without downtime: while the new TMK
//! is being loaded at the acquirer, the configuration holds both versions,
//! and sign-in takes whichever one the host's working keys check against —
//! before the host switched and after. Retired, the old one no longer
//! signs in with a host that still uses it.

mod common;

use common::*;
use juhe_channel::{Channel, ChannelConfig, ChannelError, ChannelPaymentState};
use juhe_channel_bankcard::keys::DesKey;
use juhe_channel_bankcard::{BankcardChannel, InMemoryJournal, InMemoryTraceCounter};
use std::sync::Arc;

/// TEST-ONLY: the next terminal master key.
const NEW_TMK: &str = "FEDCBA98765432100123456789ABCDEF";

fn with_tmks(mut cfg: ChannelConfig, keys: &[&str]) -> ChannelConfig {
    cfg.secrets.insert_versions("tmk", keys.iter().map(|k| k.to_string()));
    cfg
}

/// A purchase through a fresh channel (no session: it signs in first) that
/// shares the terminal's trace counter (the host refuses a repeated trace).
async fn purchase(
    counter: &Arc<InMemoryTraceCounter>,
    cfg: &ChannelConfig,
    order: &str,
    amount: i64,
) -> Result<ChannelPaymentState, ChannelError> {
    let channel = BankcardChannel::new(counter.clone(), Arc::new(InMemoryJournal::default()));
    channel.create(cfg, &payment(order, amount)).await.map(|o| o.state)
}

#[tokio::test]
async fn sign_in_takes_whichever_live_tmk_the_host_uses() {
    let env = env().await;
    let counter = Arc::new(InMemoryTraceCounter::default());
    let rotating = with_tmks(env.cfg.clone(), &[NEW_TMK, TMK]);
    // The host still has the old TMK: the old version signs in.
    assert!(matches!(
        purchase(&counter, &rotating, "TMK-1", 100).await,
        Ok(ChannelPaymentState::Succeeded { .. })
    ));
    // The acquirer loads the new TMK: the new version signs in.
    env.host
        .add_terminal(TERMINAL_ID, MERCHANT_NO, DesKey::from_hex(NEW_TMK).unwrap());
    assert!(matches!(
        purchase(&counter, &rotating, "TMK-2", 101).await,
        Ok(ChannelPaymentState::Succeeded { .. })
    ));
    // A configuration with the old key alone cannot read the working keys.
    assert!(matches!(
        purchase(&counter, &env.cfg, "TMK-3", 102).await,
        Err(ChannelError::Config(_))
    ));
    // Retired old version: the new one alone is what signs in.
    let retired = with_tmks(env.cfg.clone(), &[NEW_TMK]);
    assert!(matches!(
        purchase(&counter, &retired, "TMK-4", 103).await,
        Ok(ChannelPaymentState::Succeeded { .. })
    ));
}

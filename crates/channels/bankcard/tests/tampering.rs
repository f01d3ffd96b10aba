//! MACs checked on both sides, and answers lost on the way back.

mod common;

use common::proxy::{Mode, Proxy};
use common::*;
use juhe_channel::{Channel, ChannelError};
use juhe_channel_bankcard::sandbox::{HostTxnKind, HostTxnState};
use juhe_channel_bankcard::{Journal, TxnState};

async fn through_proxy() -> (Env, Proxy, juhe_channel::ChannelConfig) {
    let env = env().await;
    let proxy = Proxy::start(env.addr).await;
    let cfg = config(proxy.addr, 400);
    (env, proxy, cfg)
}

#[tokio::test]
async fn host_rejects_a_tampered_request_with_a0() {
    let (env, proxy, cfg) = through_proxy().await;
    env.channel.sign_in(&cfg).await.unwrap();
    proxy.next(Mode::FlipRequest);
    let err = env.channel.create(&cfg, &payment("t1", 100)).await.unwrap_err();
    assert_eq!(err, ChannelError::declined("A0", "MAC verification failed"));
    assert!(
        env.host.transactions(TERMINAL_ID).is_empty(),
        "the host acted on a bad MAC"
    );
}

#[tokio::test]
async fn stale_working_keys_get_a0_then_the_client_signs_in_again() {
    let env = env().await;
    env.channel.sign_in(&env.cfg).await.unwrap();
    // Another front signs the same terminal in: the host's MAK changes.
    let (other, _) = new_channel();
    other.sign_in(&env.cfg).await.unwrap();
    let err = env.channel.create(&env.cfg, &payment("t2", 100)).await.unwrap_err();
    assert_eq!(err, ChannelError::declined("A0", "MAC verification failed"));
    // The rejected keys were dropped: the next purchase signs in first.
    env.channel.create(&env.cfg, &payment("t3", 100)).await.unwrap();
}

#[tokio::test]
async fn client_rejects_a_tampered_answer_as_unknown_and_reverses() {
    let (env, proxy, cfg) = through_proxy().await;
    env.channel.sign_in(&cfg).await.unwrap();
    proxy.next(Mode::FlipAnswer);
    let err = env.channel.create(&cfg, &payment("t4", 300)).await.unwrap_err();
    assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
    assert_eq!(env.host.transactions(TERMINAL_ID)[0].state, HostTxnState::Approved);
    env.channel.reverse(&cfg, &payment_ref("t4", 300)).await.unwrap();
    assert_eq!(env.host.transactions(TERMINAL_ID)[0].state, HostTxnState::Reversed);
}

#[tokio::test]
async fn lost_void_answer_is_reversed_and_the_purchase_voided_again() {
    let (env, proxy, cfg) = through_proxy().await;
    env.channel.create(&cfg, &payment("t5", 400)).await.unwrap();
    proxy.next(Mode::SwallowAnswer);
    let err = env.channel.reverse(&cfg, &payment_ref("t5", 400)).await.unwrap_err();
    assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
    let purchase = |env: &Env| {
        env.host
            .transactions(TERMINAL_ID)
            .into_iter()
            .find(|t| t.kind == HostTxnKind::Purchase)
            .unwrap()
    };
    // The host did void; the terminal does not know.
    assert_eq!(purchase(&env).state, HostTxnState::Voided);
    let record = env.journal.find(TERMINAL_ID, "t5").await.unwrap().unwrap();
    assert!(matches!(record.state, TxnState::VoidPending { .. }));

    env.channel.reverse(&cfg, &payment_ref("t5", 400)).await.unwrap();
    let txns = env.host.transactions(TERMINAL_ID);
    let voids: Vec<_> = txns.iter().filter(|t| t.kind == HostTxnKind::Void).collect();
    assert_eq!(voids.len(), 2);
    assert_eq!(voids[0].state, HostTxnState::Reversed, "the lost void was reversed");
    assert_eq!(voids[1].state, HostTxnState::Approved, "and the purchase voided again");
    assert_eq!(purchase(&env).state, HostTxnState::Voided);
    let settlement = env.channel.settle(&cfg).await.unwrap();
    assert!(settlement.balanced);
    assert_eq!(settlement.totals.debit_count, 0);
}

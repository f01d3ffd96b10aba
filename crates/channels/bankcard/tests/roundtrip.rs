//! Every operation of the client against the sandbox host in-process.

mod common;

use common::*;
use juhe_channel::outcome::RefundState;
use juhe_channel::{Channel, ChannelError, ChannelPaymentState};
use juhe_channel_bankcard::TxnState;
use juhe_channel_bankcard::sandbox::{HostTxnKind, HostTxnState};
use juhe_sandbox_kit::{Behaviour, Faults};

fn rrn_of(state: &ChannelPaymentState) -> String {
    match state {
        ChannelPaymentState::Succeeded { channel_trade_no, .. } => channel_trade_no.clone(),
        other => panic!("not succeeded: {other:?}"),
    }
}

async fn journal_state(env: &Env, order: &str) -> TxnState {
    use juhe_channel_bankcard::Journal;
    env.journal
        .find(TERMINAL_ID, order)
        .await
        .unwrap()
        .expect("journal record")
        .state
}

#[tokio::test]
async fn sign_in_installs_working_keys_on_both_sides() {
    let env = env().await;
    assert!(!env.host.signed_in(TERMINAL_ID));
    env.channel.sign_in(&env.cfg).await.unwrap();
    assert!(env.host.signed_in(TERMINAL_ID));
}

#[tokio::test]
async fn sign_in_with_the_wrong_tmk_fails_the_check_values() {
    let env = env().await;
    let mut cfg = env.cfg.clone();
    cfg.secrets.insert("tmk", "1123456789ABCDEFFEDCBA9876543210");
    let err = env.channel.sign_in(&cfg).await.unwrap_err();
    assert!(
        matches!(&err, ChannelError::Config(m) if m.contains("check value")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("1123456789ABCDEF"));
}

#[tokio::test]
async fn unknown_terminal_is_declined_as_invalid_merchant() {
    let env = env().await;
    let mut cfg = env.cfg.clone();
    cfg.params.insert("terminal_id".into(), "99999999".into());
    let err = env.channel.sign_in(&cfg).await.unwrap_err();
    assert_eq!(err, ChannelError::declined("03", "invalid merchant"));
}

#[tokio::test]
async fn purchase_is_approved_with_the_hosts_reference() {
    let env = env().await;
    let outcome = env.channel.create(&env.cfg, &payment("o1", 4993)).await.unwrap();
    let rrn = rrn_of(&outcome.state);
    assert_eq!(outcome.channel_trade_no.as_deref(), Some(rrn.as_str()));
    assert!(matches!(
        outcome.state,
        ChannelPaymentState::Succeeded { amount: 4993, .. }
    ));
    let host = env.host_purchase(&rrn);
    assert_eq!(
        (host.kind, host.state, host.amount),
        (HostTxnKind::Purchase, HostTxnState::Approved, 4993)
    );
    assert!(matches!(journal_state(&env, "o1").await, TxnState::Approved { rrn: r, .. } if r == rrn));
}

#[tokio::test]
async fn scripted_decline_carries_the_hosts_code() {
    let env = env().await;
    env.script(
        500,
        Behaviour::Decline {
            code: "05".into(),
            message: "do not honour".into(),
        },
    );
    let err = env.channel.create(&env.cfg, &payment("o2", 500)).await.unwrap_err();
    assert_eq!(err, ChannelError::declined("05", "do not honour"));
    assert!(err.took_no_money());
    assert_eq!(
        journal_state(&env, "o2").await,
        TxnState::Declined { code: "05".into() }
    );
    // Declined: reverse has nothing to undo.
    env.channel.reverse(&env.cfg, &payment_ref("o2", 500)).await.unwrap();
}

#[tokio::test]
async fn insufficient_funds_is_code_51() {
    let env = env().await;
    env.script(700, Behaviour::InsufficientFunds);
    let err = env.channel.create(&env.cfg, &payment("o3", 700)).await.unwrap_err();
    assert_eq!(err, ChannelError::declined("51", "insufficient funds"));
}

async fn unanswered_then_reversed(behaviour: Behaviour) {
    let env = env().await;
    env.script(800, behaviour);
    let err = env.channel.create(&env.cfg, &payment("o4", 800)).await.unwrap_err();
    assert!(matches!(err, ChannelError::Unknown(_)), "{err:?}");
    assert!(!err.took_no_money());
    // The host approved: money is taken until the reversal.
    let taken = env.host.transactions(TERMINAL_ID);
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].state, HostTxnState::Approved);
    assert_eq!(journal_state(&env, "o4").await, TxnState::Pending);

    env.channel.reverse(&env.cfg, &payment_ref("o4", 800)).await.unwrap();
    assert_eq!(env.host.transactions(TERMINAL_ID)[0].state, HostTxnState::Reversed);
    assert_eq!(journal_state(&env, "o4").await, TxnState::Reversed);
    // Reversing again is a no-op.
    env.channel.reverse(&env.cfg, &payment_ref("o4", 800)).await.unwrap();
}

#[tokio::test]
async fn never_answering_host_gives_unknown_then_reversal() {
    unanswered_then_reversed(Behaviour::NeverAnswer).await;
}

#[tokio::test]
async fn staying_paying_gives_unknown_then_reversal() {
    unanswered_then_reversed(Behaviour::StayPaying).await;
}

#[tokio::test]
async fn system_malfunction_burst_is_unknown_and_reversal_is_retried() {
    let env = env().await;
    env.channel.sign_in(&env.cfg).await.unwrap();
    env.script(900, Behaviour::NeverAnswer);
    assert!(matches!(
        env.channel.create(&env.cfg, &payment("o5", 900)).await,
        Err(ChannelError::Unknown(_))
    ));
    // The host answers 96 to the first reversal: still unknown, try again.
    env.host.script.set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    let first = env.channel.reverse(&env.cfg, &payment_ref("o5", 900)).await;
    assert!(matches!(first, Err(ChannelError::Unknown(_))), "{first:?}");
    assert_eq!(env.host.transactions(TERMINAL_ID)[0].state, HostTxnState::Approved);
    env.channel.reverse(&env.cfg, &payment_ref("o5", 900)).await.unwrap();
    assert_eq!(env.host.transactions(TERMINAL_ID)[0].state, HostTxnState::Reversed);

    // A 96 to the purchase itself is unknown too; its reversal finds nothing (25) and succeeds.
    env.host.script.set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    assert!(matches!(
        env.channel.create(&env.cfg, &payment("o6", 901)).await,
        Err(ChannelError::Unknown(_))
    ));
    env.channel.reverse(&env.cfg, &payment_ref("o6", 901)).await.unwrap();
    assert_eq!(journal_state(&env, "o6").await, TxnState::Reversed);
}

#[tokio::test]
async fn void_undoes_an_approved_purchase_in_the_open_batch() {
    let env = env().await;
    let outcome = env.channel.create(&env.cfg, &payment("o7", 1200)).await.unwrap();
    let rrn = rrn_of(&outcome.state);
    env.channel.reverse(&env.cfg, &payment_ref("o7", 1200)).await.unwrap();
    assert_eq!(env.host_purchase(&rrn).state, HostTxnState::Voided);
    let voids: Vec<_> = env
        .host
        .transactions(TERMINAL_ID)
        .into_iter()
        .filter(|t| t.kind == HostTxnKind::Void)
        .collect();
    assert_eq!(voids.len(), 1);
    assert_eq!(voids[0].original_rrn.as_deref(), Some(rrn.as_str()));
    assert_eq!(journal_state(&env, "o7").await, TxnState::Voided);
}

#[tokio::test]
async fn void_in_doubt_is_reversed_then_voided_again() {
    let env = env().await;
    let rrn = rrn_of(&env.channel.create(&env.cfg, &payment("o8", 1300)).await.unwrap().state);
    // A 96 leaves the void in doubt: the next call reverses it (the host
    // never had it: 25) and voids again.
    env.host.script.set_faults(Faults {
        fail_next: 1,
        ..Faults::default()
    });
    let first = env.channel.reverse(&env.cfg, &payment_ref("o8", 1300)).await;
    assert!(matches!(first, Err(ChannelError::Unknown(_))), "{first:?}");
    assert!(matches!(journal_state(&env, "o8").await, TxnState::VoidPending { .. }));
    assert_eq!(env.host_purchase(&rrn).state, HostTxnState::Approved);
    env.channel.reverse(&env.cfg, &payment_ref("o8", 1300)).await.unwrap();
    assert_eq!(env.host_purchase(&rrn).state, HostTxnState::Voided);
}

#[tokio::test]
async fn refund_acts_on_the_original_and_respects_its_amount() {
    let env = env().await;
    let rrn = rrn_of(&env.channel.create(&env.cfg, &payment("o9", 5000)).await.unwrap().state);
    let report = env
        .channel
        .refund(&env.cfg, &refund("o9", "r1", 5000, 2000))
        .await
        .unwrap();
    assert_eq!(report.amount, 2000);
    assert!(matches!(report.state, RefundState::Succeeded { .. }));
    let refund_rrn = report.channel_refund_id.clone().unwrap();
    let host_refund = env.host_purchase(&refund_rrn);
    assert_eq!(host_refund.kind, HostTxnKind::Refund);
    assert_eq!(host_refund.original_rrn.as_deref(), Some(rrn.as_str()));
    assert_eq!(env.host_purchase(&rrn).refunded, 2000);

    // The same refund number again answers from the journal, not a second refund.
    let again = env
        .channel
        .refund(&env.cfg, &refund("o9", "r1", 5000, 2000))
        .await
        .unwrap();
    assert_eq!(again.channel_refund_id, report.channel_refund_id);
    assert_eq!(env.host_purchase(&rrn).refunded, 2000);

    let err = env
        .channel
        .refund(&env.cfg, &refund("o9", "r2", 5000, 3001))
        .await
        .unwrap_err();
    assert_eq!(err, ChannelError::declined("64", "original amount incorrect"));
    let unknown = env.channel.refund(&env.cfg, &refund("nope", "r3", 5000, 1)).await;
    assert_eq!(unknown.unwrap_err(), ChannelError::NotFound);
}

#[tokio::test]
async fn settlement_balances_and_opens_the_next_batch() {
    let env = env().await;
    env.channel.create(&env.cfg, &payment("s1", 1000)).await.unwrap();
    env.channel.create(&env.cfg, &payment("s2", 2500)).await.unwrap();
    env.channel.create(&env.cfg, &payment("s3", 700)).await.unwrap();
    env.channel.reverse(&env.cfg, &payment_ref("s3", 700)).await.unwrap();
    env.channel
        .refund(&env.cfg, &refund("s2", "sr1", 2500, 500))
        .await
        .unwrap();

    let settlement = env.channel.settle(&env.cfg).await.unwrap();
    assert!(settlement.balanced, "{settlement:?}");
    assert_eq!(settlement.batch, 1);
    assert_eq!(settlement.next_batch, 2);
    assert_eq!(
        (settlement.totals.debit_count, settlement.totals.debit_amount),
        (2, 3500)
    );
    assert_eq!(
        (settlement.totals.credit_count, settlement.totals.credit_amount),
        (1, 500)
    );
    assert!(env.host.transactions(TERMINAL_ID).iter().all(|t| t.settled));

    // A purchase of the settled batch can no longer be voided.
    let err = env
        .channel
        .reverse(&env.cfg, &payment_ref("s1", 1000))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ChannelError::Declined { ref code, .. } if code == "SETTLED"),
        "{err:?}"
    );
    // The next batch starts empty and balanced.
    let next = env.channel.settle(&env.cfg).await.unwrap();
    assert!(next.balanced);
    assert_eq!((next.batch, next.totals.debit_count), (2, 0));
}

#[tokio::test]
async fn settlement_with_an_unreversed_purchase_is_not_balanced() {
    let env = env().await;
    env.channel.create(&env.cfg, &payment("u1", 1000)).await.unwrap();
    env.script(1500, Behaviour::NeverAnswer);
    assert!(env.channel.create(&env.cfg, &payment("u2", 1500)).await.is_err());
    let settlement = env.channel.settle(&env.cfg).await.unwrap();
    assert!(!settlement.balanced);
    assert_eq!(settlement.totals.debit_amount, 1000);
}

#[tokio::test]
async fn query_is_unsupported_reversal_resolves_unknowns() {
    let env = env().await;
    let err = env.channel.query(&env.cfg, &payment_ref("o1", 1)).await.unwrap_err();
    assert_eq!(err, ChannelError::Unsupported(juhe_channel::Operation::Query));
    let err = env
        .channel
        .reverse(&env.cfg, &payment_ref("never-seen", 1))
        .await
        .unwrap_err();
    assert_eq!(err, ChannelError::NotFound);
}

#[tokio::test]
async fn unreachable_host_is_not_sent() {
    let env = env().await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let (channel, _) = new_channel();
    let err = channel
        .create(&config(addr, 400), &payment("n1", 100))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::NotSent(_)), "{err:?}");
    drop(env);
}

#[tokio::test]
async fn config_is_validated_without_showing_secrets() {
    let env = env().await;
    env.channel.validate_config(&env.cfg).unwrap();
    let mut cfg = env.cfg.clone();
    cfg.secrets.insert("tmk", "not-hex-secret");
    let err = env.channel.validate_config(&cfg).unwrap_err().to_string();
    assert!(err.contains("tmk") && !err.contains("not-hex-secret"), "{err}");
    let mut cfg = env.cfg.clone();
    cfg.params.insert("tpdu".into(), "7000030000".into());
    assert!(env.channel.validate_config(&cfg).is_err());
    let caps = env.channel.capabilities();
    assert!(caps.supports(juhe_channel::Operation::Reverse) && !caps.supports(juhe_channel::Operation::Query));
}

#[tokio::test]
async fn concurrent_calls_for_one_terminal_take_turns() {
    let env = env().await;
    let requests: Vec<_> = (0..4).map(|i| payment(&format!("c{i}"), 100)).collect();
    let calls = requests.iter().map(|r| env.channel.create(&env.cfg, r));
    let outcomes = futures::future::join_all(calls).await;
    // Without turns, each call would sign in and replace the others' MAC key (A0).
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    let traces: std::collections::BTreeSet<u32> = env.host.transactions(TERMINAL_ID).iter().map(|t| t.trace).collect();
    assert_eq!(traces.len(), 4);
}

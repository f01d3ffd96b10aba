//! `JdPayChannel` against the JD Pay sandbox, in process: every operation,
//! every scripted failure, notifications with faults, tampering.

mod common;

use common::*;
use juhe_channel::http::HttpClient;
use juhe_channel::{Channel, ChannelError, ChannelPaymentState, Notification, PayAction, RefundState};
use juhe_channel_jdpay::JdPayChannel;
use juhe_domain::way::Way;
use juhe_sandbox_kit::{Behaviour, Faults, Match, Rule};
use std::time::Duration;

/// Generous: RSA in debug builds on a shared 2-core machine is slow.
fn channel() -> JdPayChannel {
    JdPayChannel::new(HttpClient::with_timeouts(Duration::from_secs(2), Duration::from_secs(20)).unwrap())
}

/// For the call that is meant to time out.
fn impatient_channel() -> JdPayChannel {
    JdPayChannel::new(HttpClient::with_timeouts(Duration::from_secs(2), Duration::from_millis(1500)).unwrap())
}

fn rule(amount: i64, behaviour: Behaviour) -> Rule {
    Rule {
        matcher: Match {
            amount: Some(amount),
            ..Match::default()
        },
        behaviour,
        times: Some(1),
    }
}

#[tokio::test]
async fn a_throttling_gateway_is_a_rate_limit_with_its_wait() {
    let busy = juhe_sandbox_kit::throttling_gateway(4).await.unwrap();
    let cfg = config(&busy.url, "http://127.0.0.1:9/unused");
    let err = channel()
        .create(&cfg, &create("busy1", 300, Way::Barcode, Some("18123456789012345678")))
        .await
        .unwrap_err();
    assert!(matches!(err, ChannelError::RateLimited { .. }), "{err:?}");
    assert!(err.took_no_money());
    assert_eq!(err.retry_after_ms(), Some(4_000));
}

#[tokio::test]
async fn qr_payment_is_paid_on_the_payer_page_then_refunded() {
    let (_state, url) = start_sandbox().await;
    let (received, notify) = start_receiver().await;
    let cfg = config(&url, &notify);
    let ch = channel();
    ch.validate_config(&cfg).unwrap();

    let outcome = ch.create(&cfg, &create("QR1", 1234, Way::Qr, None)).await.unwrap();
    assert_eq!(outcome.state, ChannelPaymentState::AwaitingPayer);
    assert!(matches!(outcome.action, Some(PayAction::QrCode { ref code_url }) if code_url.starts_with("https://")));
    assert_eq!(
        ch.query(&cfg, &payment("QR1", 1234)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    );

    let paid = reqwest::Client::new()
        .post(format!("{url}/_sandbox/orders/QR1/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 204);
    match ch.query(&cfg, &payment("QR1", 1234)).await.unwrap() {
        ChannelPaymentState::Succeeded {
            amount,
            channel_trade_no,
            ..
        } => {
            assert_eq!(amount, 1234);
            assert_eq!(Some(channel_trade_no), outcome.channel_trade_no);
        }
        other => panic!("{other:?}"),
    }
    let notes = received.wait_for(1).await;
    match ch.parse_notification(&cfg, &notes[0]).await.unwrap() {
        Notification::Payment {
            channel_order_no,
            state,
        } => {
            assert_eq!(channel_order_no, "QR1");
            assert!(matches!(state, ChannelPaymentState::Succeeded { amount: 1234, .. }));
        }
        other => panic!("{other:?}"),
    }

    let report = ch.refund(&cfg, &refund("QR1-R1", "QR1", 1234, 234)).await.unwrap();
    assert!(matches!(report.state, RefundState::Succeeded { .. }));
    assert_eq!(report.amount, 234);
    let again = ch
        .query_refund(&cfg, &refund_ref("QR1-R1", "QR1", 1234, 234))
        .await
        .unwrap();
    assert_eq!(again.channel_refund_no, "QR1-R1");
    assert_eq!(again.amount, 234);
    let too_much = ch.refund(&cfg, &refund("QR1-R2", "QR1", 1234, 1001)).await.unwrap_err();
    assert!(
        matches!(too_much, ChannelError::Declined { ref code, .. } if code == "TJ0B0012"),
        "{too_much:?}"
    );
    let notes = received.wait_for(2).await;
    match ch.parse_notification(&cfg, &notes[1]).await.unwrap() {
        Notification::Refund {
            channel_order_no,
            report,
        } => {
            assert_eq!(channel_order_no, "QR1");
            assert_eq!(report.channel_refund_no, "QR1-R1");
        }
        other => panic!("{other:?}"),
    }
    // Closing a paid order is refused rather than silently reversed.
    let close = ch.close(&cfg, &payment("QR1", 1234)).await.unwrap_err();
    assert!(matches!(close, ChannelError::Declined { ref code, .. } if code == "TJ0B0010"));
}

#[tokio::test]
async fn barcode_pays_at_once_and_unknown_orders_are_not_found() {
    let (_state, url) = start_sandbox().await;
    let (_received, notify) = start_receiver().await;
    let cfg = config(&url, &notify);
    let ch = channel();
    let outcome = ch
        .create(&cfg, &create("BC1", 500, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap();
    assert!(matches!(
        outcome.state,
        ChannelPaymentState::Succeeded { amount: 500, .. }
    ));
    assert_eq!(
        ch.query(&cfg, &payment("NOPE", 1)).await.unwrap_err(),
        ChannelError::NotFound
    );
    // Closing an order JD never saw is a no-op.
    ch.close(&cfg, &payment("NOPE", 1)).await.unwrap();
    let jsapi = ch.create(&cfg, &create("J1", 500, Way::Jsapi, None)).await.unwrap_err();
    assert!(matches!(jsapi, ChannelError::Config(_)));
}

#[tokio::test]
async fn scripted_declines_and_insufficient_funds() {
    let (state, url) = start_sandbox().await;
    let (_received, notify) = start_receiver().await;
    let cfg = config(&url, &notify);
    let ch = channel();
    state.script.add(rule(
        301,
        Behaviour::Decline {
            code: "TJ0B0011".into(),
            message: "card frozen".into(),
        },
    ));
    state.script.add(rule(302, Behaviour::InsufficientFunds));
    let declined = ch
        .create(&cfg, &create("D1", 301, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap_err();
    assert_eq!(declined, ChannelError::declined("TJ0B0011", "card frozen"));
    assert!(declined.took_no_money());
    let short = ch
        .create(&cfg, &create("D2", 302, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap_err();
    assert!(
        matches!(short, ChannelError::Declined { ref code, .. } if code == "FKM0021"),
        "{short:?}"
    );
}

#[tokio::test]
async fn staying_paying_is_reversed_and_unpaid_qr_is_closed() {
    let (state, url) = start_sandbox().await;
    let (_received, notify) = start_receiver().await;
    let cfg = config(&url, &notify);
    let ch = channel();
    state.script.add(rule(401, Behaviour::StayPaying));
    let outcome = ch
        .create(&cfg, &create("SP1", 401, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap();
    assert_eq!(outcome.state, ChannelPaymentState::Paying);
    assert_eq!(
        ch.query(&cfg, &payment("SP1", 401)).await.unwrap(),
        ChannelPaymentState::Paying
    );
    ch.reverse(&cfg, &payment("SP1", 401)).await.unwrap();
    assert_eq!(
        ch.query(&cfg, &payment("SP1", 401)).await.unwrap(),
        ChannelPaymentState::Closed
    );

    ch.create(&cfg, &create("QC1", 402, Way::Qr, None)).await.unwrap();
    ch.close(&cfg, &payment("QC1", 402)).await.unwrap();
    assert_eq!(
        ch.query(&cfg, &payment("QC1", 402)).await.unwrap(),
        ChannelPaymentState::Closed
    );
    let paid = reqwest::Client::new()
        .post(format!("{url}/_sandbox/orders/QC1/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 409);
}

#[tokio::test]
async fn silence_and_5xx_bursts_are_unknown() {
    let (state, url) = start_sandbox().await;
    let (_received, notify) = start_receiver().await;
    let cfg = config(&url, &notify);
    let ch = channel();
    state.script.add(rule(501, Behaviour::NeverAnswer));
    let silent = impatient_channel()
        .create(&cfg, &create("NA1", 501, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap_err();
    assert!(matches!(silent, ChannelError::Unknown(_)), "{silent:?}");
    assert!(!silent.took_no_money());

    state.script.set_faults(Faults {
        fail_next: 2,
        ..Faults::default()
    });
    for _ in 0..2 {
        let e = ch.query(&cfg, &payment("NA1", 501)).await.unwrap_err();
        assert!(matches!(e, ChannelError::Unknown(_)), "{e:?}");
    }
    // The burst is over; the order that never got an answer is there.
    assert_eq!(
        ch.query(&cfg, &payment("NA1", 501)).await.unwrap(),
        ChannelPaymentState::Paying
    );
}

#[tokio::test]
async fn duplicate_and_reordered_notifications_all_parse() {
    let (state, url) = start_sandbox().await;
    let (received, notify) = start_receiver().await;
    let cfg = config(&url, &notify);
    let ch = channel();
    state.script.set_faults(Faults {
        duplicate_notifications: true,
        reorder_notifications: true,
        ..Faults::default()
    });
    ch.create(&cfg, &create("N1", 700, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap();
    // Paid: sent twice (no older one yet).
    let notes = received.wait_for(2).await;
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0].body, notes[1].body);
    ch.refund(&cfg, &refund("N1-R", "N1", 700, 700)).await.unwrap();
    // Refund twice, then the stale payment notification after it.
    let notes = received.wait_for(5).await;
    assert_eq!(notes.len(), 5);
    let kinds: Vec<&str> = {
        let mut kinds = Vec::new();
        for n in &notes {
            kinds.push(match ch.parse_notification(&cfg, n).await.unwrap() {
                Notification::Payment { .. } => "payment",
                Notification::Refund { .. } => "refund",
                Notification::Ignored { .. } => "ignored",
            });
        }
        kinds
    };
    assert_eq!(kinds, ["payment", "payment", "refund", "refund", "payment"]);
}

#[tokio::test]
async fn tampering_is_rejected_on_both_sides() {
    let (_state, url) = start_sandbox().await;
    let (received, notify) = start_receiver().await;
    let ch = channel();
    // The merchant signs with a key the sandbox does not know: JD refuses.
    let mut wrong_signer = config(&url, &notify);
    wrong_signer.secrets.insert("private_key", fixture("jd_private.pem"));
    let e = ch
        .create(&wrong_signer, &create("T1", 100, Way::Qr, None))
        .await
        .unwrap_err();
    assert!(
        matches!(e, ChannelError::Declined { ref code, .. } if code == "000002"),
        "{e:?}"
    );
    // The merchant expects another JD key: the answer does not verify.
    let mut wrong_verifier = config(&url, &notify);
    wrong_verifier
        .params
        .insert("jd_public_key".into(), fixture("merchant_public.pem").into());
    let e = ch
        .create(&wrong_verifier, &create("T2", 100, Way::Qr, None))
        .await
        .unwrap_err();
    assert!(matches!(e, ChannelError::Unknown(_)), "{e:?}");

    // A notification with one character of its ciphertext changed.
    let cfg = config(&url, &notify);
    ch.create(&cfg, &create("T3", 100, Way::Barcode, Some("181234567890123456")))
        .await
        .unwrap();
    let mut note = received.wait_for(1).await.remove(0);
    assert!(ch.parse_notification(&cfg, &note).await.is_ok());
    let text = String::from_utf8(note.body.clone()).unwrap();
    let at = text.find("<encrypt>").unwrap() + "<encrypt>".len() + 10;
    let mut bytes = text.into_bytes();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    note.body = bytes;
    let e = ch.parse_notification(&cfg, &note).await.unwrap_err();
    assert!(matches!(e, ChannelError::BadNotification(_)), "{e:?}");
}

#[tokio::test]
async fn h5_form_is_posted_by_the_browser_then_paid() {
    let (_state, url) = start_sandbox().await;
    let (_received, notify) = start_receiver().await;
    let cfg = config(&url, &notify);
    let ch = channel();
    let outcome = ch.create(&cfg, &create("H51", 990, Way::H5, None)).await.unwrap();
    assert_eq!(outcome.state, ChannelPaymentState::AwaitingPayer);
    let Some(PayAction::Form { action, fields }) = outcome.action else {
        panic!("{:?}", outcome.action);
    };
    assert_eq!(action, format!("{url}/jdpay/saveOrder"));
    // Everything but merchant, version and sign travels encrypted.
    assert_eq!(fields["merchant"], MERCHANT);
    assert_eq!(fields["version"], "V2.0");
    assert_ne!(fields["tradeNum"], "H51");
    let form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    // JD only learns of the order when the browser posts the form.
    assert_eq!(
        ch.query(&cfg, &payment("H51", 990)).await.unwrap_err(),
        ChannelError::NotFound
    );
    let http = reqwest::Client::new();
    let mut tampered = form.clone();
    for (k, v) in tampered.iter_mut() {
        if k == "amount" {
            *v = v.replace(&v[..2], "00");
        }
    }
    let refused = http.post(&action).form(&tampered).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let posted = http.post(&action).form(&form).send().await.unwrap();
    assert_eq!(posted.status(), 200);
    assert_eq!(
        ch.query(&cfg, &payment("H51", 990)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    );
    let paid = http
        .post(format!("{url}/_sandbox/orders/H51/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 204);
    assert!(matches!(
        ch.query(&cfg, &payment("H51", 990)).await.unwrap(),
        ChannelPaymentState::Succeeded { amount: 990, .. }
    ));
}

//! Every operation of the client against the sandbox, in process.

mod common;

use common::{AUTH_CODE, channel, config, order_no, payment, payment_ref, start_sandbox};
use juhe_channel::{
    BillKind, BillRequest, Channel, ChannelError, ChannelPaymentState, CreateRefund, Operation, PayAction, RefundRef,
    RefundState,
};
use juhe_channel_alipay::protocol::{bill, clock};
use juhe_channel_alipay::sandbox::TradeStatus;
use juhe_domain::way::Way;
use juhe_domain::{Currency, Money};

fn refund(order: &str, paid: i64, no: &str, fen: i64) -> CreateRefund {
    CreateRefund {
        refund_id: format!("rf_{no}"),
        channel_refund_no: no.into(),
        payment: payment_ref(order, paid),
        refund: Money::new(fen, Currency::CNY),
        reason: Some("退货".into()),
        created_at_ms: common::now_ms(),
    }
}

fn refund_ref(order: &str, paid: i64, no: &str, fen: i64) -> RefundRef {
    RefundRef {
        channel_refund_no: no.into(),
        channel_refund_id: None,
        payment: payment_ref(order, paid),
        refund: Money::new(fen, Currency::CNY),
        created_at_ms: common::now_ms(),
    }
}

#[tokio::test]
async fn qr_payment_is_paid_on_the_payer_page_then_refunded_and_billed() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    let order = order_no("qr");

    let created = ch.create(&cfg, &payment(Way::Qr, &order, 8888)).await.unwrap();
    assert_eq!(created.state, ChannelPaymentState::AwaitingPayer);
    let Some(PayAction::QrCode { code_url }) = created.action else {
        panic!("no QR code: {created:?}");
    };
    assert!(code_url.starts_with(&sandbox.base), "{code_url}");
    let trade = sandbox.state.trade(common::APP_ID, &order).unwrap();
    assert_eq!((trade.total, trade.store_id.as_deref()), (8888, Some("S01")));

    assert_eq!(
        ch.query(&cfg, &payment_ref(&order, 8888)).await.unwrap(),
        ChannelPaymentState::AwaitingPayer
    );
    assert_eq!(sandbox.pay(&order).await, 200);
    assert_eq!(sandbox.pay(&order).await, 409, "a paid order cannot be paid twice");
    let ChannelPaymentState::Succeeded {
        channel_trade_no,
        amount,
        paid_at_ms,
    } = ch.query(&cfg, &payment_ref(&order, 8888)).await.unwrap()
    else {
        panic!("not paid");
    };
    assert_eq!(amount, 8888);
    assert_eq!(channel_trade_no, trade.trade_no);
    assert!((common::now_ms() - paid_at_ms).abs() < 5_000);

    // Partial refund, its idempotent repeat, and a refund beyond what is left.
    let first = ch.refund(&cfg, &refund(&order, 8888, "r1", 1000)).await.unwrap();
    assert_eq!((first.channel_refund_no.as_str(), first.amount), ("r1", 1000));
    assert!(matches!(first.state, RefundState::Succeeded { .. }));
    let again = ch.refund(&cfg, &refund(&order, 8888, "r1", 1000)).await.unwrap();
    assert_eq!(again.amount, 1000);
    assert_eq!(sandbox.state.trade(common::APP_ID, &order).unwrap().refunds.len(), 1);
    let too_much = ch.refund(&cfg, &refund(&order, 8888, "r2", 7889)).await.unwrap_err();
    assert_eq!(
        too_much,
        ChannelError::declined("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
    );

    let report = ch
        .query_refund(&cfg, &refund_ref(&order, 8888, "r1", 1000))
        .await
        .unwrap();
    assert_eq!((report.channel_refund_no.as_str(), report.amount), ("r1", 1000));
    assert!(matches!(report.state, RefundState::Succeeded { .. }));
    assert_eq!(
        ch.query_refund(&cfg, &refund_ref(&order, 8888, "r9", 1)).await,
        Err(ChannelError::NotFound)
    );

    // The rest refunded: the trade closes, yet its payment still succeeded.
    ch.refund(&cfg, &refund(&order, 8888, "r2", 7888)).await.unwrap();
    assert_eq!(
        sandbox.state.trade(common::APP_ID, &order).unwrap().status,
        TradeStatus::Closed
    );
    assert!(matches!(
        ch.query(&cfg, &payment_ref(&order, 8888)).await.unwrap(),
        ChannelPaymentState::Succeeded { amount: 8888, .. }
    ));

    // Today's bill holds the payment and both refunds, GBK in a ZIP.
    let today = clock::beijing_date(common::now_ms());
    let file = ch
        .download_bill(
            &cfg,
            &BillRequest {
                date: today,
                kind: BillKind::All,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        file.file_name,
        format!("{}_{}.csv.zip", common::PID, clock::format_date(today).replace('-', ""))
    );
    let files = bill::unzip(&file.bytes).unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0].0.ends_with("_业务明细.csv") && files[1].0.ends_with("_业务明细(汇总).csv"));
    let detail = &files[0].1;
    let rows: Vec<&str> = detail.lines().filter(|l| l.contains(&format!("{order}\t,"))).collect();
    assert_eq!(rows.len(), 3, "{detail}");
    assert!(
        rows[0].starts_with(&format!("{}\t,{order}\t,交易\t,", trade.trade_no)) && rows[0].contains(",88.88,88.88,")
    );
    assert!(rows[1].contains(",退款\t,") && rows[1].contains(",-10.00,") && rows[1].contains(",r1\t,"));
    assert!(detail.contains("#交易合计：1笔，商家实收共88.88元"), "{detail}");
    assert!(detail.contains("#退款合计：2笔，商家实收退款共-88.88元"), "{detail}");
    assert!(files[1].1.contains("合计,,1,2,88.88,0.00,"), "{}", files[1].1);
}

#[tokio::test]
async fn barcode_payment_succeeds_at_once_and_can_be_cancelled_with_a_refund() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    let order = order_no("bar");
    let created = ch.create(&cfg, &payment(Way::Barcode, &order, 1)).await.unwrap();
    let ChannelPaymentState::Succeeded {
        channel_trade_no,
        amount,
        ..
    } = created.state
    else {
        panic!("not paid: {created:?}");
    };
    assert_eq!(amount, 1);
    assert_eq!(created.channel_trade_no.as_deref(), Some(channel_trade_no.as_str()));
    // Querying by Alipay's trade number finds the same trade.
    let mut by_trade_no = payment_ref("ignored-when-trade-no-given", 1);
    by_trade_no.channel_trade_no = Some(channel_trade_no.clone());
    assert!(matches!(
        ch.query(&cfg, &by_trade_no).await.unwrap(),
        ChannelPaymentState::Succeeded { amount: 1, .. }
    ));
    // Paying the same order again is refused.
    let again = ch.create(&cfg, &payment(Way::Barcode, &order, 1)).await.unwrap_err();
    assert_eq!(again, ChannelError::declined("ACQ.TRADE_HAS_SUCCESS", "交易已被支付"));
    // A paid order cannot be closed.
    let close = ch.close(&cfg, &payment_ref(&order, 1)).await.unwrap_err();
    assert!(
        matches!(close, ChannelError::Declined { ref code, .. } if code == "ACQ.TRADE_STATUS_ERROR"),
        "{close:?}"
    );
    // Cancel (reverse) of a paid trade refunds it and closes it.
    ch.reverse(&cfg, &payment_ref(&order, 1)).await.unwrap();
    let trade = sandbox.state.trade(common::APP_ID, &order).unwrap();
    assert_eq!((trade.status, trade.refunded()), (TradeStatus::Closed, 1));
    assert_eq!(AUTH_CODE.len(), 18);
}

#[tokio::test]
async fn an_unpaid_qr_order_is_closed_and_can_no_longer_be_paid() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    let order = order_no("close");
    ch.create(&cfg, &payment(Way::Qr, &order, 500)).await.unwrap();
    ch.close(&cfg, &payment_ref(&order, 500)).await.unwrap();
    assert_eq!(
        ch.query(&cfg, &payment_ref(&order, 500)).await.unwrap(),
        ChannelPaymentState::Closed
    );
    ch.close(&cfg, &payment_ref(&order, 500)).await.unwrap();
    assert_eq!(sandbox.pay(&order).await, 409);
    let reopen = ch.create(&cfg, &payment(Way::Qr, &order, 500)).await.unwrap_err();
    assert_eq!(reopen, ChannelError::declined("ACQ.TRADE_HAS_CLOSE", "交易已经关闭"));
}

#[tokio::test]
async fn unknown_orders_and_empty_days_are_not_found() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    let nobody = payment_ref("never-created", 1);
    assert_eq!(ch.query(&cfg, &nobody).await, Err(ChannelError::NotFound));
    assert_eq!(ch.close(&cfg, &nobody).await, Err(ChannelError::NotFound));
    assert_eq!(ch.reverse(&cfg, &nobody).await, Err(ChannelError::NotFound));
    assert_eq!(
        ch.query_refund(&cfg, &refund_ref("never-created", 1, "r1", 1)).await,
        Err(ChannelError::NotFound)
    );
    let refund_err = ch.refund(&cfg, &refund("never-created", 1, "r1", 1)).await.unwrap_err();
    assert!(matches!(refund_err, ChannelError::Declined { ref code, .. } if code == "ACQ.TRADE_NOT_EXIST"));
    let day = time::macros::date!(2020 - 01 - 01);
    assert_eq!(
        ch.download_bill(
            &cfg,
            &BillRequest {
                date: day,
                kind: BillKind::All
            }
        )
        .await,
        Err(ChannelError::NotFound)
    );
}

#[tokio::test]
async fn ways_and_currencies_alipay_does_not_serve_are_refused_before_sending() {
    let sandbox = start_sandbox().await;
    let cfg = config(&sandbox.gateway(), "");
    let ch = channel();
    let caps = ch.capabilities();
    assert_eq!(caps.ways, vec![Way::Qr, Way::Barcode]);
    assert!(Operation::ALL.iter().all(|op| caps.supports(*op)));
    assert_eq!(
        ch.create(&cfg, &payment(Way::Jsapi, "o", 1)).await,
        Err(ChannelError::Unsupported(Operation::Create))
    );
    let mut hkd = payment(Way::Qr, "o-hkd", 1);
    hkd.money = Money::new(1, Currency::parse("HKD").unwrap());
    assert!(matches!(ch.create(&cfg, &hkd).await, Err(ChannelError::NotSent(_))));
    let mut no_code = payment(Way::Barcode, "o-nocode", 1);
    no_code.auth_code = None;
    assert!(matches!(ch.create(&cfg, &no_code).await, Err(ChannelError::NotSent(_))));
    assert!(sandbox.state.trade(common::APP_ID, "o-hkd").is_none());
}

/// The Python SDK's way: every parameter in a GET query string, no `format`.
#[tokio::test]
async fn the_gateway_accepts_a_signed_get_with_everything_in_the_query() {
    use juhe_channel_alipay::protocol::params::Params;
    use juhe_channel_alipay::protocol::sign::SignType;
    use juhe_channel_alipay::protocol::{extract, response};
    use juhe_crypto::RsaPublic;

    let sandbox = start_sandbox().await;
    let mut params = Params::new();
    for (k, v) in [
        ("app_id", common::APP_ID),
        ("method", "alipay.trade.precreate"),
        ("charset", "utf-8"),
        ("sign_type", "RSA2"),
        ("timestamp", "2024-05-13 17:49:20"),
        ("version", "1.0"),
        (
            "biz_content",
            r#"{"out_trade_no":"get-1","total_amount":"0.10","subject":"GET 订单"}"#,
        ),
    ] {
        params.insert(k.into(), v.into());
    }
    let query = common::signed_query(&mut params);
    let raw = reqwest::get(format!("{}?{query}", sandbox.gateway()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let alipay = RsaPublic::parse(juhe_channel_alipay::sandbox::FIXTURE_ALIPAY_PUBLIC_KEY).unwrap();
    let content = response::open(
        &raw,
        "alipay.trade.precreate",
        response::with_key(&alipay, SignType::Rsa2),
    )
    .map(|o| o.signed)
    .unwrap();
    let answer: serde_json::Value = serde_json::from_str(content).unwrap();
    assert_eq!(answer["code"], "10000");
    assert_eq!(answer["out_trade_no"], "get-1");
    assert_eq!(sandbox.state.trade(common::APP_ID, "get-1").unwrap().total, 10);
    assert!(extract::member_object(&raw, "alipay_trade_precreate_response").is_some());

    // The same request with one signed value changed is refused with 40002.
    let forged = query.replace("0.10", "0.01");
    let raw = reqwest::get(format!("{}?{forged}", sandbox.gateway()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let content = response::open(
        &raw,
        "alipay.trade.precreate",
        response::with_key(&alipay, SignType::Rsa2),
    )
    .map(|o| o.signed)
    .unwrap();
    let answer: serde_json::Value = serde_json::from_str(content).unwrap();
    assert_eq!(
        (answer["code"].as_str(), answer["sub_code"].as_str()),
        (Some("40002"), Some("isv.invalid-signature"))
    );
}

/// Legacy `sign_type=RSA` (SHA1withRSA) apps: requests and answers both use SHA-1.
#[tokio::test]
async fn legacy_rsa_sign_type_works_both_ways() {
    let sandbox = start_sandbox().await;
    let mut cfg = config(&sandbox.gateway(), "");
    cfg.params.insert("sign_type".into(), "RSA".into());
    let order = order_no("sha1");
    let created = channel()
        .create(&cfg, &payment(Way::Barcode, &order, 42))
        .await
        .unwrap();
    assert!(matches!(
        created.state,
        ChannelPaymentState::Succeeded { amount: 42, .. }
    ));
}

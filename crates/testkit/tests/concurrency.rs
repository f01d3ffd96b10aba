//! Hundreds of parallel requests against shared wallets, through HTTP, on
//! both engines: debits never overdraw (nor pass a credit limit), every
//! refusal is a clean 402 (never a 5xx), the API's answers agree with the
//! database, and concurrent refunds and payments keep the books balanced
//! and every payment's fee refunded exactly once.

use juhe_domain::ledger::AccountKind;
use juhe_service::ServiceError;
use juhe_store::ledger::{Owner, accounts_of, set_credit_limit};
use juhe_testkit::{Client, Reply, TestServer, engines};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Barrier;

/// Sends every request at once (all tasks released by one barrier) and
/// returns each reply with its tag, in the order given.
async fn fire<T: Clone + Send + 'static>(client: &Client, requests: Vec<(T, String, Value)>) -> Vec<(T, Reply)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(tag, path, body)| {
            let (client, barrier) = (client.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                (tag, client.post(&path, body).await)
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.expect("request task"));
    }
    out
}

fn payment(order: &str, amount: i64, customer: &str) -> Value {
    json!({"merchant_order_no": order, "amount": amount, "subject": "parallel", "way": "wallet",
           "payer": {"customer_id": customer}})
}

async fn wallet_balance(client: &Client, customer: &str) -> i64 {
    let c = client.get(&format!("/v1/customers/{customer}")).await;
    assert_eq!(c.status, 200, "{:?}", c.body);
    c.body["wallets"][0]["balance"].as_i64().expect("balance")
}

/// Order numbers of this app's payments in `status`, from the database.
async fn orders_with_status(server: &TestServer, app_id: &str, status: &str) -> HashSet<String> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT merchant_order_no FROM payments WHERE app_id = $1 AND status = $2")
            .bind(app_id)
            .bind(status)
            .fetch_all(server.db.reader())
            .await
            .expect("read payments");
    rows.into_iter().map(|(o,)| o).collect()
}

async fn payment_count(server: &TestServer, app_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE app_id = $1")
        .bind(app_id)
        .fetch_one(server.db.reader())
        .await
        .expect("count payments")
}

/// Fires `n` debits of `amount` at one wallet and checks every invariant;
/// returns how many succeeded.
async fn debit_storm(server: &TestServer, client: &Client, app_id: &str, customer: &str, n: usize, amount: i64) -> i64 {
    let requests = (0..n)
        .map(|i| {
            let order = format!("storm-{i}");
            (
                order.clone(),
                "/v1/payments".to_string(),
                payment(&order, amount, customer),
            )
        })
        .collect();
    let started = Instant::now();
    let replies = fire(client, requests).await;
    eprintln!(
        "{:?}: {n} parallel payments answered in {:?}",
        server.engine,
        started.elapsed()
    );

    let mut succeeded = HashSet::new();
    let mut unexpected = Vec::new();
    for (order, r) in &replies {
        match (r.status, r.code()) {
            (201, _) => {
                assert_eq!(r.body["status"], "succeeded");
                assert_eq!(r.body["merchant_order_no"], order.as_str());
                succeeded.insert(order.clone());
            }
            (402, "insufficient_funds") => {}
            _ => unexpected.push((order.clone(), r.status, r.body.clone())),
        }
    }
    assert!(
        unexpected.is_empty(),
        "{:?}: answers other than 201 / 402 insufficient_funds ({} of {n}): {:?}",
        server.engine,
        unexpected.len(),
        &unexpected[..unexpected.len().min(5)]
    );
    // The database agrees with the answers: exactly the 201s exist, all
    // succeeded; a refused debit left nothing behind.
    assert_eq!(
        orders_with_status(server, app_id, "succeeded").await,
        succeeded,
        "{:?}",
        server.engine
    );
    assert_eq!(payment_count(server, app_id).await, succeeded.len() as i64);
    succeeded.len() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_debits_never_overdraw_a_wallet() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;

        let ok = debit_storm(&server, &client, &app.app_id, &customer, 400, 37).await;
        assert!(ok * 37 <= 10_000, "{engine:?}: {ok} debits of 37 from 10,000");
        // Equal amounts: a refusal means less than 37 was left, and the
        // balance only falls, so the wallet was drained as far as it goes.
        assert_eq!(ok, 10_000 / 37, "{engine:?}");
        let balance = wallet_balance(&client, &customer).await;
        assert_eq!(balance, 10_000 - ok * 37, "{engine:?}");
        assert!(balance >= 0);
        server.assert_ledger_ok().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_debits_stop_exactly_at_the_credit_limit() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;
        let wallet = accounts_of(server.db.reader(), Owner::customer(&customer))
            .await
            .expect("accounts")
            .into_iter()
            .find(|a| a.kind == AccountKind::CustomerWallet.as_str())
            .expect("wallet");
        // 10,000 + 360 = 280 × 37: the limit is reachable exactly.
        const LIMIT: i64 = 360;
        let id = wallet.id.clone();
        server
            .db
            .write(move |tx| {
                let id = id.clone();
                Box::pin(async move { set_credit_limit(tx, &id, LIMIT).await.map_err(ServiceError::from) })
            })
            .await
            .expect("set credit limit");

        let ok = debit_storm(&server, &client, &app.app_id, &customer, 400, 37).await;
        assert_eq!(ok, (10_000 + LIMIT) / 37, "{engine:?}");
        let balance = wallet_balance(&client, &customer).await;
        assert_eq!(
            balance, -LIMIT,
            "{engine:?}: the balance stops at minus the limit exactly"
        );
        server.assert_ledger_ok().await;
    }
}

#[derive(Debug, Clone)]
enum Tag {
    Pay { customer: usize },
    Refund { payment: String, amount: i64 },
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refunds_and_payments_on_several_wallets_keep_the_books() {
    const CUSTOMERS: usize = 4;
    const FUNDS: i64 = 5_000;
    const BASE_PAYMENTS: usize = 6; // per customer, 100 fen each (fee 1 fen at 60 bps)
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let mut customers = Vec::new();
        for _ in 0..CUSTOMERS {
            customers.push(server.funded_customer(&client, FUNDS).await);
        }
        // Payments to refund, made one at a time.
        let mut base = Vec::new();
        for (c, customer) in customers.iter().enumerate() {
            for i in 0..BASE_PAYMENTS {
                let r = client
                    .post("/v1/payments", payment(&format!("base-{c}-{i}"), 100, customer))
                    .await;
                assert_eq!((r.status, r.body["fee"].as_i64()), (201, Some(1)), "{:?}", r.body);
                base.push(r.body["id"].as_str().unwrap().to_string());
            }
        }

        // All at once: three refunds of 50 on each base payment (exactly two
        // fit), side by side so they race for the same payment, with more
        // payments from every wallet than it can cover in between.
        let mut pays = Vec::new();
        for (c, customer) in customers.iter().enumerate() {
            for i in 0..60 {
                let amount = 40 + (i as i64 * 37) % 120; // 40..160, about 100 on average
                pays.push((
                    Tag::Pay { customer: c },
                    "/v1/payments".to_string(),
                    payment(&format!("mix-{c}-{i}"), amount, customer),
                ));
            }
        }
        let mut requests = Vec::new();
        let per_group = pays.len() / base.len();
        for (i, p) in base.iter().enumerate() {
            for k in 0..3 {
                requests.push((
                    Tag::Refund {
                        payment: p.clone(),
                        amount: 50,
                    },
                    format!("/v1/payments/{p}/refunds"),
                    json!({"merchant_refund_no": format!("r-{i}-{k}"), "amount": 50}),
                ));
            }
            requests.extend(pays.drain(..per_group.min(pays.len())));
        }
        requests.append(&mut pays);
        let n = requests.len();
        let started = Instant::now();
        let replies = fire(&client, requests).await;
        eprintln!("{engine:?}: {n} mixed requests answered in {:?}", started.elapsed());

        let mut spent = [0i64; CUSTOMERS];
        let mut refunds_ok: HashMap<String, i64> = HashMap::new();
        let mut unexpected = Vec::new();
        for (tag, r) in &replies {
            match (tag, r.status, r.code()) {
                (Tag::Pay { customer }, 201, _) => spent[*customer] += r.body["amount"].as_i64().unwrap(),
                (Tag::Pay { .. }, 402, "insufficient_funds") => {}
                (Tag::Refund { payment, amount }, 201, _) => {
                    assert_eq!(r.body["status"], "succeeded");
                    *refunds_ok.entry(payment.clone()).or_default() += amount;
                }
                (Tag::Refund { .. }, 422, "refund_exceeds_paid") => {}
                _ => unexpected.push((tag.clone(), r.status, r.body.clone())),
            }
        }
        assert!(
            unexpected.is_empty(),
            "{engine:?}: unexpected answers ({}): {:?}",
            unexpected.len(),
            &unexpected[..unexpected.len().min(5)]
        );

        // Exactly two refunds of 50 per payment of 100, and the payment says so.
        for p in &base {
            assert_eq!(refunds_ok.get(p), Some(&100), "{engine:?} {p}");
            let got = client.get(&format!("/v1/payments/{p}")).await;
            assert_eq!(got.body["refunded_amount"], 100, "{engine:?}");
        }
        // Every wallet: funds − base payments + refunds − new payments.
        for (c, customer) in customers.iter().enumerate() {
            let balance = wallet_balance(&client, customer).await;
            assert_eq!(balance, FUNDS - spent[c], "{engine:?} customer {c}");
            assert!(balance >= 0);
        }

        // Fees: a fully refunded payment gave its whole fee back, no payment
        // gave back more than it took, and the platform's revenue is what
        // was taken less what was given back.
        let fees: Vec<(String, i64, i64, i64, i64)> =
            sqlx::query_as("SELECT id, amount, refunded_amount, fee, fee_refunded FROM payments")
                .fetch_all(server.db.reader())
                .await
                .expect("payments");
        let wrong: Vec<_> = fees
            .iter()
            .filter(|(_, amount, refunded, fee, back)| back > fee || (refunded == amount && back != fee))
            .collect();
        assert!(
            wrong.is_empty(),
            "{engine:?}: fee refunded wrongly (id, amount, refunded, fee, fee_refunded): {wrong:?}"
        );
        let refund_fee_sum: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(fee_refund), 0) AS BIGINT) FROM refunds WHERE status = 'succeeded'",
        )
        .fetch_one(server.db.reader())
        .await
        .expect("refund fees");
        let fee_back: i64 = fees.iter().map(|f| f.4).sum();
        assert_eq!(
            refund_fee_sum, fee_back,
            "{engine:?}: refunds and payments agree on the fee given back"
        );
        let taken: i64 = fees.iter().map(|f| f.3).sum();
        let revenue = accounts_of(server.db.reader(), Owner::platform())
            .await
            .expect("platform accounts")
            .into_iter()
            .find(|a| a.kind == AccountKind::FeeRevenue.as_str())
            .expect("fee revenue account");
        assert_eq!(revenue.balance, taken - fee_back, "{engine:?}");
        server.assert_ledger_ok().await;
    }
}

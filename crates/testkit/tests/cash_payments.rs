//! Cash recorded by staff at a terminal: who took it and where are kept;
//! the money lands in the terminal's cash drawer account (what shift
//! handover will count); refunds come out of the same drawer.

use juhe_domain::Currency;
use juhe_domain::ledger::AccountKind;
use juhe_store::ledger::{Owner, account_id};
use juhe_testkit::{TestServer, assert_error, engines};
use serde_json::json;

async fn drawer_balance(server: &TestServer, terminal: &str) -> i64 {
    let id = account_id(Owner::terminal(terminal), AccountKind::MerchantCash, Currency::CNY);
    juhe_store::ledger::get_account(server.db.reader(), &id)
        .await
        .expect("read account")
        .map(|a| a.balance)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cash_is_recorded_with_who_and_where_and_refunded_from_the_drawer() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let body = |order: &str| {
            json!({"merchant_order_no": order, "amount": 12_345, "subject": "92# 20 L", "way": "cash",
                   "terminal_id": "lane-3", "site_id": "station-7", "operator_id": "staff-42"})
        };

        // Who and where are required.
        for missing in ["terminal_id", "operator_id"] {
            let mut b = body("cash-x");
            b.as_object_mut().expect("object").remove(missing);
            let r = client.post("/v1/payments", b).await;
            assert_error(&r, 400, "invalid_request");
            assert!(
                r.body["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(missing)
            );
        }

        let r = client.post("/v1/payments", body("cash-1")).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let p = r.body;
        assert_eq!(
            (p["status"].as_str(), p["channel"].as_str(), p["fee"].as_i64()),
            (Some("succeeded"), Some("cash"), Some(0))
        );
        assert_eq!(
            (
                p["terminal_id"].as_str(),
                p["site_id"].as_str(),
                p["operator_id"].as_str()
            ),
            (Some("lane-3"), Some("station-7"), Some("staff-42"))
        );
        assert_eq!(drawer_balance(&server, "lane-3").await, 12_345);
        // The same order again is the same payment, recorded once.
        let again = client.post("/v1/payments", body("cash-1")).await;
        assert_eq!((again.status, again.body["id"].clone()), (200, p["id"].clone()));
        assert_eq!(drawer_balance(&server, "lane-3").await, 12_345);

        let id = p["id"].as_str().expect("id");
        let refund = client
            .post(
                &format!("/v1/payments/{id}/refunds"),
                json!({"merchant_refund_no": "cash-r1", "amount": 2_345, "reason": "short fill"}),
            )
            .await;
        assert_eq!(
            (refund.status, refund.body["status"].as_str()),
            (201, Some("succeeded"))
        );
        assert_eq!(drawer_balance(&server, "lane-3").await, 10_000);
        server.assert_ledger_ok().await;
    }
}

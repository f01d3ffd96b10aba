//! The core money flow through HTTP on both engines: top-up, wallet
//! payment, partial refunds up to the paid amount, close, lookups, lists,
//! and the books balanced after each step.

use juhe_testkit::{TestServer, engines};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topup_pay_refund_on_every_engine() {
    for engine in engines() {
        let server = TestServer::start(engine).await;
        let app = server.merchant(60, None).await;
        let client = server.client(&app);
        let customer = server.funded_customer(&client, 10_000).await;

        let pay = client
            .post(
                "/v1/payments",
                json!({"merchant_order_no": "o-1", "amount": 2_500, "currency": "CNY", "subject": "92# 汽油",
                       "way": "wallet", "payer": {"customer_id": customer}, "metadata": {"pump": 3}}),
            )
            .await;
        assert_eq!(pay.status, 201, "{engine:?} {:?}", pay.body);
        assert_eq!(pay.body["status"], "succeeded");
        assert_eq!(pay.body["fee"], 15, "0.6% of 25.00 is 0.15");
        assert_eq!(pay.body["metadata"], json!({"pump": 3}));
        let pay_id = pay.body["id"].as_str().unwrap().to_string();

        let c = client.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(c.body["wallets"][0]["balance"], 7_500, "{engine:?}");

        // Same order number, same fields: the same payment, not a second debit.
        let again = client
            .post(
                "/v1/payments",
                json!({"merchant_order_no": "o-1", "amount": 2_500, "currency": "CNY", "subject": "92# 汽油",
                       "way": "wallet", "payer": {"customer_id": customer}, "metadata": {"pump": 3}}),
            )
            .await;
        assert_eq!(again.status, 200);
        assert_eq!(again.body["id"], pay_id.as_str());
        // Same number, different amount: conflict.
        let clash = client
            .post(
                "/v1/payments",
                json!({"merchant_order_no": "o-1", "amount": 2_501, "subject": "92# 汽油", "way": "wallet",
                       "payer": {"customer_id": customer}}),
            )
            .await;
        assert_eq!((clash.status, clash.code()), (409, "order_no_conflict"));

        let r1 = client
            .post(
                &format!("/v1/payments/{pay_id}/refunds"),
                json!({"merchant_refund_no": "r-1", "amount": 1_000}),
            )
            .await;
        assert_eq!(r1.status, 201, "{:?}", r1.body);
        assert_eq!(r1.body["status"], "succeeded");
        assert_eq!(r1.body["fee_refund"], 6);
        let too_much = client
            .post(
                &format!("/v1/payments/{pay_id}/refunds"),
                json!({"merchant_refund_no": "r-2", "amount": 1_501}),
            )
            .await;
        assert_eq!((too_much.status, too_much.code()), (422, "refund_exceeds_paid"));
        let rest = client
            .post(
                &format!("/v1/payments/{pay_id}/refunds"),
                json!({"merchant_refund_no": "r-3", "amount": 1_500}),
            )
            .await;
        assert_eq!(rest.status, 201);
        assert_eq!(
            rest.body["fee_refund"], 9,
            "the last refund returns the rest of the fee"
        );

        let p = client.get(&format!("/v1/payments/{pay_id}")).await;
        assert_eq!(p.body["refunded_amount"], 2_500);
        let by_no = client.get("/v1/payments?merchant_order_no=o-1").await;
        assert_eq!(by_no.body["id"], pay_id.as_str());
        let refund = client
            .get(&format!("/v1/refunds/{}", r1.body["id"].as_str().unwrap()))
            .await;
        assert_eq!(refund.body["amount"], 1_000);
        let c = client.get(&format!("/v1/customers/{customer}")).await;
        assert_eq!(c.body["wallets"][0]["balance"], 10_000, "fully refunded");

        // A succeeded payment cannot be closed.
        let close = client.post(&format!("/v1/payments/{pay_id}/close"), json!({})).await;
        assert_eq!((close.status, close.code()), (409, "illegal_state_transition"));

        // Insufficient funds: refused, nothing created.
        let broke = client
            .post("/v1/payments", json!({"merchant_order_no": "o-2", "amount": 10_001, "subject": "x", "way": "wallet", "payer": {"customer_id": customer}}))
            .await;
        assert_eq!((broke.status, broke.code()), (402, "insufficient_funds"));
        assert_eq!(client.get("/v1/payments?merchant_order_no=o-2").await.status, 404);

        // Listing: newest first with a cursor.
        for i in 0..5 {
            let r = client
                .post("/v1/payments", json!({"merchant_order_no": format!("l-{i}"), "amount": 1, "subject": "x", "way": "wallet", "payer": {"customer_id": customer}}))
                .await;
            assert_eq!(r.status, 201);
        }
        let page1 = client.get("/v1/payments?limit=4&status=succeeded").await;
        assert_eq!(page1.body["data"].as_array().unwrap().len(), 4);
        assert_eq!(page1.body["has_more"], true);
        assert_eq!(page1.body["data"][0]["merchant_order_no"], "l-4");
        let cursor = page1.body["next_cursor"].as_str().unwrap();
        let page2 = client
            .get(&format!("/v1/payments?limit=4&status=succeeded&cursor={cursor}"))
            .await;
        assert_eq!(page2.body["data"].as_array().unwrap().len(), 2);
        assert_eq!(page2.body["has_more"], false);

        server.assert_ledger_ok().await;
    }
}

//! Checks shared by the security and contract suites: the exact shape of an
//! error response, and proof that a refused request changed nothing.

use crate::client::Reply;
use crate::server::TestServer;
use juhe_domain::ErrorCode;

/// Asserts that `reply` is the error `code` with `status`, in exactly the
/// documented shape (see [`assert_error_shape`]).
#[track_caller]
pub fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_error_shape(reply);
    assert_eq!(
        (reply.status, reply.code()),
        (status, code),
        "expected {status} {code}, got {:?}",
        reply
    );
}

/// Asserts that `reply` is an error in exactly the documented shape
/// `{"error":{"code":string,"message":string}}` (no other keys), that its
/// code is one of [`ErrorCode::ALL`], and that its HTTP status is the one
/// `juhe_gateway::error::status_for` fixes for that code.
#[track_caller]
pub fn assert_error_shape(reply: &Reply) {
    // let-else rather than closures, so that #[track_caller] names the test's line.
    let Some(top) = reply.body.as_object() else {
        panic!("error body is not a JSON object: {reply:?}");
    };
    assert_eq!(top.len(), 1, "error body has keys besides \"error\": {reply:?}");
    let Some(error) = top.get("error").and_then(|e| e.as_object()) else {
        panic!("error body lacks an \"error\" object: {reply:?}");
    };
    let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message"], "error object keys: {reply:?}");
    let Some(code) = error["code"].as_str() else {
        panic!("error.code is not a string: {reply:?}");
    };
    assert!(error["message"].is_string(), "error.message is not a string: {reply:?}");
    let Some(known) = ErrorCode::ALL.iter().find(|c| c.as_str() == code) else {
        panic!("error code {code:?} is not in ErrorCode::ALL: {reply:?}");
    };
    assert_eq!(
        reply.status,
        juhe_gateway::error::status_for(*known).as_u16(),
        "status of {code} differs from status_for: {reply:?}"
    );
}

/// Row counts and money totals of everything a request could change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(pub Vec<(&'static str, i64)>);

/// What a snapshot measures: name and a query answering one BIGINT on both engines.
const MEASURES: &[(&str, &str)] = &[
    ("merchants", "SELECT COUNT(*) FROM merchants"),
    ("apps", "SELECT COUNT(*) FROM apps"),
    ("customers", "SELECT COUNT(*) FROM customers"),
    ("accounts", "SELECT COUNT(*) FROM accounts"),
    ("topups", "SELECT COUNT(*) FROM topups"),
    ("payments", "SELECT COUNT(*) FROM payments"),
    ("refunds", "SELECT COUNT(*) FROM refunds"),
    ("journal_entries", "SELECT COUNT(*) FROM journal_entries"),
    ("postings", "SELECT COUNT(*) FROM postings"),
    ("holds", "SELECT COUNT(*) FROM holds"),
    ("events", "SELECT COUNT(*) FROM events"),
    ("deliveries", "SELECT COUNT(*) FROM deliveries"),
    (
        "wallet balance",
        "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM accounts WHERE kind = 'customer_wallet'",
    ),
    (
        "all balances",
        "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM accounts",
    ),
    (
        "payments refunded",
        "SELECT CAST(COALESCE(SUM(refunded_amount), 0) AS BIGINT) FROM payments",
    ),
    (
        "payments refund_reserved",
        "SELECT CAST(COALESCE(SUM(refund_reserved), 0) AS BIGINT) FROM payments",
    ),
    (
        "payment statuses changed",
        "SELECT CAST(COALESCE(SUM(updated_at), 0) AS BIGINT) FROM payments",
    ),
];

impl TestServer {
    /// One BIGINT from a query on the read pool (COUNT, or a SUM cast to BIGINT).
    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(self.db.reader())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Counts and totals to compare before and after a refused request.
    pub async fn snapshot(&self) -> Snapshot {
        let mut values = Vec::with_capacity(MEASURES.len());
        for (name, sql) in MEASURES {
            values.push((*name, self.scalar(sql).await));
        }
        Snapshot(values)
    }

    /// Fails the test, naming what moved, unless nothing changed since `before`.
    pub async fn assert_unchanged(&self, before: &Snapshot, what: &str) {
        let after = self.snapshot().await;
        let moved: Vec<String> = before
            .0
            .iter()
            .zip(&after.0)
            .filter(|(b, a)| b.1 != a.1)
            .map(|(b, a)| format!("{}: {} -> {}", b.0, b.1, a.1))
            .collect();
        assert!(
            moved.is_empty(),
            "{what} changed the database on {:?}: {}",
            self.engine,
            moved.join(", ")
        );
    }
}

//! The ledger in the database: accounts, immutable journal entries of
//! balanced postings, holds, and the checks behind `juhe ledger verify`.
//!
//! Every balance change is a guarded `UPDATE`: a wallet debit only matches
//! the row while the balance, less what is held, plus any credit limit,
//! stays at or above zero. Concurrent debits therefore cannot overdraw a
//! wallet on either engine: SQLite runs writes one at a time, PostgreSQL
//! re-checks the guard on the locked row.

use crate::clock::now_ms;
use crate::db::Tx;
use crate::error::StoreError;
use crate::ids::new_id;
use crate::sql::query;
use juhe_domain::hold::{HoldAction, HoldMachine, HoldStatus, check_capture};
use juhe_domain::ledger::{AccountKind, JournalEntry, NormalBalance};
use juhe_domain::state::transition;
use juhe_domain::{Currency, DomainError};
use sqlx::{AnyPool, FromRow};

/// Errors of ledger operations: a rule refused it, or storage failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Rule(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no such {0}")]
    NotFound(&'static str),
}

impl crate::db::WriteError for LedgerError {
    fn is_retryable(&self) -> bool {
        matches!(self, LedgerError::Store(s) if s.is_retryable())
    }
}

impl From<sqlx::Error> for LedgerError {
    fn from(e: sqlx::Error) -> Self {
        LedgerError::Store(e.into())
    }
}

#[derive(Debug, Clone, FromRow)]
pub struct AccountRow {
    pub id: String,
    pub owner_type: String,
    pub owner_id: String,
    pub kind: String,
    pub currency: String,
    pub normal_balance: String,
    pub credit_limit: i64,
    pub balance: i64,
    pub held: i64,
    pub created_at: i64,
}

crate::from_row!(AccountRow {
    id,
    owner_type,
    owner_id,
    kind,
    currency,
    normal_balance,
    credit_limit,
    balance,
    held,
    created_at
});

impl AccountRow {
    pub fn available(&self) -> i64 {
        self.balance - self.held
    }

    fn normal(&self) -> Result<NormalBalance, StoreError> {
        NormalBalance::parse(&self.normal_balance)
            .ok_or_else(|| StoreError::Corrupt(format!("normal balance {}", self.normal_balance)))
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, owner_type, owner_id, kind, currency, normal_balance, credit_limit, balance, held, created_at";

/// Who owns an account.
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub owner_type: &'a str,
    pub owner_id: &'a str,
}

impl<'a> Owner<'a> {
    pub fn customer(id: &'a str) -> Owner<'a> {
        Owner {
            owner_type: "customer",
            owner_id: id,
        }
    }
    pub fn merchant(id: &'a str) -> Owner<'a> {
        Owner {
            owner_type: "merchant",
            owner_id: id,
        }
    }
    /// A terminal's cash drawer (cash taken by staff at it, until handed over).
    pub fn terminal(id: &'a str) -> Owner<'a> {
        Owner {
            owner_type: "terminal",
            owner_id: id,
        }
    }
    /// A channel as a counterparty (its clearing account holds what the
    /// channel collected for juhe and has not settled yet).
    pub fn channel(code: &'a str) -> Owner<'a> {
        Owner {
            owner_type: "channel",
            owner_id: code,
        }
    }
    pub fn platform() -> Owner<'static> {
        Owner {
            owner_type: "platform",
            owner_id: "platform",
        }
    }
}

/// The id of `owner`'s account of `kind` in `currency`. Derived, not
/// looked up: the same four facts always name the same account, so the hot
/// paths never read an account just to learn its id.
pub fn account_id(owner: Owner<'_>, kind: AccountKind, currency: Currency) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [owner.owner_type, owner.owner_id, kind.as_str(), currency.code()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("acc_{}", &hex::encode(h.finalize())[..32])
}

/// Opens the account if it does not exist yet; returns its id. One statement.
pub async fn ensure_account_id(
    tx: Tx<'_>,
    owner: Owner<'_>,
    kind: AccountKind,
    currency: Currency,
) -> Result<String, StoreError> {
    let id = account_id(owner, kind, currency);
    query(
        "INSERT INTO accounts (id, owner_type, owner_id, kind, currency, normal_balance, credit_limit, balance, held, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, 0, 0, $7) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&id)
    .bind(owner.owner_type)
    .bind(owner.owner_id)
    .bind(kind.as_str())
    .bind(currency.code())
    .bind(kind.normal_balance().as_str())
    .bind(now_ms())
    .execute(tx)
    .await?;
    Ok(id)
}

/// The account of `owner` of `kind` in `currency`, opened on first use.
pub async fn ensure_account(
    tx: Tx<'_>,
    owner: Owner<'_>,
    kind: AccountKind,
    currency: Currency,
) -> Result<AccountRow, StoreError> {
    let id = ensure_account_id(&mut *tx, owner, kind, currency).await?;
    get_account_tx(tx, &id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("account vanished after insert".into()))
}

/// The wallet of a customer of `merchant_id` in `currency`, if both exist.
/// One statement that also enforces the merchant scope.
pub async fn customer_wallet(
    tx: Tx<'_>,
    merchant_id: &str,
    customer_id: &str,
    currency: Currency,
) -> Result<Option<String>, StoreError> {
    let id = account_id(Owner::customer(customer_id), AccountKind::CustomerWallet, currency);
    let found: Option<(String,)> = query(
        "SELECT a.id FROM accounts a JOIN customers c ON c.id = a.owner_id \
         WHERE a.id = $1 AND c.id = $2 AND c.merchant_id = $3",
    )
    .bind(&id)
    .bind(customer_id)
    .bind(merchant_id)
    .fetch_optional(tx)
    .await?;
    Ok(found.map(|(id,)| id))
}

/// Every account of an owner (a customer's wallets in each currency).
pub async fn accounts_of(pool: &AnyPool, owner: Owner<'_>) -> Result<Vec<AccountRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE owner_type = $1 AND owner_id = $2 ORDER BY kind, currency"
    ))
    .bind(owner.owner_type)
    .bind(owner.owner_id)
    .fetch_all(pool)
    .await?)
}

pub async fn get_account_tx(tx: Tx<'_>, id: &str) -> Result<Option<AccountRow>, StoreError> {
    query(format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

/// Sets an explicit overdraft (credit) limit on an account, e.g. a fleet wallet.
pub async fn set_credit_limit(tx: Tx<'_>, account_id: &str, limit: i64) -> Result<(), LedgerError> {
    if limit < 0 {
        return Err(DomainError::Invalid("credit limit must not be negative".into()).into());
    }
    let n = query("UPDATE accounts SET credit_limit = $1 WHERE id = $2")
        .bind(limit)
        .bind(account_id)
        .execute(tx)
        .await?;
    if n == 0 {
        return Err(LedgerError::NotFound("account"));
    }
    Ok(())
}

/// What an entry is for, so it can be found from the business object.
#[derive(Debug, Clone, Copy)]
pub struct EntryRef<'a> {
    pub kind: &'a str,
    pub ref_type: &'a str,
    pub ref_id: &'a str,
}

/// Writes a balanced entry and moves the cached balances, refusing (and
/// leaving the caller to roll back) if any account would break its limit.
///
/// Costs one guarded `UPDATE` per account touched plus two inserts: the
/// balance rule is evaluated by the database on the row it changes, so it
/// holds under any concurrency, and nothing is read on the way.
pub async fn post(tx: Tx<'_>, entry_ref: EntryRef<'_>, entry: &JournalEntry<String>) -> Result<String, LedgerError> {
    // Net signed amount per (account, currency), in id order: the lock order
    // that keeps concurrent PostgreSQL writers from deadlocking.
    let mut nets: std::collections::BTreeMap<(&str, Currency), i64> = std::collections::BTreeMap::new();
    for p in entry.postings() {
        let net = nets.entry((p.account.as_str(), p.currency)).or_insert(0);
        *net = net.checked_add(p.amount).ok_or(DomainError::Overflow)?;
    }
    let guarded = guarded_kinds();
    for ((account, currency), signed) in nets.into_iter().filter(|(_, s)| *s != 0) {
        let n = query(
            "UPDATE accounts SET balance = balance + (CASE WHEN normal_balance = 'debit' THEN $1 ELSE -$1 END) \
             WHERE id = $2 AND currency = $3 AND (kind <> $4 \
               OR (CASE WHEN normal_balance = 'debit' THEN $1 ELSE -$1 END) >= 0 \
               OR balance + (CASE WHEN normal_balance = 'debit' THEN $1 ELSE -$1 END) - held + credit_limit >= 0)",
        )
        .bind(signed)
        .bind(account)
        .bind(currency.code())
        .bind(guarded)
        .execute(&mut *tx)
        .await?;
        if n == 0 {
            return Err(refusal(tx, account, currency, signed).await);
        }
    }
    let entry_id = new_id("je");
    let now = now_ms();
    query("INSERT INTO journal_entries (id, kind, ref_type, ref_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&entry_id)
        .bind(entry_ref.kind)
        .bind(entry_ref.ref_type)
        .bind(entry_ref.ref_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    // All postings in one statement.
    let rows: Vec<String> = (0..entry.postings().len())
        .map(|i| {
            format!(
                "(${}, $1, ${}, ${}, ${}, $2)",
                3 + i * 4,
                4 + i * 4,
                5 + i * 4,
                6 + i * 4
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO postings (id, entry_id, account_id, currency, amount, created_at) VALUES {}",
        rows.join(", ")
    );
    let mut insert = query(&sql).bind(&entry_id).bind(now);
    for p in entry.postings() {
        insert = insert
            .bind(new_id("pst"))
            .bind(&p.account)
            .bind(p.currency.code())
            .bind(p.amount);
    }
    insert.execute(tx).await?;
    Ok(entry_id)
}

/// The kind whose balance must not go below its credit limit. (The domain
/// decides which kinds; today it is exactly one.)
fn guarded_kinds() -> &'static str {
    AccountKind::ALL
        .iter()
        .find(|k| k.must_not_go_negative())
        .map(|k| k.as_str())
        .unwrap_or("")
}

/// Why a guarded update matched no row: the account is missing, has another
/// currency, or lacks the funds.
async fn refusal(tx: Tx<'_>, account: &str, currency: Currency, signed: i64) -> LedgerError {
    let row = match get_account_tx(tx, account).await {
        Ok(Some(row)) => row,
        Ok(None) => return LedgerError::NotFound("account"),
        Err(e) => return e.into(),
    };
    if row.currency != currency.code() {
        return DomainError::CurrencyMismatch {
            expected: row.currency,
            got: currency.code().to_string(),
        }
        .into();
    }
    let delta = row.normal().map(|n| n.balance_delta(signed)).unwrap_or(signed);
    DomainError::InsufficientFunds {
        available: (row.balance - row.held + row.credit_limit).max(0),
        needed: delta.saturating_neg(),
    }
    .into()
}

#[derive(Debug, Clone, FromRow)]
pub struct HoldRow {
    pub id: String,
    pub account_id: String,
    pub currency: String,
    pub amount: i64,
    pub captured: i64,
    pub status: String,
    pub ref_type: String,
    pub ref_id: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

crate::from_row!(HoldRow {
    id,
    account_id,
    currency,
    amount,
    captured,
    status,
    ref_type,
    ref_id,
    expires_at,
    created_at,
    updated_at
});

const HOLD_COLUMNS: &str =
    "id, account_id, currency, amount, captured, status, ref_type, ref_id, expires_at, created_at, updated_at";

/// Reserves `amount` on an account until `expires_at`.
pub async fn place_hold(
    tx: Tx<'_>,
    account_id: &str,
    amount: i64,
    ref_type: &str,
    ref_id: &str,
    expires_at: i64,
) -> Result<HoldRow, LedgerError> {
    if amount <= 0 {
        return Err(DomainError::InvalidAmount {
            max: juhe_domain::money::MAX_AMOUNT,
        }
        .into());
    }
    let account = get_account_tx(&mut *tx, account_id)
        .await?
        .ok_or(LedgerError::NotFound("account"))?;
    let n = query("UPDATE accounts SET held = held + $1 WHERE id = $2 AND balance - held - $1 + credit_limit >= 0")
        .bind(amount)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    if n == 0 {
        return Err(DomainError::InsufficientFunds {
            available: (account.balance - account.held + account.credit_limit).max(0),
            needed: amount,
        }
        .into());
    }
    let now = now_ms();
    let hold = HoldRow {
        id: new_id("hold"),
        account_id: account_id.to_string(),
        currency: account.currency,
        amount,
        captured: 0,
        status: HoldStatus::Active.as_str().to_string(),
        ref_type: ref_type.to_string(),
        ref_id: ref_id.to_string(),
        expires_at,
        created_at: now,
        updated_at: now,
    };
    query(format!(
        "INSERT INTO holds ({HOLD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(&hold.id)
    .bind(&hold.account_id)
    .bind(&hold.currency)
    .bind(hold.amount)
    .bind(hold.captured)
    .bind(&hold.status)
    .bind(&hold.ref_type)
    .bind(&hold.ref_id)
    .bind(hold.expires_at)
    .bind(hold.created_at)
    .bind(hold.updated_at)
    .execute(tx)
    .await?;
    Ok(hold)
}

pub async fn get_hold_tx(tx: Tx<'_>, id: &str) -> Result<Option<HoldRow>, StoreError> {
    query(format!("SELECT {HOLD_COLUMNS} FROM holds WHERE id = $1"))
        .bind(id)
        .fetch_optional(tx)
        .await
}

/// Ends an active hold (capture, void or expire) with a guarded update and
/// releases its whole amount from `held`.
async fn end_hold(tx: Tx<'_>, hold_id: &str, action: HoldAction, captured: i64) -> Result<HoldRow, LedgerError> {
    let hold = get_hold_tx(&mut *tx, hold_id)
        .await?
        .ok_or(LedgerError::NotFound("hold"))?;
    let from =
        HoldStatus::parse(&hold.status).ok_or_else(|| StoreError::Corrupt(format!("hold status {}", hold.status)))?;
    let to = transition::<HoldMachine>(from, action)?;
    let n = query("UPDATE holds SET status = $1, captured = $2, updated_at = $3 WHERE id = $4 AND status = $5")
        .bind(to.as_str())
        .bind(captured)
        .bind(now_ms())
        .bind(hold_id)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await?;
    if n == 0 {
        return Err(DomainError::IllegalTransition {
            kind: "hold",
            from: "changed concurrently",
            action: "end",
        }
        .into());
    }
    query("UPDATE accounts SET held = held - $1 WHERE id = $2")
        .bind(hold.amount)
        .bind(&hold.account_id)
        .execute(tx)
        .await?;
    Ok(hold)
}

/// Captures `amount` of a hold into `credit_account` (the rest is released).
/// Returns the entry id, or `None` when nothing was captured.
pub async fn capture_hold(
    tx: Tx<'_>,
    hold_id: &str,
    amount: i64,
    credit_account: &str,
    entry_ref: EntryRef<'_>,
) -> Result<Option<String>, LedgerError> {
    let hold = get_hold_tx(&mut *tx, hold_id)
        .await?
        .ok_or(LedgerError::NotFound("hold"))?;
    check_capture(hold.amount, amount)?;
    end_hold(&mut *tx, hold_id, HoldAction::Capture, amount).await?;
    if amount == 0 {
        return Ok(None);
    }
    let currency = Currency::parse(&hold.currency)?;
    let entry = JournalEntry::transfer(hold.account_id.clone(), credit_account.to_string(), currency, amount)?;
    Ok(Some(post(tx, entry_ref, &entry).await?))
}

pub async fn void_hold(tx: Tx<'_>, hold_id: &str) -> Result<HoldRow, LedgerError> {
    end_hold(tx, hold_id, HoldAction::Void, 0).await
}

/// Expires one active hold (the sweeper uses [`expire_due_holds`]).
pub async fn expire_hold(tx: Tx<'_>, hold_id: &str) -> Result<HoldRow, LedgerError> {
    end_hold(tx, hold_id, HoldAction::Expire, 0).await
}

/// Expires every active hold past its time; returns the ids it expired.
pub async fn expire_due_holds(tx: Tx<'_>, now: i64, limit: i64) -> Result<Vec<String>, LedgerError> {
    let due: Vec<(String,)> =
        query("SELECT id FROM holds WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
    let mut expired = Vec::with_capacity(due.len());
    for (id,) in due {
        end_hold(&mut *tx, &id, HoldAction::Expire, 0).await?;
        expired.push(id);
    }
    Ok(expired)
}

/// One thing `verify` found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: &'static str,
    pub detail: String,
}

/// What `juhe ledger verify` reports.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    pub accounts: i64,
    pub entries: i64,
    pub postings: i64,
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks every invariant of the books. Reads only; run it any time.
pub async fn verify(pool: &AnyPool) -> Result<VerifyReport, StoreError> {
    let mut tx = pool.begin().await?;
    let mut report = VerifyReport::default();
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    report.accounts = count("SELECT COUNT(*) FROM accounts").fetch_one(&mut *tx).await?;
    report.entries = count("SELECT COUNT(*) FROM journal_entries")
        .fetch_one(&mut *tx)
        .await?;
    report.postings = count("SELECT COUNT(*) FROM postings").fetch_one(&mut *tx).await?;

    let unbalanced: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT entry_id, currency, CAST(SUM(amount) AS BIGINT) FROM postings GROUP BY entry_id, currency HAVING SUM(amount) <> 0",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (entry, currency, sum) in unbalanced {
        report.findings.push(Finding {
            check: "entry_balanced",
            detail: format!("entry {entry} {currency} sums to {sum}"),
        });
    }

    let short: Vec<(String, i64)> =
        sqlx::query_as("SELECT entry_id, COUNT(*) FROM postings GROUP BY entry_id HAVING COUNT(*) < 2")
            .fetch_all(&mut *tx)
            .await?;
    for (entry, n) in short {
        report.findings.push(Finding {
            check: "entry_two_legs",
            detail: format!("entry {entry} has {n} posting(s)"),
        });
    }

    let empty: Vec<(String,)> = sqlx::query_as(
        "SELECT e.id FROM journal_entries e WHERE NOT EXISTS (SELECT 1 FROM postings p WHERE p.entry_id = e.id)",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (entry,) in empty {
        report.findings.push(Finding {
            check: "entry_two_legs",
            detail: format!("entry {entry} has no postings"),
        });
    }

    let mismatched_currency: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.id, a.id FROM postings p JOIN accounts a ON a.id = p.account_id WHERE p.currency <> a.currency",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (posting, account) in mismatched_currency {
        report.findings.push(Finding {
            check: "posting_currency",
            detail: format!("posting {posting} differs from account {account}'s currency"),
        });
    }

    // Cached balance against the postings, on each account's normal side.
    let balances: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT a.id, a.normal_balance, a.balance, CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM accounts a \
         LEFT JOIN postings p ON p.account_id = a.id GROUP BY a.id, a.normal_balance, a.balance",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (account, normal, cached, signed_sum) in balances {
        let derived = match NormalBalance::parse(&normal) {
            Some(n) => n.balance_delta(signed_sum),
            None => {
                report.findings.push(Finding {
                    check: "account_kind",
                    detail: format!("account {account}: {normal}"),
                });
                continue;
            }
        };
        if derived != cached {
            report.findings.push(Finding {
                check: "cached_balance",
                detail: format!("account {account}: cached {cached}, postings give {derived}"),
            });
        }
    }

    let held: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT a.id, a.held, CAST(COALESCE(SUM(h.amount), 0) AS BIGINT) FROM accounts a \
         LEFT JOIN holds h ON h.account_id = a.id AND h.status = 'active' GROUP BY a.id, a.held",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (account, cached, active) in held {
        if cached != active {
            report.findings.push(Finding {
                check: "held_amount",
                detail: format!("account {account}: held {cached}, active holds {active}"),
            });
        }
    }

    let overdrawn: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, balance, held, credit_limit FROM accounts WHERE kind = 'customer_wallet' AND balance - held + credit_limit < 0",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (account, balance, held, limit) in overdrawn {
        report.findings.push(Finding {
            check: "wallet_not_overdrawn",
            detail: format!("wallet {account}: balance {balance}, held {held}, credit limit {limit}"),
        });
    }

    // Business objects against the books: each succeeded payment and refund
    // posted its entry, and refunded amounts add up.
    let unposted: Vec<(String,)> = sqlx::query_as(
        "SELECT p.id FROM payments p WHERE p.status = 'succeeded' AND NOT EXISTS \
         (SELECT 1 FROM journal_entries e WHERE e.ref_type = 'payment' AND e.ref_id = p.id)",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (payment,) in unposted {
        report.findings.push(Finding {
            check: "payment_posted",
            detail: format!("payment {payment} has no entry"),
        });
    }
    let refunds: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT p.id, p.refunded_amount, CAST(COALESCE(SUM(r.amount), 0) AS BIGINT) FROM payments p \
         LEFT JOIN refunds r ON r.payment_id = p.id AND r.status = 'succeeded' \
         GROUP BY p.id, p.refunded_amount HAVING p.refunded_amount <> COALESCE(SUM(r.amount), 0)",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (payment, recorded, sum) in refunds {
        report.findings.push(Finding {
            check: "refunded_amount",
            detail: format!("payment {payment}: refunded_amount {recorded}, succeeded refunds {sum}"),
        });
    }
    let fees: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT id, fee, fee_refunded FROM payments WHERE fee_refunded > fee OR fee_refunded < 0 OR fee < 0",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (payment, fee, back) in fees {
        report.findings.push(Finding {
            check: "fee_refunded",
            detail: format!("payment {payment}: fee {fee}, fee given back {back}"),
        });
    }
    let over: Vec<(String,)> = sqlx::query_as("SELECT id FROM payments WHERE refunded_amount > amount")
        .fetch_all(&mut *tx)
        .await?;
    for (payment,) in over {
        report.findings.push(Finding {
            check: "refund_exceeds_paid",
            detail: format!("payment {payment}"),
        });
    }
    tx.rollback().await?;
    Ok(report)
}

pub async fn get_account(pool: &AnyPool, id: &str) -> Result<Option<AccountRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?,
    )
}

/// One posting on an account with the entry it belongs to (an account's history).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostingLine {
    pub posting_id: String,
    pub entry_id: String,
    pub kind: String,
    pub ref_type: String,
    pub ref_id: String,
    /// Signed, debit positive.
    pub amount: i64,
    pub created_at: i64,
}

/// An account's postings, newest first.
pub async fn history(
    pool: &AnyPool,
    account_id: &str,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<PostingLine>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT p.id AS posting_id, p.entry_id, e.kind, e.ref_type, e.ref_id, p.amount, p.created_at \
         FROM postings p JOIN journal_entries e ON e.id = p.entry_id WHERE p.account_id = $1 \
         AND ($2 IS NULL OR p.id < $2) ORDER BY p.id DESC LIMIT $3",
    )
    .bind(account_id)
    .bind(before_id)
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

//! Property test of the ledger in the database against the reference model
//! in `juhe_domain::model`: random sequences of top-ups, payments, refunds
//! and holds (place, partial capture, void, expire) on both engines. After
//! every operation the store and the model agree on whether it was allowed
//! and on every balance; at the end `verify` finds nothing. Wallets never go
//! below zero (or below their credit limit).

use juhe_domain::ledger::{AccountKind, JournalEntry};
use juhe_domain::model::{Book, Op, op_strategy};
use juhe_domain::{Currency, DomainError};
use juhe_store::ledger::{self, EntryRef, LedgerError, Owner};
use juhe_store::{Db, StoreError};
use juhe_testkit::{TestDb, engines};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const CNY: Currency = Currency::CNY;

fn op() -> impl Strategy<Value = Op> {
    op_strategy(12)
}

/// Accounts of one case: ids in the store, indexes in the model.
struct Case {
    ids: Vec<String>,
    cash: usize,
    payable: usize,
    wallets: [usize; 3],
}

async fn open_case(db: &Db, book: &mut Book) -> Case {
    let owner = juhe_store::ids::random_hex(6);
    let make = |kind: AccountKind, who: String, limit: i64| {
        let db = db.clone();
        async move {
            db.write(move |tx| {
                let who = who.clone();
                Box::pin(async move {
                    let a = ledger::ensure_account(
                        &mut *tx,
                        Owner {
                            owner_type: "test",
                            owner_id: &who,
                        },
                        kind,
                        CNY,
                    )
                    .await?;
                    if limit > 0 {
                        ledger::set_credit_limit(&mut *tx, &a.id, limit).await?;
                    }
                    Ok::<_, LedgerError>(a.id)
                })
            })
            .await
            .expect("open account")
        }
    };
    let mut ids = Vec::new();
    // Opens the same account in the model; store and model indexes match.
    let mut open = |kind: AccountKind, limit: i64, ids: &mut Vec<String>, id: String| {
        ids.push(id);
        book.open(kind, CNY, limit)
    };
    let cash_id = make(AccountKind::MerchantCash, format!("{owner}-m"), 0).await;
    let cash = open(AccountKind::MerchantCash, 0, &mut ids, cash_id);
    let payable_id = make(AccountKind::MerchantPayable, format!("{owner}-m"), 0).await;
    let payable = open(AccountKind::MerchantPayable, 0, &mut ids, payable_id);
    let mut wallets = [0; 3];
    for (i, limit) in [0i64, 0, 30_000].into_iter().enumerate() {
        let id = make(AccountKind::CustomerWallet, format!("{owner}-c{i}"), limit).await;
        wallets[i] = open(AccountKind::CustomerWallet, limit, &mut ids, id);
    }
    Case {
        ids,
        cash,
        payable,
        wallets,
    }
}

async fn transfer(db: &Db, debit: &str, credit: &str, amount: i64) -> Result<(), LedgerError> {
    let (d, c) = (debit.to_string(), credit.to_string());
    db.write(move |tx| {
        let (d, c) = (d.clone(), c.clone());
        Box::pin(async move {
            let entry = JournalEntry::transfer(d, c, CNY, amount)?;
            ledger::post(
                tx,
                EntryRef {
                    kind: "test",
                    ref_type: "test",
                    ref_id: "prop",
                },
                &entry,
            )
            .await
            .map(|_| ())
        })
    })
    .await
}

/// Same outcome class: both allowed, or both refused for the same rule.
fn same_outcome(model: &Result<(), DomainError>, store: &Result<(), LedgerError>) -> bool {
    match (model, store) {
        (Ok(()), Ok(())) => true,
        (Err(m), Err(LedgerError::Rule(s))) => m.code() == s.code(),
        _ => false,
    }
}

async fn run_case(db: &Db, ops: &[Op]) -> Result<(), String> {
    let mut book = Book::default();
    let case = open_case(db, &mut book).await;
    let id = |i: usize| case.ids[i].clone();
    let mut payments: Vec<(usize, i64, i64)> = Vec::new(); // (wallet, paid, refunded)
    let mut holds: Vec<String> = Vec::new(); // store ids by model index
    for (step, op) in ops.iter().enumerate() {
        let (model, store): (Result<(), DomainError>, Result<(), LedgerError>) = match op.clone() {
            Op::Topup(w, a) => {
                let w = case.wallets[w];
                (
                    book.transfer(case.cash, w, a),
                    transfer(db, &id(case.cash), &id(w), a).await,
                )
            }
            Op::Pay(w, a) => {
                let w = case.wallets[w];
                let m = book.transfer(w, case.payable, a);
                let s = transfer(db, &id(w), &id(case.payable), a).await;
                if m.is_ok() {
                    payments.push((w, a, 0));
                }
                (m, s)
            }
            Op::Refund(p, a) => match payments.get(p).copied() {
                None => continue,
                Some((w, paid, refunded)) => {
                    if juhe_domain::refund::check_refundable(paid, refunded, a).is_err() {
                        continue; // The service refuses these before the ledger sees them.
                    }
                    let m = book.transfer(case.payable, w, a);
                    let s = transfer(db, &id(case.payable), &id(w), a).await;
                    if m.is_ok() {
                        payments[p].2 += a;
                    }
                    (m, s)
                }
            },
            Op::Hold(w, a) => {
                let w = case.wallets[w];
                let m = book.place_hold(w, a).map(|_| ());
                let acc = id(w);
                let s = db
                    .write(move |tx| {
                        let acc = acc.clone();
                        Box::pin(async move {
                            ledger::place_hold(tx, &acc, a, "test", "prop", i64::MAX / 2)
                                .await
                                .map(|h| h.id)
                        })
                    })
                    .await;
                match (&m, s) {
                    (Ok(()), Ok(hold_id)) => {
                        holds.push(hold_id);
                        (m, Ok(()))
                    }
                    (_, s) => (m, s.map(|_| ())),
                }
            }
            Op::Capture(h, a) => {
                let Some(hold_id) = holds.get(h).cloned() else { continue };
                let m = book.capture(h, a, case.payable);
                let to = id(case.payable);
                let s = db
                    .write(move |tx| {
                        let (hold_id, to) = (hold_id.clone(), to.clone());
                        Box::pin(async move {
                            ledger::capture_hold(
                                tx,
                                &hold_id,
                                a,
                                &to,
                                EntryRef {
                                    kind: "test",
                                    ref_type: "test",
                                    ref_id: "prop",
                                },
                            )
                            .await
                            .map(|_| ())
                        })
                    })
                    .await;
                (m, s)
            }
            Op::Void(h) | Op::Expire(h) => {
                let Some(hold_id) = holds.get(h).cloned() else { continue };
                let expire = matches!(op, Op::Expire(_));
                let m = if expire { book.expire(h) } else { book.void(h) };
                let s = db
                    .write(move |tx| {
                        let hold_id = hold_id.clone();
                        Box::pin(async move {
                            if expire {
                                ledger::expire_hold(tx, &hold_id).await.map(|_| ())
                            } else {
                                ledger::void_hold(tx, &hold_id).await.map(|_| ())
                            }
                        })
                    })
                    .await;
                (m, s)
            }
        };
        if !same_outcome(&model, &store) {
            return Err(format!("step {step} {op:?}: model {model:?}, store {store:?}"));
        }
        for (i, acc) in book.accounts.iter().enumerate() {
            let row = ledger::get_account(db.reader(), &case.ids[i])
                .await
                .map_err(|e: StoreError| e.to_string())?;
            let row = row.ok_or("account vanished")?;
            if (row.balance, row.held) != (acc.balance, acc.held) {
                return Err(format!(
                    "step {step} {op:?}: account {i} store ({}, {}) model ({}, {})",
                    row.balance, row.held, acc.balance, acc.held
                ));
            }
            if acc.kind == AccountKind::CustomerWallet && row.balance - row.held + row.credit_limit < 0 {
                return Err(format!("step {step}: wallet {i} overdrawn"));
            }
        }
    }
    book.verify()?;
    Ok(())
}

#[test]
fn store_agrees_with_the_model_on_random_operations() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for engine in engines() {
        let test_db = rt.block_on(TestDb::new(engine));
        let db = rt.block_on(test_db.open());
        let cases = if engine == juhe_testkit::Engine::Sqlite { 48 } else { 24 };
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&proptest::collection::vec(op(), 1..60), |ops| {
            rt.block_on(run_case(&db, &ops)).map_err(TestCaseError::fail)
        });
        if let Err(e) = result {
            panic!("{engine:?}: {e}");
        }
        let report = rt.block_on(ledger::verify(db.reader())).expect("verify");
        assert!(report.ok(), "{engine:?}: {:?}", report.findings);
        assert!(report.entries > 0, "the property test posted nothing");
        rt.block_on(db.close());
    }
}

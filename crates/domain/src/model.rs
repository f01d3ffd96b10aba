//! A reference ledger in memory: the rules of accounts, entries and holds
//! applied to plain vectors. It is the executable specification the storage
//! layer is tested against, and the subject of the property tests below.

use crate::error::DomainError;
use crate::hold::{HoldAction, HoldMachine, HoldStatus, check_capture};
use crate::ledger::{AccountKind, JournalEntry, Posting, check_available};
use crate::money::Currency;
use crate::state::transition;

#[derive(Debug, Clone)]
pub struct ModelAccount {
    pub kind: AccountKind,
    pub currency: Currency,
    pub credit_limit: i64,
    /// Cached balance on the account's normal side.
    pub balance: i64,
    /// Sum of active holds.
    pub held: i64,
}

#[derive(Debug, Clone)]
pub struct ModelHold {
    pub account: usize,
    pub amount: i64,
    pub status: HoldStatus,
}

#[derive(Debug, Default, Clone)]
pub struct Book {
    pub accounts: Vec<ModelAccount>,
    pub entries: Vec<JournalEntry<usize>>,
    pub holds: Vec<ModelHold>,
}

impl Book {
    pub fn open(&mut self, kind: AccountKind, currency: Currency, credit_limit: i64) -> usize {
        self.accounts.push(ModelAccount {
            kind,
            currency,
            credit_limit,
            balance: 0,
            held: 0,
        });
        self.accounts.len() - 1
    }

    fn account(&self, id: usize) -> Result<&ModelAccount, DomainError> {
        self.accounts
            .get(id)
            .ok_or_else(|| DomainError::Invalid(format!("no account {id}")))
    }

    /// Posts an entry if every account it touches may take its posting;
    /// all or nothing.
    pub fn post(&mut self, entry: JournalEntry<usize>) -> Result<(), DomainError> {
        for p in entry.postings() {
            let a = self.account(p.account)?;
            if a.currency != p.currency {
                return Err(DomainError::CurrencyMismatch {
                    expected: a.currency.code().into(),
                    got: p.currency.code().into(),
                });
            }
            let delta = a.kind.normal_balance().balance_delta(p.amount);
            check_available(a.kind, a.balance, a.held, a.credit_limit, delta)?;
        }
        for p in entry.postings() {
            let a = &mut self.accounts[p.account];
            a.balance += a.kind.normal_balance().balance_delta(p.amount);
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Debits one account and credits another with a positive amount.
    pub fn transfer(&mut self, debit: usize, credit: usize, amount: i64) -> Result<(), DomainError> {
        let currency = self.account(debit)?.currency;
        self.post(JournalEntry::transfer(debit, credit, currency, amount)?)
    }

    pub fn place_hold(&mut self, account: usize, amount: i64) -> Result<usize, DomainError> {
        if amount <= 0 {
            return Err(DomainError::InvalidAmount { max: i64::MAX });
        }
        let a = self.account(account)?;
        check_available(a.kind, a.balance, a.held, a.credit_limit, -amount)?;
        self.accounts[account].held += amount;
        self.holds.push(ModelHold {
            account,
            amount,
            status: HoldStatus::Active,
        });
        Ok(self.holds.len() - 1)
    }

    fn finish_hold(&mut self, hold: usize, action: HoldAction) -> Result<ModelHold, DomainError> {
        let h = self
            .holds
            .get(hold)
            .cloned()
            .ok_or_else(|| DomainError::Invalid(format!("no hold {hold}")))?;
        let next = transition::<HoldMachine>(h.status, action)?;
        self.holds[hold].status = next;
        self.accounts[h.account].held -= h.amount;
        Ok(h)
    }

    /// Captures `amount` (≤ held) by debiting the held account and crediting `to`, releasing the rest.
    pub fn capture(&mut self, hold: usize, amount: i64, to: usize) -> Result<(), DomainError> {
        let h = self
            .holds
            .get(hold)
            .cloned()
            .ok_or_else(|| DomainError::Invalid(format!("no hold {hold}")))?;
        check_capture(h.amount, amount)?;
        transition::<HoldMachine>(h.status, HoldAction::Capture)?;
        self.finish_hold(hold, HoldAction::Capture)?;
        if amount > 0
            && let Err(e) = self.transfer(h.account, to, amount)
        {
            // Cannot happen while holds reserve what they capture; undo to stay all-or-nothing.
            self.holds[hold].status = HoldStatus::Active;
            self.accounts[h.account].held += h.amount;
            return Err(e);
        }
        Ok(())
    }

    pub fn void(&mut self, hold: usize) -> Result<(), DomainError> {
        self.finish_hold(hold, HoldAction::Void).map(|_| ())
    }

    pub fn expire(&mut self, hold: usize) -> Result<(), DomainError> {
        self.finish_hold(hold, HoldAction::Expire).map(|_| ())
    }

    /// Every invariant `juhe ledger verify` checks, on the model.
    pub fn verify(&self) -> Result<(), String> {
        let mut derived = vec![0i64; self.accounts.len()];
        for (i, e) in self.entries.iter().enumerate() {
            let sum: i128 = e.postings().iter().map(|p| p.amount as i128).sum();
            if sum != 0 {
                return Err(format!("entry {i} sums to {sum}"));
            }
            for Posting { account, amount, .. } in e.postings() {
                derived[*account] += self.accounts[*account].kind.normal_balance().balance_delta(*amount);
            }
        }
        for (i, a) in self.accounts.iter().enumerate() {
            if a.balance != derived[i] {
                return Err(format!("account {i}: cached {} derived {}", a.balance, derived[i]));
            }
            let held: i64 = self
                .holds
                .iter()
                .filter(|h| h.account == i && h.status == HoldStatus::Active)
                .map(|h| h.amount)
                .sum();
            if a.held != held {
                return Err(format!("account {i}: held {} but active holds {}", a.held, held));
            }
            if a.kind.must_not_go_negative() && a.balance - a.held < -a.credit_limit {
                return Err(format!(
                    "account {i} overdrawn: {} held {} limit {}",
                    a.balance, a.held, a.credit_limit
                ));
            }
        }
        Ok(())
    }
}

/// One step of a random scenario for property tests: wallets, payments and
/// holds are named by their index in the scenario.
#[derive(Debug, Clone)]
pub enum Op {
    Topup(usize, i64),
    Pay(usize, i64),
    Refund(usize, i64),
    Hold(usize, i64),
    Capture(usize, i64),
    Void(usize),
    Expire(usize),
}

/// Random operations over three wallets, `refs` payments and holds.
#[cfg(any(test, feature = "testing"))]
pub fn op_strategy(refs: usize) -> impl proptest::strategy::Strategy<Value = Op> {
    use proptest::prelude::*;
    prop_oneof![
        (0..3usize, 1..50_000i64).prop_map(|(w, a)| Op::Topup(w, a)),
        (0..3usize, 1..60_000i64).prop_map(|(w, a)| Op::Pay(w, a)),
        (0..refs, 1..60_000i64).prop_map(|(p, a)| Op::Refund(p, a)),
        (0..3usize, 1..60_000i64).prop_map(|(w, a)| Op::Hold(w, a)),
        (0..refs, 0..60_000i64).prop_map(|(h, a)| Op::Capture(h, a)),
        (0..refs).prop_map(Op::Void),
        (0..refs).prop_map(Op::Expire),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CNY: Currency = Currency::CNY;

    fn op() -> impl Strategy<Value = Op> {
        op_strategy(20)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Random top-ups, payments, refunds and holds keep every entry
        /// balanced, cached balances equal to derived ones, and wallets
        /// (one with a credit limit) within their limits. Refused operations
        /// change nothing.
        #[test]
        fn random_operations_keep_the_book_sound(ops in proptest::collection::vec(op(), 1..120)) {
            let mut book = Book::default();
            let cash = book.open(AccountKind::MerchantCash, CNY, 0);
            let payable = book.open(AccountKind::MerchantPayable, CNY, 0);
            let wallets = [
                book.open(AccountKind::CustomerWallet, CNY, 0),
                book.open(AccountKind::CustomerWallet, CNY, 0),
                book.open(AccountKind::CustomerWallet, CNY, 30_000),
            ];
            // (wallet, paid, refunded) per payment.
            let mut payments: Vec<(usize, i64, i64)> = Vec::new();
            for op in ops {
                let before = (book.entries.len(), book.accounts.iter().map(|a| (a.balance, a.held)).collect::<Vec<_>>());
                let result = match op {
                    Op::Topup(w, a) => book.transfer(cash, wallets[w], a),
                    Op::Pay(w, a) => book.transfer(wallets[w], payable, a).map(|_| payments.push((wallets[w], a, 0))),
                    Op::Refund(p, a) => match payments.get(p).copied() {
                        Some((w, paid, refunded)) => crate::refund::check_refundable(paid, refunded, a)
                            .and_then(|_| book.transfer(payable, w, a))
                            .map(|_| payments[p].2 += a),
                        None => Err(DomainError::Invalid("no such payment".into())),
                    },
                    Op::Hold(w, a) => book.place_hold(wallets[w], a).map(|_| ()),
                    Op::Capture(h, a) => book.capture(h, a, payable),
                    Op::Void(h) => book.void(h),
                    Op::Expire(h) => book.expire(h),
                };
                if result.is_err() {
                    let after = (book.entries.len(), book.accounts.iter().map(|a| (a.balance, a.held)).collect::<Vec<_>>());
                    prop_assert_eq!(before, after, "a refused operation changed the book");
                }
                prop_assert!(book.verify().is_ok(), "{:?}", book.verify());
            }
            for (_, paid, refunded) in payments {
                prop_assert!(refunded <= paid);
            }
        }
    }

    #[test]
    fn hold_then_partial_capture_releases_the_rest() {
        let mut book = Book::default();
        let cash = book.open(AccountKind::MerchantCash, CNY, 0);
        let payable = book.open(AccountKind::MerchantPayable, CNY, 0);
        let w = book.open(AccountKind::CustomerWallet, CNY, 0);
        book.transfer(cash, w, 10_000).unwrap();
        let h = book.place_hold(w, 8_000).unwrap();
        assert!(book.transfer(w, payable, 2_001).is_err(), "held money is not spendable");
        book.capture(h, 5_000, payable).unwrap();
        assert_eq!((book.accounts[w].balance, book.accounts[w].held), (5_000, 0));
        assert!(book.capture(h, 1, payable).is_err(), "a hold is captured once");
        assert!(book.void(h).is_err());
        book.verify().unwrap();
    }
}

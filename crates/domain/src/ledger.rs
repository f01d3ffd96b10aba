//! Double-entry rules. An account has a normal side; a journal entry is a set
//! of postings whose signed amounts (debit positive, credit negative) sum to
//! zero in every currency. Entries are immutable once written: a correction
//! is a new entry. Balances are derived from postings.

use crate::error::DomainError;
use crate::money::Currency;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The side on which an account's balance grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormalBalance {
    Debit,
    Credit,
}

impl NormalBalance {
    pub fn as_str(self) -> &'static str {
        match self {
            NormalBalance::Debit => "debit",
            NormalBalance::Credit => "credit",
        }
    }

    pub fn parse(s: &str) -> Option<NormalBalance> {
        match s {
            "debit" => Some(NormalBalance::Debit),
            "credit" => Some(NormalBalance::Credit),
            _ => None,
        }
    }

    /// How a signed posting (debit positive) changes a balance kept on this side.
    pub fn balance_delta(self, signed_posting: i64) -> i64 {
        match self {
            NormalBalance::Debit => signed_posting,
            NormalBalance::Credit => -signed_posting,
        }
    }
}

/// What an account is for. The kind fixes its normal side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A customer's stored value: juhe owes it to the customer (liability).
    CustomerWallet,
    /// What juhe owes a merchant for payments it collected (liability).
    MerchantPayable,
    /// Cash a merchant's staff took in and owes onward (asset of juhe's books).
    MerchantCash,
    /// Money a channel holds for us until it settles (asset).
    ChannelClearing,
    /// Fees juhe earned (income).
    FeeRevenue,
}

impl AccountKind {
    pub const ALL: &'static [AccountKind] = &[
        AccountKind::CustomerWallet,
        AccountKind::MerchantPayable,
        AccountKind::MerchantCash,
        AccountKind::ChannelClearing,
        AccountKind::FeeRevenue,
    ];

    pub fn normal_balance(self) -> NormalBalance {
        match self {
            AccountKind::CustomerWallet | AccountKind::MerchantPayable | AccountKind::FeeRevenue => {
                NormalBalance::Credit
            }
            AccountKind::MerchantCash | AccountKind::ChannelClearing => NormalBalance::Debit,
        }
    }

    /// Whether the balance of this kind must stay at or above zero (less any
    /// explicit credit limit). Clearing and payable accounts may swing.
    pub fn must_not_go_negative(self) -> bool {
        matches!(self, AccountKind::CustomerWallet)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::CustomerWallet => "customer_wallet",
            AccountKind::MerchantPayable => "merchant_payable",
            AccountKind::MerchantCash => "merchant_cash",
            AccountKind::ChannelClearing => "channel_clearing",
            AccountKind::FeeRevenue => "fee_revenue",
        }
    }

    pub fn parse(s: &str) -> Option<AccountKind> {
        AccountKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// One line of an entry: a signed amount (debit positive) on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Posting<A> {
    pub account: A,
    pub currency: Currency,
    pub amount: i64,
}

impl<A> Posting<A> {
    pub fn debit(account: A, currency: Currency, amount: i64) -> Posting<A> {
        Posting {
            account,
            currency,
            amount,
        }
    }

    pub fn credit(account: A, currency: Currency, amount: i64) -> Posting<A> {
        Posting {
            account,
            currency,
            amount: -amount,
        }
    }
}

/// A balanced set of postings. Construct with [`JournalEntry::new`], which
/// refuses anything that does not balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry<A> {
    postings: Vec<Posting<A>>,
}

impl<A> JournalEntry<A> {
    pub fn new(postings: Vec<Posting<A>>) -> Result<JournalEntry<A>, DomainError> {
        if postings.len() < 2 {
            return Err(DomainError::UnbalancedEntry(
                "an entry needs at least two postings".into(),
            ));
        }
        let mut sums: BTreeMap<Currency, i128> = BTreeMap::new();
        for p in &postings {
            if p.amount == 0 {
                return Err(DomainError::UnbalancedEntry("zero posting".into()));
            }
            *sums.entry(p.currency).or_default() += p.amount as i128;
        }
        if let Some((currency, sum)) = sums.iter().find(|(_, s)| **s != 0) {
            return Err(DomainError::UnbalancedEntry(format!(
                "{currency} postings sum to {sum}"
            )));
        }
        Ok(JournalEntry { postings })
    }

    /// A two-legged transfer of a positive amount from `debit` to `credit`.
    pub fn transfer(debit: A, credit: A, currency: Currency, amount: i64) -> Result<JournalEntry<A>, DomainError> {
        if amount <= 0 {
            return Err(DomainError::UnbalancedEntry(
                "a transfer moves a positive amount".into(),
            ));
        }
        JournalEntry::new(vec![
            Posting::debit(debit, currency, amount),
            Posting::credit(credit, currency, amount),
        ])
    }

    pub fn postings(&self) -> &[Posting<A>] {
        &self.postings
    }

    pub fn into_postings(self) -> Vec<Posting<A>> {
        self.postings
    }
}

/// The balance check for one account: may `balance` (on its normal side)
/// move by `delta` while `held` is reserved, given an overdraft `credit_limit`?
pub fn check_available(
    kind: AccountKind,
    balance: i64,
    held: i64,
    credit_limit: i64,
    delta: i64,
) -> Result<(), DomainError> {
    if delta >= 0 || !kind.must_not_go_negative() {
        return Ok(());
    }
    let available = balance as i128 - held as i128 + credit_limit as i128;
    if available + (delta as i128) < 0 {
        return Err(DomainError::InsufficientFunds {
            available: i64::try_from(available.max(0)).unwrap_or(i64::MAX),
            needed: delta.saturating_neg(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CNY: Currency = Currency::CNY;

    #[test]
    fn balanced_entries_are_accepted() {
        let e = JournalEntry::transfer("wallet", "payable", CNY, 100).unwrap();
        assert_eq!(e.postings().iter().map(|p| p.amount).sum::<i64>(), 0);
        let three = JournalEntry::new(vec![
            Posting::debit("wallet", CNY, 100),
            Posting::credit("payable", CNY, 99),
            Posting::credit("fees", CNY, 1),
        ]);
        assert!(three.is_ok());
    }

    #[test]
    fn unbalanced_entries_are_refused() {
        let usd = Currency::parse("USD").unwrap();
        for bad in [
            vec![Posting::debit("a", CNY, 100)],
            vec![Posting::debit("a", CNY, 100), Posting::credit("b", CNY, 99)],
            vec![Posting::debit("a", CNY, 100), Posting::credit("b", usd, 100)],
            vec![Posting::debit("a", CNY, 0), Posting::credit("b", CNY, 0)],
        ] {
            assert!(matches!(JournalEntry::new(bad), Err(DomainError::UnbalancedEntry(_))));
        }
        assert!(JournalEntry::transfer("a", "b", CNY, 0).is_err());
        assert!(JournalEntry::transfer("a", "b", CNY, -5).is_err());
    }

    #[test]
    fn normal_sides() {
        assert_eq!(
            AccountKind::CustomerWallet.normal_balance().balance_delta(-100),
            100,
            "a credit grows a wallet"
        );
        assert_eq!(
            AccountKind::MerchantCash.normal_balance().balance_delta(100),
            100,
            "a debit grows cash"
        );
        for k in AccountKind::ALL {
            assert_eq!(AccountKind::parse(k.as_str()), Some(*k));
        }
    }

    #[test]
    fn availability() {
        let w = AccountKind::CustomerWallet;
        assert!(check_available(w, 100, 0, 0, -100).is_ok());
        assert!(
            check_available(w, 100, 1, 0, -100).is_err(),
            "held money is not available"
        );
        assert!(
            check_available(w, 100, 0, 50, -150).is_ok(),
            "credit limit extends availability"
        );
        assert!(check_available(w, 100, 0, 50, -151).is_err());
        assert!(check_available(w, 0, 0, 0, 10).is_ok(), "credits are always fine");
        assert!(check_available(AccountKind::MerchantPayable, 0, 0, 0, -10).is_ok());
    }

    proptest! {
        #[test]
        fn random_postings_balance_iff_sum_is_zero(amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 1..8)) {
            let mut postings: Vec<Posting<usize>> = amounts.iter().enumerate().map(|(i, a)| Posting { account: i, currency: CNY, amount: *a }).collect();
            let sum: i64 = amounts.iter().sum();
            if sum != 0 {
                postings.push(Posting { account: 99, currency: CNY, amount: -sum });
            }
            let ok = JournalEntry::new(postings).is_ok();
            prop_assert_eq!(ok, !amounts.contains(&0) && (amounts.len() >= 2 || sum != 0));
        }
    }
}

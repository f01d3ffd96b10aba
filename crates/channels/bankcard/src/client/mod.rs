//! `BankcardChannel`: juhe as the terminal-side front of an acquirer.
//!
//! There is no query in ISO 8583: a purchase whose answer never came is
//! resolved by reversal (0400), which `reverse` sends for the journalled
//! trace number until the host confirms with 0410.

pub mod codes;
mod exchange;
mod operations;
mod settle;
mod terminal;

pub use codes::describe;
pub use settle::{Settlement, Totals};
pub use terminal::Terminal;

use crate::journal::{Journal, TraceCounter};
use crate::keys::WorkingKeys;
use async_trait::async_trait;
use juhe_channel::capability::{Capabilities, Operation};
use juhe_channel::{Channel, ChannelConfig, ChannelError, ChannelPaymentState, CreateOutcome, CreatePayment};
use juhe_channel::{CreateRefund, PaymentRef, RefundReport};
use juhe_domain::way::Way;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct BankcardChannel {
    counter: Arc<dyn TraceCounter>,
    journal: Arc<dyn Journal>,
    /// Working keys of signed-in terminals, by `Terminal::session_key`.
    sessions: Mutex<HashMap<String, WorkingKeys>>,
    /// One transaction at a time per terminal, as on a real terminal: a
    /// concurrent sign-in would replace the keys another call is MACing with.
    in_flight: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for BankcardChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BankcardChannel").finish_non_exhaustive()
    }
}

impl BankcardChannel {
    pub fn new(counter: Arc<dyn TraceCounter>, journal: Arc<dyn Journal>) -> BankcardChannel {
        BankcardChannel {
            counter,
            journal,
            sessions: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until no other call is talking to the host for this terminal.
    async fn exclusive(&self, terminal: &Terminal) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(locks.entry(terminal.session_key()).or_default())
        };
        lock.lock_owned().await
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, WorkingKeys>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Working keys for the terminal, signing in first if it has none.
    async fn keys(&self, terminal: &Terminal) -> Result<WorkingKeys, ChannelError> {
        if let Some(keys) = self.sessions().get(&terminal.session_key()).cloned() {
            return Ok(keys);
        }
        self.sign_in_terminal(terminal).await
    }

    /// Drops the terminal's keys (after the host rejected our MAC) so the
    /// next call signs in again.
    fn forget_keys(&self, terminal: &Terminal) {
        self.sessions().remove(&terminal.session_key());
    }

    /// Signs the terminal in (0800 / 0810) and keeps the working keys.
    pub async fn sign_in(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        let terminal = Terminal::from_config(cfg)?;
        let _turn = self.exclusive(&terminal).await;
        self.sign_in_terminal(&terminal).await.map(|_| ())
    }
}

#[async_trait]
impl Channel for BankcardChannel {
    fn code(&self) -> &str {
        "bankcard"
    }

    fn display_name(&self) -> &str {
        "Bank card (acquirer, ISO 8583)"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            ways: vec![Way::Card],
            operations: vec![Operation::Create, Operation::Reverse, Operation::Refund],
            currencies: vec!["CNY"],
        }
    }

    fn validate_config(&self, cfg: &ChannelConfig) -> Result<(), ChannelError> {
        Terminal::from_config(cfg).map(|_| ())
    }

    async fn create(&self, cfg: &ChannelConfig, req: &CreatePayment) -> Result<CreateOutcome, ChannelError> {
        let terminal = Terminal::from_config(cfg)?;
        let _turn = self.exclusive(&terminal).await;
        self.purchase(&terminal, req).await
    }

    /// ISO 8583 has no status query: an unknown outcome is settled by reversal.
    async fn query(&self, _cfg: &ChannelConfig, _payment: &PaymentRef) -> Result<ChannelPaymentState, ChannelError> {
        Err(ChannelError::Unsupported(Operation::Query))
    }

    async fn reverse(&self, cfg: &ChannelConfig, payment: &PaymentRef) -> Result<(), ChannelError> {
        let terminal = Terminal::from_config(cfg)?;
        let _turn = self.exclusive(&terminal).await;
        self.reverse_payment(&terminal, payment).await
    }

    async fn refund(&self, cfg: &ChannelConfig, req: &CreateRefund) -> Result<RefundReport, ChannelError> {
        let terminal = Terminal::from_config(cfg)?;
        let _turn = self.exclusive(&terminal).await;
        self.refund_payment(&terminal, req).await
    }
}

//! Sign-in (0800 → 0810): the host answers with working keys in field 62,
//! encrypted under the terminal master key, each with its check value.

use super::super::BankcardChannel;
use super::super::codes::{APPROVED, NET_SIGN_IN_DOUBLE, OPERATOR, TYPE_MANAGEMENT, describe, field60};
use super::super::exchange::exchange;
use super::super::terminal::Terminal;
use crate::codec::Message;
use crate::keys::WorkingKeys;
use juhe_channel::ChannelError;

impl BankcardChannel {
    pub(in crate::client) async fn sign_in_terminal(&self, terminal: &Terminal) -> Result<WorkingKeys, ChannelError> {
        let trace = self.counter.next_trace(&terminal.terminal_id).await?;
        let batch = self.counter.batch(&terminal.terminal_id).await?;
        let request = Message::new("0800")
            .with(11, format!("{trace:06}"))
            .with(41, terminal.terminal_id.clone())
            .with(42, terminal.merchant_no.clone())
            .with(60, field60(TYPE_MANAGEMENT, batch, NET_SIGN_IN_DOUBLE))
            .with(63, OPERATOR);
        let answer = exchange(terminal, request, None).await?;
        if answer.msg.mti != "0810" {
            return Err(ChannelError::Unknown(format!(
                "sign-in answered with {}",
                answer.msg.mti
            )));
        }
        if answer.code() != APPROVED {
            return Err(ChannelError::declined(answer.code(), describe(answer.code())));
        }
        let field62 = answer
            .msg
            .get(62)
            .ok_or_else(|| ChannelError::Unknown("sign-in answer has no working keys".into()))?;
        // A check value mismatch means the TMK is not the host's: try the
        // next live version (a rotation the acquirer has not made yet).
        let mut tried = terminal.tmks.iter().map(|tmk| WorkingKeys::from_field62(tmk, field62));
        let first = tried
            .next()
            .ok_or_else(|| ChannelError::Config("secret \"tmk\" is missing".into()))?;
        let keys = match first {
            Ok(keys) => keys,
            Err(e) => tried
                .find_map(Result::ok)
                .ok_or_else(|| ChannelError::Config(format!("working keys from sign-in: {e}")))?,
        };
        self.sessions().insert(terminal.session_key(), keys.clone());
        tracing::info!(terminal = %terminal.terminal_id, "terminal signed in");
        Ok(keys)
    }
}

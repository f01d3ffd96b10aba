//! WeChat's stated amount must equal the payment's, to the fen.

use juhe_channel::{ChannelError, ChannelPaymentState};

/// Passes a state through unless it is a success for another amount —
/// then nothing is believed and the payment needs a person.
pub fn checked_state(state: ChannelPaymentState, expected_fen: i64) -> Result<ChannelPaymentState, ChannelError> {
    match &state {
        ChannelPaymentState::Succeeded { amount, .. } if *amount != expected_fen => Err(ChannelError::Unknown(
            format!("WeChat Pay reports {amount} fen paid, the payment is for {expected_fen} fen"),
        )),
        _ => Ok(state),
    }
}

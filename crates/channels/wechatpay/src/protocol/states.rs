//! WeChat's states in juhe's words.

use super::ProtocolError;
use super::clock::parse_rfc3339_ms;
use super::models::{Refund, RefundNotice, Transaction};
use juhe_channel::{ChannelPaymentState, RefundState};

/// `trade_state` values (openapi transaction query yaml).
pub mod trade_state {
    pub const SUCCESS: &str = "SUCCESS";
    pub const REFUND: &str = "REFUND";
    pub const NOTPAY: &str = "NOTPAY";
    pub const CLOSED: &str = "CLOSED";
    pub const REVOKED: &str = "REVOKED";
    pub const USERPAYING: &str = "USERPAYING";
    pub const PAYERROR: &str = "PAYERROR";
}

/// Refund `status` / `refund_status` values (wechatpay-go refunddomestic).
pub mod refund_status {
    pub const SUCCESS: &str = "SUCCESS";
    pub const CLOSED: &str = "CLOSED";
    pub const PROCESSING: &str = "PROCESSING";
    pub const ABNORMAL: &str = "ABNORMAL";
}

/// The payment state a Transaction reports. Amounts are returned as WeChat
/// states them; the client compares them with the payment's own.
pub fn payment_state(tx: &Transaction) -> Result<ChannelPaymentState, ProtocolError> {
    match tx.trade_state.as_str() {
        // REFUND: it was paid, and (part of) it has since been refunded.
        trade_state::SUCCESS | trade_state::REFUND => {
            let channel_trade_no = tx
                .transaction_id
                .clone()
                .filter(|id| !id.is_empty())
                .ok_or_else(|| ProtocolError::Malformed("paid transaction without transaction_id".into()))?;
            let success_time = tx
                .success_time
                .as_deref()
                .ok_or_else(|| ProtocolError::Malformed("paid transaction without success_time".into()))?;
            let amount = tx
                .amount
                .as_ref()
                .and_then(|a| a.total)
                .ok_or_else(|| ProtocolError::Malformed("paid transaction without amount.total".into()))?;
            Ok(ChannelPaymentState::Succeeded {
                channel_trade_no,
                paid_at_ms: parse_rfc3339_ms(success_time)?,
                amount,
            })
        }
        trade_state::NOTPAY => Ok(ChannelPaymentState::AwaitingPayer),
        trade_state::USERPAYING => Ok(ChannelPaymentState::Paying),
        trade_state::CLOSED | trade_state::REVOKED => Ok(ChannelPaymentState::Closed),
        trade_state::PAYERROR => Ok(ChannelPaymentState::Failed {
            code: trade_state::PAYERROR.to_string(),
            message: tx.trade_state_desc.clone().unwrap_or_default(),
        }),
        other => Err(ProtocolError::Malformed(format!("unknown trade_state {other:?}"))),
    }
}

/// A refund's state from its `status` (queried) or `refund_status` (notified).
pub fn refund_state(status: &str, success_time: Option<&str>) -> Result<RefundState, ProtocolError> {
    match status {
        refund_status::SUCCESS => {
            let at =
                success_time.ok_or_else(|| ProtocolError::Malformed("refund SUCCESS without success_time".into()))?;
            Ok(RefundState::Succeeded {
                paid_at_ms: parse_rfc3339_ms(at)?,
            })
        }
        refund_status::PROCESSING => Ok(RefundState::Processing),
        // ABNORMAL: the money could not reach the payer's account (closed
        // card …); the merchant must act. CLOSED: the refund was closed.
        refund_status::ABNORMAL | refund_status::CLOSED => Ok(RefundState::Failed {
            code: status.to_string(),
            message: match status {
                refund_status::ABNORMAL => "refund abnormal: the payer's account could not be credited".into(),
                _ => "refund closed".into(),
            },
        }),
        other => Err(ProtocolError::Malformed(format!("unknown refund status {other:?}"))),
    }
}

pub fn refund_report_state(refund: &Refund) -> Result<RefundState, ProtocolError> {
    refund_state(&refund.status, refund.success_time.as_deref())
}

pub fn refund_notice_state(notice: &RefundNotice) -> Result<RefundState, ProtocolError> {
    refund_state(&notice.refund_status, notice.success_time.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::models::TransactionAmount;

    fn tx(state: &str) -> Transaction {
        Transaction {
            trade_state: state.into(),
            ..Transaction::default()
        }
    }

    #[test]
    fn unpaid_states_map_one_to_one() {
        assert_eq!(
            payment_state(&tx("NOTPAY")).unwrap(),
            ChannelPaymentState::AwaitingPayer
        );
        assert_eq!(payment_state(&tx("USERPAYING")).unwrap(), ChannelPaymentState::Paying);
        assert_eq!(payment_state(&tx("CLOSED")).unwrap(), ChannelPaymentState::Closed);
        assert_eq!(payment_state(&tx("REVOKED")).unwrap(), ChannelPaymentState::Closed);
        assert!(matches!(
            payment_state(&tx("PAYERROR")).unwrap(),
            ChannelPaymentState::Failed { code, .. } if code == "PAYERROR"
        ));
        assert!(payment_state(&tx("PAID")).is_err());
    }

    #[test]
    fn success_needs_id_time_and_amount() {
        assert!(payment_state(&tx("SUCCESS")).is_err());
        let paid = Transaction {
            transaction_id: Some("4200000001".into()),
            success_time: Some("2018-06-08T10:34:56+08:00".into()),
            amount: Some(TransactionAmount {
                total: Some(100),
                ..TransactionAmount::default()
            }),
            ..tx("SUCCESS")
        };
        assert_eq!(
            payment_state(&paid).unwrap(),
            ChannelPaymentState::Succeeded {
                channel_trade_no: "4200000001".into(),
                paid_at_ms: 1_528_425_296_000,
                amount: 100
            }
        );
    }

    #[test]
    fn refund_states() {
        assert_eq!(refund_state("PROCESSING", None).unwrap(), RefundState::Processing);
        assert!(refund_state("SUCCESS", None).is_err());
        assert!(matches!(
            refund_state("ABNORMAL", None).unwrap(),
            RefundState::Failed { .. }
        ));
        assert!(matches!(
            refund_state("CLOSED", None).unwrap(),
            RefundState::Failed { .. }
        ));
        assert!(refund_state("CLOSE", None).is_err());
    }
}

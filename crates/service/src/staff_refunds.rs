//! Refunds made by staff in a console rather than by the merchant's API
//! app. The same refund as the API's (the same checks, ledger entry and
//! webhook, to the payment's app), numbered by the console, with the staff
//! member's permission and site checked and the refund audited.

use crate::audit::{self, Change};
use crate::caller::Caller;
use crate::error::ServiceError;
use crate::identity::Actor;
use crate::refunds::{self, NewRefund};
use juhe_domain::access::Permission;
use juhe_store::Tx;
use juhe_store::payments;
use juhe_store::refunds::RefundRow;

/// `refund_no` comes from the form the staff member confirmed, so a
/// double submission finds the refund it already made.
pub async fn create(
    tx: Tx<'_>,
    actor: &Actor,
    merchant_id: &str,
    payment_id: &str,
    refund: &NewRefund,
) -> Result<(RefundRow, bool), ServiceError> {
    let payment = payments::get_tx(&mut *tx, merchant_id, payment_id)
        .await?
        .ok_or(ServiceError::NotFound("payment"))?;
    actor.require_on(
        Permission::RefundsCreate,
        "payment",
        merchant_id,
        payment.site_id.as_deref(),
    )?;
    let caller = Caller::of_app(&mut *tx, merchant_id, &payment.app_id).await?;
    let (row, created) = refunds::create(&mut *tx, &caller, payment_id, refund).await?;
    if created {
        audit::record(
            &mut *tx,
            actor,
            Change::new("refund.create", "refund", &row.id)
                .merchant(Some(merchant_id))
                .before(serde_json::json!({
                    "payment_id": payment.id,
                    "refunded_amount": payment.refunded_amount,
                }))
                .after(serde_json::json!({
                    "payment_id": payment.id,
                    "merchant_refund_no": row.merchant_refund_no,
                    "amount": row.amount,
                    "currency": row.currency,
                    "reason": row.reason,
                    "status": row.status,
                })),
        )
        .await?;
    }
    Ok((row, created))
}

//! Customers: payers known to a merchant, each with wallets per currency.

use crate::caller::Caller;
use crate::error::ServiceError;
use juhe_store::Tx;
use juhe_store::clock::now_ms;
use juhe_store::customers::{self, CustomerRow};
use juhe_store::ids::new_id;

#[derive(Debug, Clone)]
pub struct NewCustomer {
    pub name: String,
    pub phone: Option<String>,
    pub external_id: Option<String>,
}

/// Creates a customer. With an `external_id` the call is idempotent: the
/// same id and fields return the existing customer, different fields conflict.
pub async fn create(tx: Tx<'_>, caller: &Caller, c: &NewCustomer) -> Result<(CustomerRow, bool), ServiceError> {
    if let Some(ext) = &c.external_id
        && let Some(existing) = customers::get_by_external_id(&mut *tx, &caller.merchant_id, ext).await?
    {
        if existing.name == c.name && existing.phone == c.phone {
            return Ok((existing, false));
        }
        return Err(ServiceError::NumberConflict {
            what: "customer external_id",
            number: ext.clone(),
        });
    }
    let row = CustomerRow {
        id: new_id("cus"),
        merchant_id: caller.merchant_id.clone(),
        name: c.name.clone(),
        phone: c.phone.clone(),
        external_id: c.external_id.clone(),
        created_at: now_ms(),
    };
    customers::insert(tx, &row).await?;
    Ok((row, true))
}

//! Alipay's side of the protocol, in process: `/gateway.do` with every
//! method the client uses, signed answers, `trade_status_sync`
//! notifications, the bill download, and the control routes.

mod bills;
mod control;
mod gateway;
mod listing;
mod notify;
mod payer;
mod refunds;
mod reply;
mod state;
mod trades;

pub use bills::bill_for;
pub use payer::{PayerError, payer_pays};
pub use state::{
    FIXTURE_ALIPAY_CERT, FIXTURE_ALIPAY_NEXT_CERT, FIXTURE_ALIPAY_NEXT_PRIVATE_KEY, FIXTURE_ALIPAY_PRIVATE_KEY,
    FIXTURE_ALIPAY_PUBLIC_KEY, FIXTURE_ALIPAY_ROOT_CERT, FIXTURE_APP_CERT, Identity, Merchant, RefundRecord,
    SandboxState, Trade, TradeStatus, alipay_retry_schedule,
};

use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

pub fn router(state: Arc<SandboxState>) -> Router {
    Router::new()
        .route("/gateway.do", get(gateway::handle).post(gateway::handle))
        .route("/downloadBillFile.resource", get(bills::download))
        .route("/_sandbox/merchants", post(control::add_merchant))
        .route("/_sandbox/alipay-cert/rotate", post(control::rotate_certificate))
        .route("/_sandbox/orders", get(listing::list))
        .route("/_sandbox/orders/{out_trade_no}/pay", post(control::pay_order))
        .route("/_sandbox/orders/{out_trade_no}/decline", post(control::decline_order))
        .with_state(state.clone())
        .merge(juhe_sandbox_kit::control_router(state.script.clone()))
}

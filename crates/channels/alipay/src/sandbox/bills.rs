//! The trade bill: the URL query hands out a ticket URL; the download path
//! serves a ZIP of two GBK CSVs built from the sandbox's own trades.

use super::gateway::Call;
use super::reply::{Reply, invalid_parameter, refuse, success};
use super::state::{BUYER_LOGON_ID, SandboxState};
use super::trades::biz;
use crate::protocol::answer::sub;
use crate::protocol::bill::{Bill, BillRow, BillRowKind};
use crate::protocol::clock;
use crate::protocol::wire::{BillUrlAnswer, BillUrlRequest};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Arc;

/// The day's bill for one app: payments completed and refunds made that
/// Beijing day.
pub fn bill_for(state: &SandboxState, app_id: &str, date: time::Date) -> Option<Bill> {
    let merchant = state.merchant(app_id)?;
    let rows = state.with_trades(|trades| {
        let mut rows = Vec::new();
        for t in trades.values().filter(|t| t.app_id == app_id) {
            let row = |kind, completed_ms, received, request: &str| BillRow {
                trade_no: t.trade_no.clone(),
                out_trade_no: t.out_trade_no.clone(),
                kind,
                subject: t.subject.clone(),
                created_ms: t.created_ms,
                completed_ms,
                store_id: t.store_id.clone().unwrap_or_default(),
                terminal_id: t.terminal_id.clone().unwrap_or_default(),
                buyer_logon_id: BUYER_LOGON_ID.into(),
                order_amount: t.total,
                received,
                refund_request_no: request.to_string(),
            };
            if let Some(paid) = t.paid_ms.filter(|p| clock::beijing_date(*p) == date) {
                rows.push(row(BillRowKind::Trade, paid, t.total, ""));
            }
            for r in t.refunds.iter().filter(|r| clock::beijing_date(r.at_ms) == date) {
                rows.push(row(BillRowKind::Refund, r.at_ms, -r.amount, &r.out_request_no));
            }
        }
        rows.sort_by_key(|r| r.completed_ms);
        rows
    });
    Some(Bill {
        pid: merchant.pid,
        date,
        rows,
        exported_ms: clock::now_ms(),
    })
}

pub fn url_query(state: &Arc<SandboxState>, call: Call) -> Reply {
    let req: BillUrlRequest = match biz(&call) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    if req.bill_type != "trade" {
        return refuse(sub::BILL_NOT_EXIST, "账单不存在");
    }
    let Ok(date) = clock::parse_date(&req.bill_date) else {
        return invalid_parameter("bill_date");
    };
    let app_id = call.merchant.app_id.clone();
    match bill_for(state, &app_id, date) {
        Some(bill) if !bill.rows.is_empty() => {
            let ticket = state.issue_bill_ticket(&app_id, date);
            success(&BillUrlAnswer {
                bill_download_url: Some(format!(
                    "{}/downloadBillFile.resource?bizType=trade&userId={}&fileType=csv.zip&bizDates={}&downloadFileName={}&fileId={ticket}",
                    call.origin,
                    bill.pid,
                    bill.compact_date(),
                    bill.zip_file_name()
                )),
            })
        }
        _ => refuse(sub::BILL_NOT_EXIST, "账单不存在"),
    }
}

pub async fn download(State(state): State<Arc<SandboxState>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some((app_id, date)) = q.get("fileId").and_then(|t| state.bill_ticket(t)) else {
        return (StatusCode::NOT_FOUND, "bill file not found").into_response();
    };
    match bill_for(&state, &app_id, date).map(|b| b.zip()) {
        Some(Ok(bytes)) => ([(header::CONTENT_TYPE, "application/zip")], bytes).into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "bill could not be built").into_response(),
    }
}

//! Exports of payments and refunds as CSV (UTF-8 with BOM, so Excel reads
//! the Chinese) and XLSX. Amounts are exact: the yuan column is text made
//! from minor units, and the minor-unit column is an integer (exact in a
//! spreadsheet's numbers); no amount passes through a float.

use crate::error::{ConsoleError, Result};
use crate::format;
use crate::i18n::{L, Lang};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use juhe_domain::{Currency, Money};
use juhe_store::payments::PaymentRow;
use juhe_store::refunds::RefundRow;

/// Rows read from the database per query while exporting.
pub const BATCH: i64 = 1_000;
/// The most rows one export holds (a spreadsheet holds 1,048,576).
pub const MAX_ROWS: usize = 200_000;

/// Every row of a keyset-paginated query, page by page, up to [`MAX_ROWS`]:
/// `fetch(before)` returns the page of rows with ids below `before`.
pub async fn all_pages<T, F, Fut>(id_of: fn(&T) -> &str, mut fetch: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>>>,
{
    let mut rows: Vec<T> = Vec::new();
    let mut before = None;
    loop {
        let batch = fetch(before).await?;
        let done = (batch.len() as i64) < BATCH;
        before = batch.last().map(|r| id_of(r).to_string());
        rows.extend(batch);
        if done || rows.len() >= MAX_ROWS {
            break;
        }
    }
    rows.truncate(MAX_ROWS);
    Ok(rows)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: Option<&str>) -> Result<Format> {
        match s.unwrap_or("csv") {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(ConsoleError::BadForm(format!("unknown export format {other:?}"))),
        }
    }
}

/// One cell: text, or an exact integer.
pub enum Cell {
    Text(String),
    Int(i64),
}

fn decimal(amount: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => Money::new(amount, c).to_decimal_string(),
        Err(_) => amount.to_string(),
    }
}

pub fn payments(lang: Lang, offset_ms: i64, merchant_id: &str, rows: &[PaymentRow], f: Format) -> Result<Response> {
    let t = |l| lang.t(l).to_string();
    let header = vec![
        t(L::Created),
        "payment_id".into(),
        t(L::OrderNo),
        t(L::Subject),
        t(L::Channel),
        t(L::Way),
        t(L::Status),
        t(L::Currency),
        t(L::AmountYuan),
        "amount_minor".into(),
        t(L::RefundedYuan),
        "refunded_minor".into(),
        t(L::FeeYuan),
        "fee_minor".into(),
        t(L::ChannelTradeNo),
        t(L::SucceededAt),
        t(L::Site),
        t(L::Terminal),
    ];
    let body = rows
        .iter()
        .map(|p| {
            vec![
                Cell::Text(format::time(p.created_at, offset_ms)),
                Cell::Text(p.id.clone()),
                Cell::Text(p.merchant_order_no.clone()),
                Cell::Text(p.subject.clone()),
                Cell::Text(p.channel.clone()),
                Cell::Text(p.way.clone()),
                Cell::Text(p.status.clone()),
                Cell::Text(p.currency.clone()),
                Cell::Text(decimal(p.amount, &p.currency)),
                Cell::Int(p.amount),
                Cell::Text(decimal(p.refunded_amount, &p.currency)),
                Cell::Int(p.refunded_amount),
                Cell::Text(decimal(p.fee, &p.currency)),
                Cell::Int(p.fee),
                Cell::Text(p.channel_trade_no.clone().unwrap_or_default()),
                Cell::Text(p.succeeded_at.map(|s| format::time(s, offset_ms)).unwrap_or_default()),
                Cell::Text(p.site_id.clone().unwrap_or_default()),
                Cell::Text(p.terminal_id.clone().unwrap_or_default()),
            ]
        })
        .collect::<Vec<_>>();
    respond(&format!("payments-{merchant_id}"), &header, &body, f)
}

pub fn refunds(lang: Lang, offset_ms: i64, merchant_id: &str, rows: &[RefundRow], f: Format) -> Result<Response> {
    let t = |l| lang.t(l).to_string();
    let header = vec![
        t(L::Created),
        "refund_id".into(),
        t(L::RefundNo),
        "payment_id".into(),
        t(L::Status),
        t(L::Currency),
        t(L::AmountYuan),
        "amount_minor".into(),
        t(L::FeeReturned),
        "fee_returned_minor".into(),
        t(L::Reason),
        t(L::SucceededAt),
    ];
    let body = rows
        .iter()
        .map(|r| {
            vec![
                Cell::Text(format::time(r.created_at, offset_ms)),
                Cell::Text(r.id.clone()),
                Cell::Text(r.merchant_refund_no.clone()),
                Cell::Text(r.payment_id.clone()),
                Cell::Text(r.status.clone()),
                Cell::Text(r.currency.clone()),
                Cell::Text(decimal(r.amount, &r.currency)),
                Cell::Int(r.amount),
                Cell::Text(decimal(r.fee_refund, &r.currency)),
                Cell::Int(r.fee_refund),
                Cell::Text(r.reason.clone().unwrap_or_default()),
                Cell::Text(r.succeeded_at.map(|s| format::time(s, offset_ms)).unwrap_or_default()),
            ]
        })
        .collect::<Vec<_>>();
    respond(&format!("refunds-{merchant_id}"), &header, &body, f)
}

fn respond(name: &str, header: &[String], rows: &[Vec<Cell>], f: Format) -> Result<Response> {
    let (bytes, kind, ext) = match f {
        Format::Csv => (csv_bytes(header, rows)?, "text/csv; charset=utf-8", "csv"),
        Format::Xlsx => (
            xlsx_bytes(header, rows)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let stamp = format::time(juhe_store::clock::now_ms(), 8 * 3_600_000)
        .replace([' ', ':'], "")
        .replace('-', "");
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-{stamp}.{ext}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// CSV with a BOM. Cells that a spreadsheet would run as a formula are
/// prefixed with `'` (CSV injection).
pub fn csv_bytes(header: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let fail = |e: csv::Error| ConsoleError::BadForm(format!("export failed: {e}"));
    w.write_record(header).map_err(fail)?;
    for r in rows {
        let record: Vec<String> = r
            .iter()
            .map(|c| match c {
                Cell::Text(s) => defuse(s),
                Cell::Int(i) => i.to_string(),
            })
            .collect();
        w.write_record(&record).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ConsoleError::BadForm(format!("export failed: {e}")))
}

fn defuse(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

pub fn xlsx_bytes(header: &[String], rows: &[Vec<Cell>]) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| ConsoleError::BadForm(format!("export failed: {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = XFormat::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => sheet.write_string(r, c, s).map(|_| ()),
                // Integers of minor units are exact in a double up to 2^53.
                Cell::Int(i) => sheet.write_number(r, c, *i as f64).map(|_| ()),
            }
            .map_err(fail)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_a_bom_exact_amounts_and_no_formulas() {
        let bytes = csv_bytes(
            &["a".into(), "b".into()],
            &[
                vec![Cell::Text("=HYPERLINK(\"x\")".into()), Cell::Int(1999)],
                vec![Cell::Text("12.34".into()), Cell::Int(1234)],
            ],
        )
        .unwrap();
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "a,b\n\"'=HYPERLINK(\"\"x\"\")\",1999\n12.34,1234\n");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx_bytes(&["金额".into()], &[vec![Cell::Int(9_007_199_254_740_991)]]).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        assert!(bytes.len() > 1000);
    }

    #[test]
    fn decimals_come_from_minor_units() {
        assert_eq!(decimal(1234, "CNY"), "12.34");
        assert_eq!(decimal(5, "CNY"), "0.05");
        assert_eq!(decimal(7, "???"), "7");
    }
}

//! The trade bill (`bill_type=trade`): a ZIP of two GBK CSV files, the
//! business details (`<pid>_<yyyyMMdd>_业务明细.csv`) and their summary
//! (`…_业务明细(汇总).csv`). `#` lines frame the table; identifier columns
//! end with a TAB before the comma (Alipay's guard against spreadsheet
//! programs turning long numbers into exponents).

use super::ProtocolError;
use super::amount::yuan;
use super::clock;
use std::io::{Cursor, Read, Write};

const NL: &str = "\r\n";

pub const DETAIL_HEADER: &str = "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注";

pub const SUMMARY_HEADER: &str = "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）";

/// `交易` (a payment) or `退款` (a refund).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillRowKind {
    Trade,
    Refund,
}

impl BillRowKind {
    pub fn label(self) -> &'static str {
        match self {
            BillRowKind::Trade => "交易",
            BillRowKind::Refund => "退款",
        }
    }
}

/// One detail row. Amounts in fen; a refund's `received` is negative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillRow {
    pub trade_no: String,
    pub out_trade_no: String,
    pub kind: BillRowKind,
    pub subject: String,
    pub created_ms: i64,
    pub completed_ms: i64,
    pub store_id: String,
    pub terminal_id: String,
    pub buyer_logon_id: String,
    pub order_amount: i64,
    pub received: i64,
    /// The refund's `out_request_no` (empty for payments).
    pub refund_request_no: String,
}

/// The bill of one merchant (`pid`) for one Beijing day.
#[derive(Debug, Clone)]
pub struct Bill {
    pub pid: String,
    pub date: time::Date,
    pub rows: Vec<BillRow>,
    pub exported_ms: i64,
}

fn chinese_date(date: time::Date) -> String {
    format!("{}年{:02}月{:02}日", date.year(), u8::from(date.month()), date.day())
}

fn chinese_time(ms: i64) -> String {
    let text = clock::format_seconds(ms);
    let (day, time) = text.split_once(' ').unwrap_or((text.as_str(), ""));
    let date = clock::parse_date(day).map(chinese_date).unwrap_or_default();
    format!("{date} {time}")
}

/// CSV fields never contain commas or line breaks here: replace them rather
/// than quote, as Alipay's own export does not quote.
fn field(text: &str) -> String {
    text.replace([',', '\r', '\n'], " ")
}

impl Bill {
    pub fn compact_date(&self) -> String {
        format!(
            "{}{:02}{:02}",
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day()
        )
    }

    pub fn detail_file_name(&self) -> String {
        format!("{}_{}_业务明细.csv", self.pid, self.compact_date())
    }

    pub fn summary_file_name(&self) -> String {
        format!("{}_{}_业务明细(汇总).csv", self.pid, self.compact_date())
    }

    /// The ZIP's own name, as given in the download URL.
    pub fn zip_file_name(&self) -> String {
        format!("{}_{}.csv.zip", self.pid, self.compact_date())
    }

    fn period_lines(&self, title: &str) -> String {
        let next = self.date.next_day().unwrap_or(self.date);
        format!(
            "#{title}{NL}#账号：[{}]{NL}#起始日期：[{} 00:00:00]   终止日期：[{} 00:00:00]{NL}",
            self.pid,
            chinese_date(self.date),
            chinese_date(next)
        )
    }

    fn totals(&self, kind: BillRowKind) -> (usize, i64) {
        self.rows
            .iter()
            .filter(|r| r.kind == kind)
            .fold((0, 0), |(n, sum), r| (n + 1, sum + r.received))
    }

    /// The details file, as text (before GBK encoding).
    pub fn detail_text(&self) -> String {
        let mut out = self.period_lines("支付宝业务明细查询");
        out.push_str("#-----------------------------------------业务明细列表----------------------------------------");
        out.push_str(NL);
        out.push_str(DETAIL_HEADER);
        out.push_str(NL);
        for r in &self.rows {
            let cells = [
                format!("{}\t", field(&r.trade_no)),
                format!("{}\t", field(&r.out_trade_no)),
                format!("{}\t", r.kind.label()),
                field(&r.subject),
                clock::format_seconds(r.created_ms),
                clock::format_seconds(r.completed_ms),
                format!("{}\t", field(&r.store_id)),
                String::new(),
                String::new(),
                format!("{}\t", field(&r.terminal_id)),
                format!("{}\t", field(&r.buyer_logon_id)),
                yuan(r.order_amount),
                yuan(r.received),
                yuan(0),
                yuan(0),
                yuan(0),
                yuan(0),
                yuan(0),
                String::new(),
                yuan(0),
                yuan(0),
                if r.refund_request_no.is_empty() {
                    String::new()
                } else {
                    format!("{}\t", field(&r.refund_request_no))
                },
                yuan(0),
                yuan(0),
                String::new(),
            ];
            out.push_str(&cells.join(","));
            out.push_str(NL);
        }
        out.push_str("#-----------------------------------------业务明细列表结束------------------------------------");
        out.push_str(NL);
        let (trades, trade_sum) = self.totals(BillRowKind::Trade);
        let (refunds, refund_sum) = self.totals(BillRowKind::Refund);
        out.push_str(&format!(
            "#交易合计：{trades}笔，商家实收共{}元，商家优惠共0.00元{NL}",
            yuan(trade_sum)
        ));
        out.push_str(&format!(
            "#退款合计：{refunds}笔，商家实收退款共{}元，商家优惠退款共0.00元{NL}",
            yuan(refund_sum)
        ));
        out.push_str(&format!("#导出时间：[{}]{NL}", chinese_time(self.exported_ms)));
        out
    }

    /// The summary file: one line per store, then the total.
    pub fn summary_text(&self) -> String {
        let mut out = self.period_lines("支付宝业务汇总查询");
        out.push_str("#-----------------------------------------业务汇总列表----------------------------------------");
        out.push_str(NL);
        out.push_str(SUMMARY_HEADER);
        out.push_str(NL);
        let mut stores: Vec<&str> = self.rows.iter().map(|r| r.store_id.as_str()).collect();
        stores.sort_unstable();
        stores.dedup();
        let line = |label: String, rows: Vec<&BillRow>| {
            let trades = rows.iter().filter(|r| r.kind == BillRowKind::Trade).count();
            let refunds = rows.len() - trades;
            let ordered: i64 = rows
                .iter()
                .filter(|r| r.kind == BillRowKind::Trade)
                .map(|r| r.order_amount)
                .sum();
            let received: i64 = rows.iter().map(|r| r.received).sum();
            format!(
                "{label},,{trades},{refunds},{},{},0.00,0.00,0.00,0.00,0.00,{}{NL}",
                yuan(ordered),
                yuan(received),
                yuan(received)
            )
        };
        for store in stores {
            let rows = self.rows.iter().filter(|r| r.store_id == store).collect();
            out.push_str(&line(format!("{}\t", field(store)), rows));
        }
        out.push_str(&line("合计".to_string(), self.rows.iter().collect()));
        out.push_str("#-----------------------------------------业务汇总列表结束------------------------------------");
        out.push_str(NL);
        out.push_str(&format!("#导出时间：[{}]{NL}", chinese_time(self.exported_ms)));
        out
    }

    /// The ZIP (deflate) holding both files, GBK-encoded.
    pub fn zip(&self) -> Result<Vec<u8>, ProtocolError> {
        let broken = |e: zip::result::ZipError| ProtocolError::Malformed(format!("zip: {e}"));
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in [
            (self.detail_file_name(), self.detail_text()),
            (self.summary_file_name(), self.summary_text()),
        ] {
            writer.start_file(name, options).map_err(broken)?;
            writer
                .write_all(&gbk(&text))
                .map_err(|e| ProtocolError::Malformed(format!("zip: {e}")))?;
        }
        Ok(writer.finish().map_err(broken)?.into_inner())
    }
}

/// Text → GBK bytes (every character used in bills exists in GBK).
pub fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    bytes.into_owned()
}

/// Reads a bill ZIP back: each file's name and its text decoded from GBK.
pub fn unzip(bytes: &[u8]) -> Result<Vec<(String, String)>, ProtocolError> {
    let broken = |e: zip::result::ZipError| ProtocolError::Malformed(format!("zip: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(broken)?;
        let mut raw = Vec::new();
        file.read_to_end(&mut raw)
            .map_err(|e| ProtocolError::Malformed(format!("zip: {e}")))?;
        let (text, _, had_errors) = encoding_rs::GBK.decode(&raw);
        if had_errors {
            return Err(ProtocolError::Malformed("bill file is not GBK".into()));
        }
        files.push((file.name().to_string(), text.into_owned()));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bill {
        let paid = clock::parse("2019-09-16 10:55:16").unwrap_or_default();
        let row = |kind, received, request: &str| BillRow {
            trade_no: "2019091622001458860515315453".into(),
            out_trade_no: "service_1568601259302".into(),
            kind,
            subject: "下单测试".into(),
            created_ms: paid,
            completed_ms: paid,
            store_id: String::new(),
            terminal_id: String::new(),
            buyer_logon_id: "abc***@alitest.com".into(),
            order_amount: 3,
            received,
            refund_request_no: request.into(),
        };
        Bill {
            pid: "2088021109625633".into(),
            date: clock::beijing_date(paid),
            rows: vec![row(BillRowKind::Trade, 3, ""), row(BillRowKind::Refund, -1, "r1")],
            exported_ms: paid,
        }
    }

    #[test]
    fn detail_file_has_the_real_layout() {
        let text = sample().detail_text();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "#支付宝业务明细查询");
        assert_eq!(lines[1], "#账号：[2088021109625633]");
        assert_eq!(
            lines[2],
            "#起始日期：[2019年09月16日 00:00:00]   终止日期：[2019年09月17日 00:00:00]"
        );
        assert_eq!(lines[4], DETAIL_HEADER);
        assert_eq!(DETAIL_HEADER.split(',').count(), 25);
        assert!(lines[5].starts_with(
            "2019091622001458860515315453\t,service_1568601259302\t,交易\t,下单测试,2019-09-16 10:55:16,"
        ));
        assert_eq!(lines[5].split(',').count(), 25);
        assert!(lines[6].contains(",退款\t,") && lines[6].contains(",-0.01,") && lines[6].contains(",r1\t,"));
        assert_eq!(lines[8], "#交易合计：1笔，商家实收共0.03元，商家优惠共0.00元");
        assert_eq!(lines[9], "#退款合计：1笔，商家实收退款共-0.01元，商家优惠退款共0.00元");
        assert_eq!(lines[10], "#导出时间：[2019年09月16日 10:55:16]");
    }

    #[test]
    fn zip_holds_two_gbk_files() {
        let bill = sample();
        let files = unzip(&bill.zip().unwrap()).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].0, "2088021109625633_20190916_业务明细.csv");
        assert_eq!(files[0].1, bill.detail_text());
        assert_eq!(files[1].0, "2088021109625633_20190916_业务明细(汇总).csv");
        assert!(files[1].1.contains("合计,,1,1,0.03,0.02,"));
        // GBK: 交 is 0xBD 0xBB.
        assert_eq!(gbk("交易"), vec![0xBD, 0xBB, 0xD2, 0xD7]);
    }
}

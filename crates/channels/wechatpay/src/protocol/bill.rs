//! The trade bill file (§4.1): UTF-8 with BOM, CRLF lines, a 27-column
//! detail header, detail rows whose every field starts with a backtick,
//! then a summary header and one summary row. Amounts in 元; fees with five
//! decimals; counts printed like `45.0`.

use super::ProtocolError;
use super::amount::{fee_yuan, yuan};
use super::clock::bill_time;
use sha1::{Digest, Sha1};

pub const DETAIL_HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
pub const SUMMARY_HEADER: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";
const BOM: &str = "\u{feff}";
const CRLF: &str = "\r\n";

/// A refund's columns on its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundColumns {
    pub refund_id: String,
    pub out_refund_no: String,
    pub refund_fen: i64,
    /// `ORIGINAL`: back to where the money came from.
    pub refund_type: String,
    pub refund_status: String,
}

/// One detail row: a payment (交易状态 `SUCCESS`) or a refund (`REFUND`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillLine {
    pub time_ms: i64,
    pub appid: String,
    pub mchid: String,
    pub transaction_id: String,
    pub out_trade_no: String,
    pub openid: String,
    pub trade_type: String,
    pub bank_type: String,
    /// 应结订单金额 / 订单金额 of a payment row (0 on refund rows).
    pub order_fen: i64,
    pub refund: Option<RefundColumns>,
    pub description: String,
    pub attach: String,
    /// Negative on refund rows (the fee share given back).
    pub fee_fen: i64,
    /// Percentage text, e.g. `0.60%`.
    pub rate: String,
}

impl BillLine {
    fn fields(&self) -> Result<Vec<String>, ProtocolError> {
        let (state, refund_id, out_refund_no, refund_fen, refund_type, refund_status) = match &self.refund {
            Some(r) => (
                "REFUND",
                r.refund_id.clone(),
                r.out_refund_no.clone(),
                r.refund_fen,
                r.refund_type.clone(),
                r.refund_status.clone(),
            ),
            None => ("SUCCESS", "0".into(), "0".into(), 0, String::new(), String::new()),
        };
        Ok(vec![
            bill_time(self.time_ms)?,
            self.appid.clone(),
            self.mchid.clone(),
            "0".into(), // 特约商户号: 0 for a direct merchant
            String::new(),
            self.transaction_id.clone(),
            self.out_trade_no.clone(),
            self.openid.clone(),
            self.trade_type.clone(),
            state.into(),
            self.bank_type.clone(),
            "CNY".into(),
            yuan(self.order_fen),
            yuan(0),
            refund_id,
            out_refund_no,
            yuan(refund_fen),
            yuan(0),
            refund_type,
            refund_status,
            self.description.clone(),
            self.attach.clone(),
            fee_yuan(self.fee_fen),
            self.rate.clone(),
            yuan(self.order_fen),
            yuan(refund_fen),
            String::new(),
        ])
    }
}

/// Renders the whole file.
pub fn render(lines: &[BillLine]) -> Result<Vec<u8>, ProtocolError> {
    let mut text = String::from(BOM);
    text.push_str(DETAIL_HEADER);
    text.push_str(CRLF);
    let (mut order_total, mut refund_total, mut fee_total) = (0i64, 0i64, 0i64);
    for line in lines {
        text.push_str(&backticked(&line.fields()?));
        text.push_str(CRLF);
        order_total += line.order_fen;
        refund_total += line.refund.as_ref().map_or(0, |r| r.refund_fen);
        fee_total += line.fee_fen;
    }
    text.push_str(SUMMARY_HEADER);
    text.push_str(CRLF);
    let summary = [
        format!("{}.0", lines.len()),
        yuan(order_total),
        yuan(refund_total),
        "0.0".to_string(),
        yuan(fee_total),
        yuan(order_total),
        yuan(refund_total),
    ];
    text.push_str(&backticked(&summary));
    text.push_str(CRLF);
    Ok(text.into_bytes())
}

fn backticked(fields: &[String]) -> String {
    fields.iter().map(|f| format!("`{f}")).collect::<Vec<_>>().join(",")
}

/// `hash_value` of a bill: lower-case hex SHA-1 of the file's bytes.
pub fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment() -> BillLine {
        BillLine {
            time_ms: 1_550_512_352_000, // 2019-02-19 01:52:32 +08:00
            appid: "wxab8acd895ab1638a".into(),
            mchid: "1921000401".into(),
            transaction_id: "4200000263201902167700134902".into(),
            out_trade_no: "autotest_20190219015232_89201".into(),
            openid: "wxab8acb865bb1637e".into(),
            trade_type: "NATIVE".into(),
            bank_type: "OTHERS".into(),
            order_fen: 3,
            refund: None,
            description: "autotest".into(),
            attach: String::new(),
            fee_fen: 1,
            rate: "39.00%".into(),
        }
    }

    #[test]
    fn payment_row_matches_the_published_sample() {
        let fields = payment().fields().unwrap();
        assert_eq!(fields.len(), DETAIL_HEADER.split(',').count());
        assert_eq!(
            backticked(&fields),
            "`2019-02-19 01:52:32,`wxab8acd895ab1638a,`1921000401,`0,`,`4200000263201902167700134902,`autotest_20190219015232_89201,`wxab8acb865bb1637e,`NATIVE,`SUCCESS,`OTHERS,`CNY,`0.03,`0.00,`0,`0,`0.00,`0.00,`,`,`autotest,`,`0.01000,`39.00%,`0.03,`0.00,`"
        );
    }

    #[test]
    fn file_has_bom_crlf_and_summing_summary() {
        let refund = BillLine {
            order_fen: 0,
            refund: Some(RefundColumns {
                refund_id: "50000000382019052709732678859".into(),
                out_refund_no: "R1".into(),
                refund_fen: 2,
                refund_type: "ORIGINAL".into(),
                refund_status: "SUCCESS".into(),
            }),
            fee_fen: -1,
            ..payment()
        };
        let bytes = render(&[payment(), payment(), refund]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.len(), 6);
        assert!(lines[3].contains("`REFUND,") && lines[3].contains("`-0.01000,"));
        assert_eq!(lines[4], SUMMARY_HEADER);
        assert_eq!(lines[5], "`3.0,`0.06,`0.02,`0.0,`0.01,`0.06,`0.02");
        assert!(!text.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn sha1_is_lower_hex() {
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }
}

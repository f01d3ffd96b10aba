//! The trade bill: `alipay.data.dataservice.bill.downloadurl.query` gives a
//! short-lived URL; the ZIP behind it is returned as served.

use super::config::AlipayConfig;
use super::gateway::{call, failure};
use crate::protocol::answer::sub;
use crate::protocol::wire::{BillUrlAnswer, BillUrlRequest};
use crate::protocol::{clock, method};
use juhe_channel::http::HttpClient;
use juhe_channel::{BillFile, BillRequest, ChannelError};

/// Alipay's trade bill holds payments and refunds together, whatever kind
/// is asked for; reconciliation tells them apart by 业务类型.
pub async fn download(http: &HttpClient, cfg: &AlipayConfig, req: &BillRequest) -> Result<BillFile, ChannelError> {
    let biz = BillUrlRequest {
        bill_type: "trade".into(),
        bill_date: clock::format_date(req.date),
    };
    let answer = call::<_, BillUrlAnswer>(http, cfg, method::BILL_URL_QUERY, &biz, false).await?;
    if answer.status.has_sub_code(sub::BILL_NOT_EXIST) {
        return Err(ChannelError::NotFound);
    }
    if !answer.status.is_success() {
        return Err(failure(method::BILL_URL_QUERY, &answer.status));
    }
    let url = answer
        .body
        .bill_download_url
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ChannelError::Unknown("bill URL query: success without bill_download_url".into()))?;
    let reply = http.send(http.raw().get(&url)).await?;
    if reply.status != 200 {
        return Err(ChannelError::Unknown(format!("bill download: HTTP {}", reply.status)));
    }
    Ok(BillFile {
        file_name: file_name(&url).unwrap_or_else(|| format!("alipay_trade_{}.csv.zip", biz.bill_date)),
        content_type: "application/zip".into(),
        bytes: reply.body,
    })
}

/// The `downloadFileName` Alipay puts in the URL.
fn file_name(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "downloadFileName")
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty() && !v.contains(['/', '\\']))
}

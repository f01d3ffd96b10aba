//! Trade bills: ask `tradebill` for the day's file (signed answer with its
//! SHA-1), download it (an unsigned answer), and check the hash.

use super::transport::{Method, Transport, Verify, json};
use crate::protocol::bill::sha1_hex;
use crate::protocol::errors::{Call, classify};
use crate::protocol::models::BillResponse;
use juhe_channel::{BillFile, BillKind, BillRequest, ChannelError};

pub async fn download(t: &Transport<'_>, req: &BillRequest) -> Result<BillFile, ChannelError> {
    let bill_type = match req.kind {
        BillKind::All => "ALL",
        BillKind::Payments => "SUCCESS",
        BillKind::Refunds => "REFUND",
    };
    let date = format!(
        "{:04}-{:02}-{:02}",
        req.date.year(),
        u8::from(req.date.month()),
        req.date.day()
    );
    let path = format!("/v3/bill/tradebill?bill_date={date}&bill_type={bill_type}");
    let reply = t.send_ok(Call::Bill, Method::Get, &path, None).await?;
    let answer: BillResponse = json(&reply)?;
    if !answer.hash_type.eq_ignore_ascii_case("SHA1") {
        return Err(ChannelError::Unknown(format!(
            "unsupported bill hash_type {:?}",
            answer.hash_type
        )));
    }
    let file = t
        .send(
            Method::Get,
            &download_path(&answer.download_url)?,
            None,
            Verify::Unsigned,
        )
        .await?;
    if !(200..300).contains(&file.status) {
        return Err(classify(Call::Bill, &file));
    }
    if !sha1_hex(&file.body).eq_ignore_ascii_case(&answer.hash_value) {
        return Err(ChannelError::Unknown(
            "the downloaded bill's SHA-1 does not match hash_value".into(),
        ));
    }
    Ok(BillFile {
        file_name: format!("wechatpay-tradebill-{date}-{bill_type}.csv"),
        content_type: "text/csv; charset=utf-8".into(),
        bytes: file.body,
    })
}

/// The path and query of `download_url`. The file is fetched from the
/// configured host (production, backup or sandbox), so a signed request
/// never goes to a host named only by an answer.
fn download_path(url: &str) -> Result<String, ChannelError> {
    let after_scheme = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .ok_or_else(|| ChannelError::Unknown("download_url is not absolute".into()))?;
    let path = after_scheme
        .find('/')
        .map(|i| &after_scheme[i..])
        .ok_or_else(|| ChannelError::Unknown("download_url has no path".into()))?;
    if !path.starts_with("/v3/billdownload/file") {
        return Err(ChannelError::Unknown("download_url is not a bill download".into()));
    }
    Ok(path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_path_keeps_only_path_and_query() {
        assert_eq!(
            download_path("https://api.mch.weixin.qq.com/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO").unwrap(),
            "/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO"
        );
        assert!(download_path("/v3/billdownload/file").is_err());
        assert!(download_path("https://evil.example/v3/pay/transactions/native").is_err());
    }
}

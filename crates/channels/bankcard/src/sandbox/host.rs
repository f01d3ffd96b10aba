//! The host's answer to one message: sign-in, MAC check, fault injection,
//! then the transaction handlers (`financial`, `settlement`).

use super::state::HostState;
use crate::client::codes::{APPROVED, BAD_MAC, SYSTEM_MALFUNCTION};
use crate::codec::posp::POSP;
use crate::codec::{Message, decode, encode};
use crate::keys::WorkingKeys;
use crate::mac;

use super::{financial, settlement};

/// Fields a reply carries back unchanged.
const ECHOED: &[u8] = &[3, 4, 11, 22, 25, 41, 42, 49, 60, 61];
const INVALID_MERCHANT: &str = "03";
const INVALID_TRANSACTION: &str = "12";

/// Request MTI + 10 (0200 → 0210, …).
fn reply_mti(mti: &str) -> Option<String> {
    let n: u16 = mti.parse().ok()?;
    ((n % 100 / 10) & 1 == 0).then(|| format!("{:04}", n + 10))
}

/// Local time (China) as field 12 (hhmmss) and field 13 (MMDD).
pub(super) fn local_time() -> (String, String) {
    let china = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let now = time::OffsetDateTime::now_utc().to_offset(china);
    (
        format!("{:02}{:02}{:02}", now.hour(), now.minute(), now.second()),
        format!("{:02}{:02}", u8::from(now.month()), now.day()),
    )
}

/// The host's answer bytes, or `None` for silence.
pub fn handle(state: &HostState, body: &[u8]) -> Option<Vec<u8>> {
    let msg = decode(&POSP, body).ok()?;
    let terminal_id = msg.get(41)?.to_string();
    let mut reply = Message::new(reply_mti(&msg.mti)?);
    for field in ECHOED {
        if let Some(value) = msg.get(*field) {
            reply.set(*field, value);
        }
    }
    let (time, date) = local_time();
    reply.set(12, time).set(13, date);

    let known = state
        .lock()
        .terminals
        .get(&terminal_id)
        .filter(|t| Some(t.merchant_no.as_str()) == msg.get(42))
        .cloned();
    let Some(account) = known else {
        reply.set(39, INVALID_MERCHANT);
        return encode(&POSP, &reply).ok();
    };
    if msg.mti == "0800" {
        let keys = WorkingKeys::random();
        reply.set(62, keys.to_field62(&account.tmk));
        reply.set(39, APPROVED);
        if let Some(t) = state.lock().terminals.get_mut(&terminal_id) {
            t.keys = Some(keys);
        }
        return encode(&POSP, &reply).ok();
    }
    let mak = account.keys.map(|k| k.mak);
    let Some(mak) = mak.filter(|mak| msg.get(64).is_some() && mac::verify(body, mak)) else {
        reply.set(39, BAD_MAC);
        return encode(&POSP, &reply).ok();
    };
    if state.script.take_failure() {
        reply.set(39, SYSTEM_MALFUNCTION);
        return mac::seal(&POSP, &mut reply, &mak).ok();
    }
    let answer = match (msg.mti.as_str(), msg.get(3)) {
        ("0200", Some("000000")) => financial::purchase(state, &terminal_id, &msg, &mut reply),
        ("0200", Some("200000")) => financial::void(state, &terminal_id, &msg, &mut reply),
        ("0220", _) => financial::refund(state, &terminal_id, &msg, &mut reply),
        ("0400", _) => financial::reversal(state, &terminal_id, &msg, &mut reply),
        ("0500", _) => settlement::settle(state, &terminal_id, &msg, &mut reply),
        _ => {
            reply.set(39, INVALID_TRANSACTION);
            true
        }
    };
    if !answer {
        return None;
    }
    mac::seal(&POSP, &mut reply, &mak).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_add_ten_to_requests_only() {
        assert_eq!(reply_mti("0200").as_deref(), Some("0210"));
        assert_eq!(reply_mti("0800").as_deref(), Some("0810"));
        assert_eq!(reply_mti("0210"), None);
    }
}

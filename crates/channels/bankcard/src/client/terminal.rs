//! A merchant's terminal configuration: where the acquirer's host is and
//! who the terminal is.

use crate::codec::posp::{DEFAULT_HEADER, Tpdu};
use crate::keys::DesKey;
use juhe_channel::{ChannelConfig, ChannelError};
use std::time::Duration;

/// How long juhe waits for the host's answer before treating the outcome
/// as unknown (and reversing). CUP terminals wait about 60 s; the
/// `timeout_ms` parameter overrides it.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct Terminal {
    /// `host:port` of the acquirer's front.
    pub addr: String,
    /// Field 41, 8 characters.
    pub terminal_id: String,
    /// Field 42, 15 characters.
    pub merchant_no: String,
    pub tpdu: Tpdu,
    pub header: [u8; 6],
    /// The terminal master key(s) under which working keys may arrive: the
    /// current one first, then earlier versions still being rotated away
    /// (the acquirer may not have switched yet). Sign-in takes the one
    /// whose check values match.
    pub tmks: Vec<DesKey>,
    pub timeout: Duration,
}

impl Terminal {
    pub fn from_config(cfg: &ChannelConfig) -> Result<Terminal, ChannelError> {
        let host = cfg.param("host")?;
        let port: u16 = cfg
            .param("port")?
            .parse()
            .map_err(|_| ChannelError::Config("parameter \"port\" is not a port number".into()))?;
        let terminal_id = cfg.param("terminal_id")?;
        if terminal_id.len() != 8 || !terminal_id.is_ascii() {
            return Err(ChannelError::Config(
                "parameter \"terminal_id\" must be 8 characters".into(),
            ));
        }
        let merchant_no = cfg.param("merchant_no")?;
        if merchant_no.len() != 15 || !merchant_no.is_ascii() {
            return Err(ChannelError::Config(
                "parameter \"merchant_no\" must be 15 characters".into(),
            ));
        }
        let tpdu = Tpdu::parse_hex(cfg.param("tpdu")?)
            .ok_or_else(|| ChannelError::Config("parameter \"tpdu\" must be 10 hex digits starting 60".into()))?;
        let header = match cfg.param_opt("header") {
            None => DEFAULT_HEADER,
            Some(text) => hex::decode(text)
                .ok()
                .and_then(|b| <[u8; 6]>::try_from(b).ok())
                .ok_or_else(|| ChannelError::Config("parameter \"header\" must be 12 hex digits".into()))?,
        };
        let tmks = cfg
            .secret_versions("tmk")?
            .into_iter()
            .map(|hex| DesKey::from_hex(hex).map_err(|e| ChannelError::Config(format!("secret \"tmk\": {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        let timeout = match cfg.param_opt("timeout_ms") {
            None => DEFAULT_TIMEOUT,
            Some(ms) => Duration::from_millis(
                ms.parse()
                    .map_err(|_| ChannelError::Config("parameter \"timeout_ms\" is not a number".into()))?,
            ),
        };
        Ok(Terminal {
            addr: format!("{host}:{port}"),
            terminal_id: terminal_id.to_string(),
            merchant_no: merchant_no.to_string(),
            tpdu,
            header,
            tmks,
            timeout,
        })
    }

    /// Identifies the terminal's session (working keys) across calls.
    pub fn session_key(&self) -> String {
        format!("{}|{}|{}", self.addr, self.merchant_no, self.terminal_id)
    }
}

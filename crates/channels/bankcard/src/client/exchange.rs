//! One request / answer over a fresh TCP connection, with the failure
//! classified by whether the request can have reached the host.

use super::terminal::Terminal;
use crate::codec::posp::{Frame, POSP};
use crate::codec::{Message, decode, encode};
use crate::keys::DesKey;
use crate::mac;
use crate::wire::{read_frame, write_frame};
use juhe_channel::ChannelError;
use tokio::net::TcpStream;

/// A decoded answer and whether its MAC checked out.
#[derive(Debug)]
pub struct Answer {
    pub msg: Message,
    /// True when the answer carried field 64 and it verified under the MAK.
    pub mac_ok: bool,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.msg.get(39).unwrap_or("")
    }
}

/// What an answer must echo to belong to the request: MTI + 10, the
/// trace number and the terminal id.
struct Expectation {
    mti: Option<u16>,
    trace: Option<String>,
    terminal: Option<String>,
}

impl Expectation {
    fn of(msg: &Message) -> Expectation {
        Expectation {
            mti: msg.mti.parse::<u16>().ok().map(|m| m + 10),
            trace: msg.get(11).map(str::to_string),
            terminal: msg.get(41).map(str::to_string),
        }
    }

    fn matches(&self, answer: &Message) -> bool {
        answer.mti.parse::<u16>().ok() == self.mti
            && answer.get(11).map(str::to_string) == self.trace
            && answer.get(41).map(str::to_string) == self.terminal
    }
}

/// Sends `msg` (MACed when a MAK is given) and reads the answer.
pub async fn exchange(terminal: &Terminal, mut msg: Message, mak: Option<&DesKey>) -> Result<Answer, ChannelError> {
    let expected = Expectation::of(&msg);
    let body = match mak {
        Some(mak) => mac::seal(&POSP, &mut msg, mak),
        None => encode(&POSP, &msg),
    }
    .map_err(|e| ChannelError::NotSent(format!("cannot encode {}: {e}", msg.mti)))?;
    let wire = Frame {
        tpdu: terminal.tpdu,
        header: terminal.header,
        body,
    }
    .to_wire()
    .map_err(|e| ChannelError::NotSent(e.to_string()))?;
    tracing::debug!(message = ?msg, addr = %terminal.addr, "iso8583 request");

    let connect = tokio::time::timeout(terminal.timeout, TcpStream::connect(&terminal.addr)).await;
    let mut stream = match connect {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(ChannelError::NotSent(format!("connect {}: {e}", terminal.addr))),
        Err(_) => return Err(ChannelError::NotSent(format!("connect {}: timed out", terminal.addr))),
    };
    // From here on the host may have the request: every failure is Unknown.
    let answer = tokio::time::timeout(terminal.timeout, async {
        write_frame(&mut stream, &wire).await?;
        read_frame(&mut stream).await
    })
    .await;
    let raw = match answer {
        Ok(Ok(Some(raw))) => raw,
        Ok(Ok(None)) => {
            return Err(ChannelError::Unknown(
                "host closed the connection without answering".into(),
            ));
        }
        Ok(Err(e)) => return Err(ChannelError::Unknown(format!("connection to the host failed: {e}"))),
        Err(_) => return Err(ChannelError::Unknown("no answer from the host in time".into())),
    };
    let frame = Frame::parse(&raw).map_err(|e| ChannelError::Unknown(format!("unreadable answer: {e}")))?;
    let answer = decode(&POSP, &frame.body).map_err(|e| ChannelError::Unknown(format!("unreadable answer: {e}")))?;
    if !expected.matches(&answer) {
        return Err(ChannelError::Unknown(format!(
            "answer {} does not match the {} sent",
            answer.mti, msg.mti
        )));
    }
    let mac_ok = match mak {
        Some(mak) => answer.get(64).is_some() && mac::verify(&frame.body, mak),
        None => false,
    };
    tracing::debug!(message = ?answer, mac_ok, "iso8583 answer");
    Ok(Answer { msg: answer, mac_ok })
}

//! An acquirer host simulator over TCP, speaking the CUP terminal dialect
//! from the host's side: sign-in issuing working keys under the terminal's
//! TMK, MAC verification of every message (bad MAC → 39 = `A0`), purchases
//! approved or declined as scripted (`juhe_sandbox_kit::Script`, matched by
//! amount), reversals, voids, refunds and batch settlement acting on what
//! it recorded.

mod control;
mod financial;
mod host;
mod settlement;
mod state;

pub use control::router;
pub use state::{HostState, HostTxn, HostTxnKind, HostTxnState};

use crate::codec::posp::Frame;
use crate::wire::{read_frame, write_frame};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Sandbox;

/// Stops the simulator when dropped.
#[derive(Debug)]
pub struct SandboxHandle {
    accept: JoinHandle<()>,
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Sandbox {
    /// Listens on `addr` (`127.0.0.1:0` in tests) and serves until the
    /// handle is dropped.
    pub async fn start(addr: &str, state: Arc<HostState>) -> std::io::Result<(SocketAddr, SandboxHandle)> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let accept = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(serve(stream, Arc::clone(&state)));
                    }
                    Err(e) => tracing::debug!(error = %e, "sandbox accept failed"),
                }
            }
        });
        Ok((local, SandboxHandle { accept }))
    }
}

/// Answers frames on one connection until the terminal hangs up.
async fn serve(mut stream: TcpStream, state: Arc<HostState>) {
    loop {
        let raw = match read_frame(&mut stream).await {
            Ok(Some(raw)) => raw,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(error = %e, "sandbox read failed");
                return;
            }
        };
        let Ok(frame) = Frame::parse(&raw) else {
            return;
        };
        // `None`: scripted silence, or a message too broken to answer.
        let Some(body) = host::handle(&state, &frame.body) else {
            continue;
        };
        let reply = Frame {
            tpdu: frame.tpdu.reply(),
            header: frame.header,
            body,
        };
        let Ok(wire) = reply.to_wire() else {
            return;
        };
        if write_frame(&mut stream, &wire).await.is_err() {
            return;
        }
    }
}

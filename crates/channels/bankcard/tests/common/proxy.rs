//! A man in the middle between the client and the sandbox host that can
//! flip a byte of the next request or answer, or swallow the next answer.

use juhe_channel_bankcard::wire::{read_frame, write_frame};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Pass,
    /// Flip the last byte before the MAC in the next request.
    FlipRequest,
    /// Flip the last byte before the MAC in the next answer.
    FlipAnswer,
    /// Drop the next answer (the host did act on the request).
    SwallowAnswer,
}

pub struct Proxy {
    pub addr: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mode = Arc::new(Mutex::new(Mode::Pass));
        let shared = mode.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, upstream, shared.clone()));
            }
        });
        Proxy { addr, mode, task }
    }

    /// Applies `mode` to the next message only.
    pub fn next(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

fn with_length(contents: &[u8]) -> Vec<u8> {
    let mut wire = (contents.len() as u16).to_be_bytes().to_vec();
    wire.extend_from_slice(contents);
    wire
}

fn flip_before_mac(contents: &mut [u8]) {
    let i = contents.len() - 9;
    contents[i] ^= 0x01;
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, mode: Arc<Mutex<Mode>>) {
    let mut host = TcpStream::connect(upstream).await.unwrap();
    while let Ok(Some(mut request)) = read_frame(&mut client).await {
        let now = std::mem::replace(&mut *mode.lock().unwrap(), Mode::Pass);
        if now == Mode::FlipRequest {
            flip_before_mac(&mut request);
        }
        write_frame(&mut host, &with_length(&request)).await.unwrap();
        let Ok(Some(mut answer)) = read_frame(&mut host).await else {
            return;
        };
        match now {
            Mode::SwallowAnswer => continue,
            Mode::FlipAnswer => flip_before_mac(&mut answer),
            Mode::Pass | Mode::FlipRequest => {}
        }
        if write_frame(&mut client, &with_length(&answer)).await.is_err() {
            return;
        }
    }
}

//! Runs the test stand-in server for trying the bench by hand:
//!
//! `cargo run -p juhe-bench --release --example fake_server -- 127.0.0.1:18080 /tmp/juhe-fake`
//! then `juhe-bench --data-dir /tmp/juhe-fake`.

#[path = "../tests/common/fake_server.rs"]
mod fake_server;

use std::net::SocketAddr;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args.next().as_deref().unwrap_or("127.0.0.1:18080").parse()?;
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "./juhe-fake".to_owned()));
    std::fs::create_dir_all(&dir)?;
    let addr = fake_server::spawn(addr).await?;
    fake_server::write_demo_json(&dir, addr, fake_server::APP_SECRET)?;
    eprintln!(
        "fake juhe on http://{addr}, credentials in {}",
        dir.join("demo.json").display()
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}

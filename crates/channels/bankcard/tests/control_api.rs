//! The sandbox's HTTP control API: registering a terminal and scripting.

mod common;

use common::*;
use juhe_channel::{Channel, ChannelError};
use juhe_channel_bankcard::sandbox::{HostState, Sandbox, router};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn post(addr: std::net::SocketAddr, path: &str, body: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: sandbox\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test]
async fn terminals_and_rules_come_through_http() {
    let host = Arc::new(HostState::default());
    let (iso_addr, _sandbox) = Sandbox::start("127.0.0.1:0", host.clone()).await.unwrap();
    let server = juhe_sandbox_kit::serve_local(router(host)).await.unwrap();
    let http_addr = server.addr;

    let bad = post(
        http_addr,
        "/_sandbox/merchants",
        r#"{"terminal_id":"1","merchant_no":"2","tmk":"zz"}"#,
    )
    .await;
    assert!(bad.starts_with("HTTP/1.1 422"), "{bad}");
    let body = format!(r#"{{"terminal_id":"{TERMINAL_ID}","merchant_no":"{MERCHANT_NO}","tmk":"{TMK}"}}"#);
    let ok = post(http_addr, "/_sandbox/merchants", &body).await;
    assert!(ok.starts_with("HTTP/1.1 204"), "{ok}");
    let rule =
        r#"{"match":{"amount":222},"behaviour":{"type":"decline","code":"14","message":"invalid card"},"times":1}"#;
    assert!(
        post(http_addr, "/_sandbox/script", rule)
            .await
            .starts_with("HTTP/1.1 204")
    );

    let (channel, _) = new_channel();
    let cfg = config(iso_addr, 400);
    let err = channel.create(&cfg, &payment("h1", 222)).await.unwrap_err();
    assert_eq!(err, ChannelError::declined("14", "invalid card number"));
    channel.create(&cfg, &payment("h2", 222)).await.unwrap();
    server.stop();
}

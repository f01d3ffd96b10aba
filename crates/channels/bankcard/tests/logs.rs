//! The card number, track data, PIN block and keys never reach the logs.

mod common;

use common::*;
use juhe_channel::Channel;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_and_debug_show_only_the_masked_card_number() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let env = env().await;
    env.channel.create(&env.cfg, &payment("l1", 100)).await.unwrap();
    env.channel.reverse(&env.cfg, &payment_ref("l1", 100)).await.unwrap();
    let request = payment("l2", 100);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("iso8583 request"), "debug logging was captured: {logs}");
    assert!(logs.contains("622123*********0001"), "{logs}");
    let debug = format!("{request:?} {:?} {:?}", env.channel, env.journal);
    for secret in [
        PAN,
        "6221235200000000001D2512",
        PIN_BLOCK,
        TMK,
        "9F2608A1B2C3D4E5F60718",
    ] {
        assert!(!logs.contains(secret), "{secret} logged");
        assert!(!debug.contains(secret), "{secret} in Debug");
    }
}

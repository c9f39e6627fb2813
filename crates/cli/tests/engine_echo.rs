//! The Engine.IO echo server of `wsio engine-echo` over TCP: every message comes back
//! unchanged at `/engine.io/`, on both transports and across the upgrade.

#[path = "../../server/tests/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use wsio_cli::engine_echo::{self, PATH};
use wsio_engine::EngineConfig;
use wsio_ws::Message;

/// Serves the echo with `config` on an ephemeral port.
async fn start_echo(config: EngineConfig) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(engine_echo::serve(listener, config, std::future::pending()));
    addr
}

/// The settings the official engine.io-protocol suite checks.
fn suite_config() -> EngineConfig {
    EngineConfig {
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        ..engine_echo::config()
    }
}

/// A direct WebSocket session, its handshake read.
async fn ws_session(addr: SocketAddr) -> Ws {
    let mut ws = ws_at(addr, PATH, None).await;
    assert!(next_text(&mut ws).await.starts_with('0'));
    ws
}

#[tokio::test]
async fn polling_handshake_at_the_engine_io_path() {
    let addr = start_echo(suite_config()).await;
    let session = Polling::open_at(addr, PATH).await;
    assert_eq!(session.open["upgrades"], serde_json::json!(["websocket"]));
    assert_eq!(session.open["pingInterval"], 300);
    assert_eq!(session.open["pingTimeout"], 200);
    assert_eq!(session.open["maxPayload"], 1_000_000);
    let (status, _) = http(addr, "GET", "EIO=4&transport=polling", b"").await;
    assert_eq!(status, 404, "no Socket.IO path");
}

#[tokio::test]
async fn polling_payloads_come_back_unchanged() {
    let addr = start_echo(engine_echo::config()).await;
    let session = Polling::open_at(addr, PATH).await;
    for payload in [
        "4hello",
        "4test1\x1e4test2\x1e4test3",
        "4hello\x1ebAQIDBA==",
    ] {
        assert_eq!(session.post(payload.as_bytes()).await, 200);
        assert_eq!(session.get().await, (200, payload.to_owned()));
    }
}

#[tokio::test]
async fn websocket_messages_come_back_unchanged() {
    let addr = start_echo(engine_echo::config()).await;
    let mut ws = ws_session(addr).await;
    ws.send("4hello").await.expect("send");
    assert_eq!(next_text(&mut ws).await, "4hello");
    let binary = Message::Binary(vec![1u8, 2, 3, 4].into());
    ws.send(binary.clone()).await.expect("send");
    assert_eq!(next(&mut ws).await, binary);
}

#[tokio::test]
async fn the_echo_goes_on_after_the_upgrade() {
    let addr = start_echo(engine_echo::config()).await;
    let session = Polling::open_at(addr, PATH).await;
    let pending = session.pending_get().await;
    let mut ws = ws_at(addr, PATH, Some(&session.sid)).await;
    ws.send("2probe").await.expect("probe");
    assert_eq!(next_text(&mut ws).await, "3probe");
    assert_eq!(pending.await.expect("get"), (200, "6".to_owned()));
    ws.send("5").await.expect("upgrade");
    ws.send("4hello").await.expect("send");
    assert_eq!(next_text(&mut ws).await, "4hello");
}

#[tokio::test]
async fn invalid_packets_close_the_session() {
    let addr = start_echo(engine_echo::config()).await;
    let session = Polling::open_at(addr, PATH).await;
    assert_eq!(session.post(b"abc").await, 400);
    assert_eq!(session.get().await.0, 400);
    let mut ws = ws_session(addr).await;
    ws.send("abc").await.expect("send");
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(message)) = ws.recv().await {
            if matches!(message, Message::Close(_)) {
                return true;
            }
        }
        true
    })
    .await;
    assert_eq!(closed, Ok(true));
}

#[tokio::test]
async fn sessions_need_no_namespace() {
    let addr = start_echo(EngineConfig {
        connect_timeout: Duration::from_millis(100),
        ..engine_echo::config()
    })
    .await;
    let session = Polling::open_at(addr, PATH).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(session.post(b"4still open").await, 200);
    assert_eq!(session.get().await, (200, "4still open".to_owned()));
}

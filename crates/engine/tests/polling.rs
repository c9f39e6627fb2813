//! Long-polling requests of clients that stall (src/polling.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsio_engine::EngineConfig;

/// A POST whose body stops coming (the client's network went away without a FIN, or a
/// slowloris) is given up once its session is over: the heartbeat closes the session, and
/// the request is answered and its connection closed, instead of being held for ever.
#[tokio::test]
async fn a_post_whose_body_stalls_ends_with_its_session() {
    let config = EngineConfig {
        ping_interval: Duration::from_millis(100),
        ping_timeout: Duration::from_millis(100),
        // No header deadline: only the session's end may close the connection.
        header_read_timeout: None,
        ..EngineConfig::default()
    };
    let (engine, addr) = common::start(config).await;
    let sid = common::polling_handshake(addr).await;

    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /engine.io/?EIO=4&transport=polling&sid={sid} HTTP/1.1\r\nHost: x\r\n\
         Content-Type: text/plain\r\nContent-Length: 100\r\n\r\n4hello"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();

    // The session ends within ping interval + ping timeout; the POST with it.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), tcp.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the stalled POST is still held after its session ended ({} sessions)",
        engine.session_count()
    );
    assert_eq!(engine.session_count(), 0);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
}

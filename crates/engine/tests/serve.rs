//! The connections of `Engine::serve` (src/serve.rs) whose peer stops reading.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;
use wsio_engine::EngineConfig;

/// A client that stops reading in the middle of a long-polling answer (its process stopped,
/// or a peer that keeps its TCP window shut) does not hold the connection, and the answer
/// buffered for it, for ever: once no byte could be written for `ping_interval +
/// ping_timeout`, the server drops the connection.
#[tokio::test]
async fn a_connection_whose_writes_stall_is_dropped() {
    let message_len = 6 << 20;
    let config = EngineConfig {
        ping_interval: Duration::from_millis(1000),
        ping_timeout: Duration::from_millis(500),
        // No header deadline: only the stalled writes may end the connection.
        header_read_timeout: None,
        max_payload: 16 << 20,
        ..EngineConfig::default()
    };
    let (_engine, addr) = common::start(config).await;
    let sid = common::polling_handshake(addr).await;
    // The echo queues a message larger than the socket buffers can take.
    let message = format!("4{}", "x".repeat(message_len));
    let query = format!("EIO=4&transport=polling&sid={sid}");
    let (status, ok) = common::http(addr, "POST", &query, &message).await;
    assert_eq!(status, 200, "{ok}");

    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut tcp = socket.connect(addr).await.unwrap();
    let poll = format!("GET /engine.io/?{query} HTTP/1.1\r\nHost: x\r\n\r\n");
    tcp.write_all(poll.as_bytes()).await.unwrap();
    // The client reads nothing while the server writes the answer.
    tokio::time::sleep(Duration::from_millis(2500)).await;

    // What reached the sockets' buffers, then the end of the connection.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the stalled connection is still open ({} bytes read)",
        answer.len()
    );
    assert!(
        answer.len() < message_len,
        "the whole answer was sent: {} bytes",
        answer.len()
    );
}

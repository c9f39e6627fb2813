//! What the accept loop writes and when it lets go of a TCP connection, seen from a raw
//! socket: a WebSocket session's 101 followed by its open packet, and the end of the TCP
//! connection (the server's FIN) after a WebSocket's closing handshake and after a polling
//! client's own FIN; which messages a permessage-deflate connection sends compressed (RSV1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsio_engine::EngineConfig;

/// Every wait that should end is bounded by this.
const WAIT: Duration = Duration::from_secs(5);

/// Reads until `buf` holds at least `len` bytes.
async fn read_at_least(tcp: &mut TcpStream, buf: &mut Vec<u8>, len: usize) {
    while buf.len() < len {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(WAIT, tcp.read(&mut chunk))
            .await
            .expect("in time")
            .unwrap();
        assert!(
            n > 0,
            "closed early after {:?}",
            String::from_utf8_lossy(buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Waits for the server's end of the connection: end of input, nothing more.
async fn expect_eof(tcp: &mut TcpStream) {
    let mut rest = Vec::new();
    let n = tokio::time::timeout(WAIT, tcp.read_to_end(&mut rest))
        .await
        .expect("the server closes its end")
        .unwrap();
    assert_eq!(n, 0, "nothing after the end: {rest:?}");
}

/// A client frame: FIN, `opcode`, masked with a zero key.
fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x80 | opcode, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend_from_slice(payload);
    frame
}

#[tokio::test]
async fn a_websocket_session_gets_its_101_then_its_open_packet_and_a_fin_after_the_close() {
    let (_engine, addr) = common::start(EngineConfig::default()).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        b"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\
          Upgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .await
    .unwrap();
    let mut got = Vec::new();
    read_at_least(&mut tcp, &mut got, 12).await;
    assert!(got.starts_with(b"HTTP/1.1 101 "), "{got:?}");
    let head_end = loop {
        if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let len = got.len() + 1;
        read_at_least(&mut tcp, &mut got, len).await;
    };
    let head = String::from_utf8_lossy(&got[..head_end]).to_lowercase();
    assert!(head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="));
    // The open packet: one unmasked text frame with a 7-bit length.
    read_at_least(&mut tcp, &mut got, head_end + 2).await;
    assert_eq!(got[head_end], 0x81);
    let len = usize::from(got[head_end + 1]);
    read_at_least(&mut tcp, &mut got, head_end + 2 + len).await;
    let open = &got[head_end + 2..head_end + 2 + len];
    assert!(open.starts_with(b"0{\"sid\":\""), "{open:?}");
    assert_eq!(got.len(), head_end + 2 + len, "nothing else yet");

    // The closing handshake: the server answers the close frame, then ends the connection.
    tcp.write_all(&masked(0x8, &[0x03, 0xe8])).await.unwrap();
    let mut answer = Vec::new();
    read_at_least(&mut tcp, &mut answer, 4).await;
    assert_eq!(answer, [0x88, 0x02, 0x03, 0xe8]);
    expect_eof(&mut tcp).await;
}

#[tokio::test]
async fn a_polling_connection_the_client_ends_is_ended_by_the_server() {
    let (_engine, addr) = common::start(EngineConfig::default()).await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    read_at_least(&mut tcp, &mut got, 12).await;
    assert!(got.starts_with(b"HTTP/1.1 200 "), "{got:?}");
    // Wait for the whole answer (its body ends with the open packet's closing brace).
    while !got.ends_with(b"}") {
        let len = got.len() + 1;
        read_at_least(&mut tcp, &mut got, len).await;
    }
    tcp.shutdown().await.unwrap();
    expect_eof(&mut tcp).await;
}

/// Reads one unmasked server frame after the first `from` bytes of `buf`: its first byte
/// (FIN, RSV1, opcode) and its payload; `from` moves past it.
async fn read_frame(tcp: &mut TcpStream, buf: &mut Vec<u8>, from: &mut usize) -> (u8, Vec<u8>) {
    read_at_least(tcp, buf, *from + 2).await;
    let (first, len7) = (buf[*from], usize::from(buf[*from + 1] & 0x7f));
    let (header, len) = if len7 == 126 {
        read_at_least(tcp, buf, *from + 4).await;
        (
            4,
            usize::from(u16::from_be_bytes([buf[*from + 2], buf[*from + 3]])),
        )
    } else {
        assert!(len7 < 126, "a frame this test does not expect");
        (2, len7)
    };
    read_at_least(tcp, buf, *from + header + len).await;
    let payload = buf[*from + header..*from + header + len].to_vec();
    *from += header + len;
    (first, payload)
}

#[tokio::test]
async fn messages_below_the_deflate_threshold_go_uncompressed_and_larger_ones_compressed() {
    let (_engine, addr) = common::start(EngineConfig {
        deflate: Some(ws_handshake::DeflatePolicy::default()),
        deflate_threshold: 100,
        ..EngineConfig::default()
    })
    .await;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(
        b"GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n\
          Upgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
          Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
    )
    .await
    .unwrap();
    let mut got = Vec::new();
    let mut at = loop {
        if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let len = got.len() + 1;
        read_at_least(&mut tcp, &mut got, len).await;
    };
    let head = String::from_utf8_lossy(&got[..at]).to_lowercase();
    assert!(head.starts_with("http/1.1 101 "), "{head}");
    assert!(
        head.contains("sec-websocket-extensions: permessage-deflate"),
        "{head}"
    );
    let (first, _open) = read_frame(&mut tcp, &mut got, &mut at).await;
    assert_eq!(first & 0x0f, 0x1, "the open packet is a text frame");

    // 80 bytes: under the threshold of 100 (over the default 64), echoed as is.
    let short = format!("4{}", "a".repeat(79));
    tcp.write_all(&masked(0x1, short.as_bytes())).await.unwrap();
    let (first, payload) = read_frame(&mut tcp, &mut got, &mut at).await;
    assert_eq!(first, 0x81, "FIN, text, RSV1 clear");
    assert_eq!(payload, short.as_bytes());

    // 120 bytes: over the threshold, echoed compressed (RSV1 set, a shorter payload).
    let long = format!("4{}", "a".repeat(119));
    tcp.write_all(&masked(0x1, long.as_bytes())).await.unwrap();
    let (first, payload) = read_frame(&mut tcp, &mut got, &mut at).await;
    assert_eq!(first, 0xc1, "FIN, RSV1, text");
    assert!(payload.len() < long.len(), "{} bytes", payload.len());
}

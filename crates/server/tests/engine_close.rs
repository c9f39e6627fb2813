//! Engine.IO closing edge cases over TCP: a client close over polling, and a WebSocket that
//! arrives for a session another WebSocket already carries.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn a_client_close_releases_the_pending_get_with_a_noop() {
    let io = demo();
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    let pending = session.pending_get().await;
    assert_eq!(session.post(b"1").await, 200);
    assert_eq!(pending.await.expect("get"), (200, "6".to_owned()));
    eventually(|| io.session_count() == 0).await;
    let (status, _) = session.get().await;
    assert_eq!(status, 400, "the session is gone");
}

#[tokio::test]
async fn a_held_get_whose_connection_closes_ends_the_session_at_once() {
    let io = demo();
    let addr = start(&io).await;
    let session = joined_polling(addr).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    io.of("/").expect("/").sockets()[0].on_disconnect(move |_, reason| {
        let _ = tx.send(reason);
    });
    let pending = session.pending_get().await;
    // The client vanishes: its held GET's connection closes without an answer.
    pending.abort();
    let reason = tokio::time::timeout(Duration::from_secs(1), rx)
        .await
        .expect("the socket left within 1 s, not after the heartbeat (45 s)")
        .expect("reason");
    assert_eq!(reason, wsio_server::DisconnectReason::TransportError);
    assert_eq!(io.session_count(), 0);
}

/// A WebSocket session joined to `/`, and a receiver of its socket's disconnect reason.
async fn ws_socket_with_reason(
    io: &wsio_server::Server,
    addr: SocketAddr,
) -> (
    Ws,
    tokio::sync::oneshot::Receiver<wsio_server::DisconnectReason>,
) {
    let (ws, _) = ws_joined(addr).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    io.of("/").expect("/").sockets()[0].on_disconnect(move |_, reason| {
        let _ = tx.send(reason);
    });
    (ws, rx)
}

#[tokio::test]
async fn a_websocket_that_goes_away_without_a_close_frame_is_a_transport_close() {
    for reset in [false, true] {
        let io = demo();
        let addr = start(&io).await;
        let (ws, rx) = ws_socket_with_reason(&io, addr).await;
        if reset {
            // An RST instead of a FIN, as when unread data is left behind.
            ws.get_ref().set_zero_linger().expect("linger");
        }
        drop(ws);
        let reason = tokio::time::timeout(Duration::from_secs(1), rx)
            .await
            .expect("the socket left at once")
            .expect("reason");
        assert_eq!(
            reason,
            wsio_server::DisconnectReason::TransportClose,
            "reset: {reset}"
        );
    }
}

#[tokio::test]
async fn a_server_close_ends_the_pending_get_with_a_close_packet() {
    let io = demo();
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    let pending = session.pending_get().await;
    io.close(wsio_server::DisconnectReason::ForcedClose);
    assert_eq!(pending.await.expect("get"), (200, "1".to_owned()));
}

/// A raw WebSocket handshake for `sid`; returns the stream after the response head, and
/// the status code.
async fn raw_upgrade(addr: SocketAddr, sid: &str) -> (TcpStream, u16) {
    let mut tcp = TcpStream::connect(addr).await.expect("tcp");
    let head = format!(
        "GET /socket.io/?EIO=4&transport=websocket&sid={sid} HTTP/1.1\r\nHost: {addr}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    while !raw.ends_with(b"\r\n\r\n") {
        let byte = tokio::time::timeout(Duration::from_secs(5), tcp.read_u8())
            .await
            .expect("in time")
            .expect("head byte");
        raw.push(byte);
    }
    let status = text(&raw[9..12]).parse().expect("status");
    (tcp, status)
}

/// Expects the server's empty close frame (`88 00`) next on `tcp`.
async fn expect_empty_close(tcp: &mut TcpStream) {
    let mut frame = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(5), tcp.read_exact(&mut frame))
        .await
        .expect("in time")
        .expect("close frame");
    assert_eq!(frame, [0x88, 0x00]);
}

/// A polling session joined to `/`.
async fn joined_polling(addr: SocketAddr) -> Polling {
    let session = Polling::open(addr).await;
    assert_eq!(session.post(b"40").await, 200);
    assert!(session.get_data().await.starts_with("40{"));
    session
}

#[tokio::test]
async fn a_websocket_for_an_upgraded_session_is_accepted_then_closed() {
    let addr = start(&demo()).await;
    let session = joined_polling(addr).await;
    let mut first = ws(addr, Some(&session.sid)).await;
    first.send("2probe").await.expect("probe");
    assert_eq!(next_text(&mut first).await, "3probe");
    first.send("5").await.expect("upgrade");
    // An answer over the WebSocket means the upgrade is done.
    first.send(r#"42["echo","upgraded"]"#).await.expect("send");
    assert_eq!(next_text(&mut first).await, r#"42["echo","upgraded"]"#);

    let (mut second, status) = raw_upgrade(addr, &session.sid).await;
    assert_eq!(status, 101);
    expect_empty_close(&mut second).await;

    first
        .send(r#"42["echo","still here"]"#)
        .await
        .expect("send");
    assert_eq!(next_text(&mut first).await, r#"42["echo","still here"]"#);
}

#[tokio::test]
async fn a_websocket_for_an_upgrading_session_is_accepted_then_closed() {
    let addr = start(&demo()).await;
    let session = joined_polling(addr).await;
    let mut first = ws(addr, Some(&session.sid)).await;
    first.send("2probe").await.expect("probe");
    assert_eq!(next_text(&mut first).await, "3probe");

    let (mut second, status) = raw_upgrade(addr, &session.sid).await;
    assert_eq!(status, 101);
    expect_empty_close(&mut second).await;

    first.send("5").await.expect("upgrade");
    first.send(r#"42["echo","upgraded"]"#).await.expect("send");
    assert_eq!(next_text(&mut first).await, r#"42["echo","upgraded"]"#);
}

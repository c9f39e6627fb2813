//! The server side of the opening handshake over loopback TCP: the handshake deadline cuts off
//! peers that send their request slowly or not at all, and leaves normal handshakes and the
//! connection after them alone.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod common;

use std::time::Duration;

use common::*;
use tokio::io::AsyncReadExt;
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use wsio_ws::{Error, Message, WebSocket};

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A listener on loopback, and a task running `accept` on its first connection: it ends
/// with the outcome and how long `accept` took.
async fn accept_one() -> (
    std::net::SocketAddr,
    tokio::task::JoinHandle<(Result<WebSocket<TcpStream>, Error>, Duration)>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        timed("accept", wsio_ws::accept(tcp, short_deadline())).await
    });
    (addr, server)
}

/// Waits until the server closes `reader` (end of stream or reset); panics if it stays open
/// past `PATIENCE` or sends bytes.
async fn wait_closed(mut reader: OwnedReadHalf) {
    let mut byte = [0u8; 1];
    match tokio::time::timeout(PATIENCE, reader.read(&mut byte)).await {
        Ok(Ok(0) | Err(_)) => {}
        Ok(Ok(_)) => panic!("the server answered a request it never fully received"),
        Err(_) => panic!("the connection is still open after {PATIENCE:?}"),
    }
}

#[tokio::test]
async fn a_trickling_request_is_cut_off_at_the_deadline() {
    let (addr, server) = accept_one().await;
    let (reader, writer) = TcpStream::connect(addr).await.unwrap().into_split();
    let trickler = tokio::spawn(trickle(writer, REQUEST));
    let (result, elapsed) = server.await.unwrap();
    assert_cut_at_the_deadline("trickling request", result, elapsed);
    wait_closed(reader).await;
    trickler.abort();
}

#[tokio::test]
async fn a_peer_that_sends_nothing_is_cut_off_at_the_deadline() {
    let (addr, server) = accept_one().await;
    let (reader, _writer) = TcpStream::connect(addr).await.unwrap().into_split();
    let (result, elapsed) = server.await.unwrap();
    assert_cut_at_the_deadline("silent peer", result, elapsed);
    wait_closed(reader).await;
}

#[tokio::test]
async fn a_handshake_within_the_deadline_works_and_the_connection_outlives_it() {
    let (addr, server) = accept_one().await;
    let echo = tokio::spawn(async move {
        let (accepted, _) = server.await.unwrap();
        let mut ws = accepted.unwrap();
        while let Some(Ok(message)) = ws.recv().await {
            if message.is_data() && ws.send(message).await.is_err() {
                break;
            }
        }
    });
    let url = format!("ws://{addr}/chat");
    let mut client = wsio_ws::connect(&url, short_deadline()).await.unwrap();
    // Idle past the deadline: it bounds the handshake only.
    tokio::time::sleep(DEADLINE + Duration::from_millis(500)).await;
    client.send("still here").await.unwrap();
    let answer = tokio::time::timeout(PATIENCE, client.recv()).await.unwrap();
    assert_eq!(answer.unwrap().unwrap(), Message::Text("still here".into()));
    client
        .close(wsio_ws::CloseCode::NORMAL, "done")
        .await
        .unwrap();
    echo.await.unwrap();
}

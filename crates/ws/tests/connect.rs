//! The client side of the opening handshake over loopback TCP: the handshake deadline ends
//! the wait for a server that accepts the connection but answers slowly or not at all.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod common;

use common::*;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use wsio_ws::WsUrl;

#[tokio::test]
async fn a_server_that_never_answers_fails_connect_at_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts, reads the request, never answers.
    let server = tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut sink = Vec::new();
        let _ = tcp.read_to_end(&mut sink).await;
    });
    let url = format!("ws://{addr}/");
    let (result, elapsed) = timed("connect", wsio_ws::connect(&url, short_deadline())).await;
    assert_cut_at_the_deadline("silent server", result, elapsed);
    // The client dropped its end, so the server sees the connection end.
    tokio::time::timeout(PATIENCE, server)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_trickling_response_fails_connect_on_at_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Reads the request head, then sends a response one byte every 200 ms.
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            if tcp.read(&mut byte).await.unwrap_or(0) == 0 {
                return;
            }
            head.push(byte[0]);
        }
        trickle(
            tcp,
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        )
        .await;
    });
    let url = WsUrl::parse(&format!("ws://{addr}/")).unwrap();
    let tcp = TcpStream::connect(addr).await.unwrap();
    let connecting = wsio_ws::connect_on(tcp, &url, short_deadline(), &[]);
    let (result, elapsed) = timed("connect_on", connecting).await;
    assert_cut_at_the_deadline("trickling response", result, elapsed);
}

//! The WebSocket transport over HTTP/2 (RFC 8441, feature `http2`): Socket.IO connect, emit
//! and ack through a wsio server on h2c, direct and as the upgrade of a polling session; the
//! server's statistics show that its WebSockets came as HTTP/2 streams.
#![cfg(feature = "http2")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Inbox, WAIT};
use serde_json::json;
use tokio::net::TcpListener;
use wsio_client::{Client, Transport, Transports, Value};
use wsio_server::{AckSender, Server, Socket};
use wsio_ws::Http2Mode;

/// A wsio server on 127.0.0.1 (HTTP/1.1 and h2c, extended CONNECT enabled) whose `echo`
/// emits its arguments back and acks with them.
async fn server() -> (Server, String) {
    let io = Server::new(wsio_server::Config::default());
    io.ns("/", |socket: Socket| {
        socket.on(
            "echo",
            |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
                let _ = socket.emit("echo", &args);
                if let Some(ack) = ack {
                    let _ = ack.send(&args);
                }
            },
        );
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let serving = io.clone();
    tokio::spawn(async move { serving.serve(listener, std::future::pending()).await });
    (io, url)
}

/// Connects with `transports` and RFC 8441 for the WebSocket, emits, and checks the echo and
/// the ack over the WebSocket; the server counts `websockets` HTTP/2 WebSockets.
async fn emits_and_acks_over_h2(transports: Transports, websockets: u64) {
    let (io, url) = server().await;
    let echoes = Inbox::new();
    let e = echoes.clone();
    let client = Client::builder(url)
        .transports(transports)
        .http2(Http2Mode::PriorKnowledge)
        .on("echo", move |_s, args: Vec<Value>, _ack| e.push(args))
        .connect()
        .await
        .expect("connect");
    client
        .wait_transport(Transport::WebSocket, WAIT)
        .await
        .expect("on WebSocket");
    client
        .emit("echo", &("hello", json!({"over": "h2"})))
        .unwrap();
    let args = echoes.next().await;
    assert_eq!(args[0], Value::from("hello"));
    let (text, n): (String, u32) = client
        .emit_with_ack("echo", &("acked", 8441), WAIT)
        .await
        .expect("ack");
    assert_eq!((text.as_str(), n), ("acked", 8441));
    let stats = io.stats().engine;
    assert_eq!(stats.sessions_websocket, 1);
    assert_eq!(stats.websockets_over_http2, websockets);
    client.disconnect().await;
}

#[tokio::test]
async fn websocket_only_over_h2c() {
    emits_and_acks_over_h2(Transports::WebSocket, 1).await;
}

#[tokio::test]
async fn polling_upgrades_to_a_websocket_over_h2c() {
    emits_and_acks_over_h2(Transports::PollingThenUpgrade, 1).await;
}

#[tokio::test]
async fn the_default_stays_on_http1() {
    let (io, url) = server().await;
    let client = Client::builder(url)
        .transports(Transports::WebSocket)
        .connect()
        .await
        .expect("connect");
    let (text,): (String,) = client
        .emit_with_ack("echo", &("h1",), WAIT)
        .await
        .expect("ack");
    assert_eq!(text, "h1");
    assert_eq!(io.stats().engine.websockets_over_http2, 0);
    assert_eq!(io.stats().engine.sessions_websocket, 1);
    client.disconnect().await;
}

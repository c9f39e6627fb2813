//! Events, acknowledgements, binary data and namespaces against the in-process test server,
//! over each transport.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{Inbox, TestServer, WAIT};
use serde_json::{Value as Json, json};
use wsio_client::{Client, DisconnectReason, Error, Transport, Transports, Value};

async fn connect(
    server: &TestServer,
    transports: Transports,
) -> (Client, std::sync::Arc<Inbox<Vec<Value>>>) {
    let echoes = Inbox::new();
    let e = echoes.clone();
    let client = Client::builder(server.url())
        .transports(transports)
        .on("echo", move |_s, args: Vec<Value>, _ack| e.push(args))
        .connect()
        .await
        .expect("connect");
    (client, echoes)
}

async fn whoami(client: &Client) -> Json {
    let (me,): (Json,) = client
        .emit_with_ack("whoami", &(), WAIT)
        .await
        .expect("whoami");
    me
}

async fn events_and_acks(transports: Transports, expected: &str) {
    let server = TestServer::start().await;
    let (client, echoes) = connect(&server, transports).await;
    if expected == "websocket" {
        client
            .wait_transport(Transport::WebSocket, WAIT)
            .await
            .expect("upgraded");
    }
    client
        .emit("echo", &("hello", 1, json!({"a": [true, null]})))
        .unwrap();
    let args = echoes.next().await;
    assert_eq!(args[0], Value::from("hello"));
    assert_eq!(args.len(), 3);
    let (text, n): (String, u32) = client
        .emit_with_ack("echo", &("acked", 7), WAIT)
        .await
        .expect("ack");
    assert_eq!((text.as_str(), n), ("acked", 7));
    assert_eq!(echoes.next().await[0], Value::from("acked"));
    let me = whoami(&client).await;
    assert_eq!(me["transport"], expected);
    assert_eq!(me["namespace"], "/");
    assert_eq!(me["id"].as_str(), client.main().id().as_deref());
    assert_eq!(me["engineId"].as_str(), client.engine_id().as_deref());
    client.disconnect().await;
    assert!(client.is_closed());
    assert!(matches!(client.emit("echo", &()), Err(Error::Closed)));
    server.stop().await;
}

#[tokio::test]
async fn websocket_events_and_acks() {
    events_and_acks(Transports::WebSocket, "websocket").await;
}

#[tokio::test]
async fn polling_events_and_acks() {
    events_and_acks(Transports::Polling, "polling").await;
}

#[tokio::test]
async fn polling_upgrades_to_websocket() {
    events_and_acks(Transports::PollingThenUpgrade, "websocket").await;
}

#[tokio::test]
async fn order_holds_across_the_upgrade() {
    let server = TestServer::start().await;
    let (client, echoes) = connect(&server, Transports::PollingThenUpgrade).await;
    for i in 0..200u32 {
        client.emit("echo", &(i,)).unwrap();
        if i % 20 == 0 {
            tokio::task::yield_now().await;
        }
    }
    for i in 0..200u32 {
        let args = echoes.next().await;
        assert_eq!(args, vec![Value::from(serde_json::json!(i))], "at {i}");
    }
    client
        .wait_transport(Transport::WebSocket, WAIT)
        .await
        .expect("upgraded");
    client.disconnect().await;
    server.stop().await;
}

async fn binary(transports: Transports) {
    let server = TestServer::start().await;
    let (client, echoes) = connect(&server, transports).await;
    let data = Bytes::from(vec![7u8; 100_000]);
    let args = (
        Value::Binary(data.clone()),
        json!({"k": 1}),
        Value::Object(vec![(
            "nested".into(),
            Value::Binary(Bytes::from_static(b"\x00\xff")),
        )]),
    );
    client.emit("echo", &args).unwrap();
    let got = echoes.next().await;
    assert_eq!(got[0].as_binary(), Some(&data));
    assert_eq!(
        got[2]
            .get("nested")
            .and_then(Value::as_binary)
            .map(|b| &b[..]),
        Some(&b"\x00\xff"[..])
    );
    let (back,): (Value,) = client
        .emit_with_ack("echo", &(Value::Binary(Bytes::from_static(b"ack")),), WAIT)
        .await
        .unwrap();
    assert_eq!(back.as_binary().map(|b| &b[..]), Some(&b"ack"[..]));
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn binary_both_ways_over_websocket() {
    binary(Transports::WebSocket).await;
}

#[tokio::test]
async fn binary_both_ways_over_polling() {
    binary(Transports::Polling).await;
}

#[tokio::test]
async fn answers_the_servers_acks() {
    let server = TestServer::start().await;
    for transports in [Transports::WebSocket, Transports::Polling] {
        let client = Client::builder(server.url())
            .transports(transports)
            .on("server-ack-request", |_s, (word,): (String,), ack| {
                assert_eq!(word, "ping");
                ack.expect("asked for an ack").send(&("pong", 2)).unwrap();
            })
            .connect()
            .await
            .unwrap();
        let answer: Vec<Json> = client
            .emit_with_ack("request-ack", &(), WAIT)
            .await
            .unwrap();
        assert_eq!(answer, vec![json!("pong"), json!(2)]);
        client.disconnect().await;
    }
    server.stop().await;
}

#[tokio::test]
async fn namespaces_share_one_connection() {
    let server = TestServer::start().await;
    let client = Client::builder(server.url())
        .transports(Transports::WebSocket)
        .namespace("/admin")
        .auth(|ns| (ns == "/admin").then(|| json!({"token": "secret"})))
        .connect()
        .await
        .unwrap();
    let admin = client.socket("/admin").unwrap();
    admin.wait_connected(WAIT).await.unwrap();
    let (me,): (Json,) = admin.emit_with_ack("whoami", &(), WAIT).await.unwrap();
    assert_eq!(me["namespace"], "/admin");
    assert_eq!(me["engineId"].as_str(), client.engine_id().as_deref());
    let root = whoami(&client).await;
    assert_eq!(root["engineId"], me["engineId"]);
    assert_ne!(root["id"], me["id"]);
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn auth_rejection_is_a_connect_error_with_the_servers_message() {
    let server = TestServer::start().await;
    let errors = Inbox::new();
    let e = errors.clone();
    let client = Client::builder(server.url())
        .transports(Transports::Polling)
        .namespace("/admin")
        .auth(|_| Some(json!({"token": "wrong"})))
        .with(move |c| {
            c.socket("/admin")
                .unwrap()
                .on_connect_error(move |s, err| e.push((s.ns().to_owned(), err)));
        })
        .connect()
        .await
        .unwrap();
    let (ns, err) = errors.next().await;
    assert_eq!(ns, "/admin");
    assert_eq!(err.message, "unauthorized");
    assert_eq!(err.data, Some(json!({"reason": "bad token"})));
    assert!(!client.socket("/admin").unwrap().connected());
    // `/` keeps working on the same connection.
    assert_eq!(whoami(&client).await["namespace"], "/");
    // An unknown namespace is refused with socket.io's message.
    let nowhere = client.socket("/nowhere").unwrap();
    let n = errors.clone();
    nowhere.on_connect_error(move |s, err| n.push((s.ns().to_owned(), err)));
    nowhere.connect().unwrap();
    let (ns, err) = errors.next().await;
    assert_eq!(
        (ns.as_str(), err.message.as_str()),
        ("/nowhere", "Invalid namespace")
    );
    client.disconnect().await;

    // As the main namespace, the refusal fails `connect`.
    let refused = Client::builder(format!("{}/admin", server.url()))
        .transports(Transports::WebSocket)
        .connect()
        .await;
    assert!(
        matches!(&refused, Err(Error::ConnectRefused { message, .. }) if message == "unauthorized")
    );
    server.stop().await;
}

#[tokio::test]
async fn a_refused_connect_fails_with_the_middlewares_message_and_data() {
    let server = TestServer::start().await;
    let refused = Client::builder(format!("{}/admin", server.url()))
        .transports(Transports::WebSocket)
        .auth(|_| Some(json!({"token": "wrong"})))
        .connect()
        .await
        .err();
    match refused {
        Some(Error::ConnectRefused { message, data }) => {
            assert_eq!(message, "unauthorized");
            assert_eq!(data, Some(json!({"reason": "bad token"})));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn server_side_disconnect_and_catch_all() {
    let server = TestServer::start().await;
    let reasons = Inbox::new();
    let any = Inbox::new();
    let (r, a) = (reasons.clone(), any.clone());
    let client = Client::builder(server.url())
        .transports(Transports::WebSocket)
        .on_disconnect(move |_s, reason| r.push(reason))
        .on_any(move |_s, name, args| a.push((name.to_owned(), args.len())))
        .connect()
        .await
        .unwrap();
    client.emit("echo", &(1, 2)).unwrap();
    assert_eq!(any.next().await, ("echo".to_owned(), 2));
    client.emit("disconnect-me", &()).unwrap();
    assert_eq!(reasons.next().await, DisconnectReason::IoServerDisconnect);
    assert!(!client.main().connected());
    // The client does not rejoin by itself after a server disconnect; `connect` does.
    client.main().connect().unwrap();
    client.main().wait_connected(WAIT).await.unwrap();
    assert_eq!(whoami(&client).await["namespace"], "/");
    client.disconnect().await;
    assert_eq!(reasons.next().await, DisconnectReason::IoClientDisconnect);
    server.stop().await;
}

#[tokio::test]
async fn volatile_emits_are_dropped_while_disconnected() {
    let client = Client::builder("http://127.0.0.1:9")
        .connect_timeout(Duration::from_millis(200))
        .reconnection(common::fast_reconnection())
        .build()
        .unwrap();
    client.main().emit_volatile("echo", &(1,)).unwrap();
    client.emit("echo", &(2,)).unwrap();
    assert!(!client.main().connected());
    client.disconnect().await;
}

#[tokio::test]
async fn connect_gives_up_on_a_server_that_never_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts every connection, reads nothing and answers nothing.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let deadline = Duration::from_secs(1);
    let attempt = |transports| async move {
        let start = std::time::Instant::now();
        let result = Client::builder(format!("http://{addr}"))
            .transports(transports)
            .connect_timeout(deadline)
            .connect()
            .await;
        (transports, result.err(), start.elapsed())
    };
    let outcomes = tokio::join!(attempt(Transports::WebSocket), attempt(Transports::Polling));
    for (transports, error, elapsed) in [outcomes.0, outcomes.1] {
        println!("{transports:?}: {error:?} after {elapsed:?}");
        assert!(
            matches!(error, Some(Error::Timeout)),
            "{transports:?}: {error:?}"
        );
        assert!(
            elapsed >= deadline && elapsed < deadline + Duration::from_millis(500),
            "{transports:?}: gave up after {elapsed:?}"
        );
    }
}

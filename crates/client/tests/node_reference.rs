//! The client against Node's own socket.io server (`interop/reference/server.js`). Skipped,
//! with a message, when `node` or the reference's `node_modules` (installed by
//! `cargo xtask interop`) are missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use bytes::Bytes;
use common::{Inbox, Proxy, WAIT};
use serde_json::{Value as Json, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use wsio_client::{AnyParser, Client, Reconnection, Transport, Transports, Value};

/// The reference server on a free loopback port; killed by PID when dropped.
struct NodeServer {
    child: Child,
    url: String,
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn node_server() -> Option<NodeServer> {
    node_server_with(&[]).await
}

/// The reference server with extra command-line arguments.
async fn node_server_with(extra: &[&str]) -> Option<NodeServer> {
    let reference = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/reference");
    if !reference.join("node_modules/socket.io").is_dir() {
        println!(
            "skipped: interop/reference/node_modules missing (cargo xtask interop installs it)"
        );
        return None;
    }
    let spawned = Command::new("node")
        .arg(reference.join("server.js"))
        .args([
            "--port",
            "0",
            "--ping-interval-ms",
            "300",
            "--ping-timeout-ms",
            "2000",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let Ok(mut child) = spawned else {
        println!("skipped: node is not installed");
        return None;
    };
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(WAIT, lines.next_line())
        .await
        .expect("the reference server starts in time")
        .expect("read")
        .expect("a line");
    let url = line
        .strip_prefix("listening on ")
        .expect("listening line")
        .trim()
        .to_owned();
    // Keep draining its output so it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(NodeServer { child, url })
}

async fn contract(url: &str, parser: AnyParser, transports: Transports, expected: &str) {
    let echoes = Inbox::new();
    let e = echoes.clone();
    let client = Client::builder(url)
        .transports(transports)
        .parser(parser)
        .namespace("/admin")
        .auth(|ns| (ns == "/admin").then(|| json!({"token": "secret"})))
        .on("echo", move |_s, args: Vec<Value>, _ack| e.push(args))
        .on("server-ack-request", |_s, (word,): (String,), ack| {
            if let Some(ack) = ack {
                ack.send(&(word, "pong")).unwrap();
            }
        })
        .connect()
        .await
        .unwrap();
    if expected == "websocket" {
        client
            .wait_transport(Transport::WebSocket, WAIT)
            .await
            .unwrap();
    }
    // Events and acks.
    client.emit("echo", &("hi", json!({"n": 1}))).unwrap();
    assert_eq!(
        echoes.next().await,
        vec![Value::from("hi"), Value::from(json!({"n": 1}))]
    );
    let (text,): (String,) = client
        .emit_with_ack("echo", &("ack me",), WAIT)
        .await
        .unwrap();
    assert_eq!(text, "ack me");
    echoes.next().await;
    // Binary both ways.
    let data = Bytes::from(vec![3u8; 50_000]);
    client
        .emit("echo", &(Value::Binary(data.clone()),))
        .unwrap();
    assert_eq!(echoes.next().await[0].as_binary(), Some(&data));
    // The server's ack request.
    let answer: Vec<Json> = client
        .emit_with_ack("request-ack", &(), WAIT)
        .await
        .unwrap();
    assert_eq!(answer, vec![json!("ping"), json!("pong")]);
    // Transport and namespaces.
    let (me,): (Json,) = client.emit_with_ack("whoami", &(), WAIT).await.unwrap();
    assert_eq!(me["transport"], expected);
    let admin = client.socket("/admin").unwrap();
    admin.wait_connected(WAIT).await.unwrap();
    let (them,): (Json,) = admin.emit_with_ack("whoami", &(), WAIT).await.unwrap();
    assert_eq!(them["namespace"], "/admin");
    assert_eq!(them["engineId"], me["engineId"]);
    client.disconnect().await;
}

#[tokio::test]
async fn against_the_node_reference_server() {
    let Some(server) = node_server().await else {
        return;
    };
    let json = AnyParser::Json;
    contract(&server.url, json, Transports::WebSocket, "websocket").await;
    contract(&server.url, json, Transports::Polling, "polling").await;
    contract(
        &server.url,
        json,
        Transports::PollingThenUpgrade,
        "websocket",
    )
    .await;

    // Refused joins carry the server's message and data.
    let errors = Inbox::new();
    let e = errors.clone();
    let client = Client::builder(&server.url)
        .namespace("/admin")
        .auth(|_| Some(json!({"token": "nope"})))
        .with(move |c| {
            let e2 = e.clone();
            c.socket("/admin")
                .unwrap()
                .on_connect_error(move |_s, err| e2.push(err));
            c.socket("/nowhere")
                .unwrap()
                .on_connect_error(move |_s, err| e.push(err));
        })
        .connect()
        .await
        .unwrap();
    let mut seen = [errors.next().await, errors.next().await];
    seen.sort_by(|a, b| a.message.cmp(&b.message));
    assert_eq!(seen[0].message, "Invalid namespace");
    assert_eq!(seen[1].message, "unauthorized");
    assert_eq!(seen[1].data, Some(json!({"reason": "bad token"})));
    let (me,): (Json,) = client.emit_with_ack("whoami", &(), WAIT).await.unwrap();
    assert_eq!(me["namespace"], "/");
    client.disconnect().await;
}

/// The same contract with both ends on the MessagePack parser (`socket.io-msgpack-parser`):
/// binary payloads travel inline, and over polling as base64 `b` messages.
#[tokio::test]
async fn msgpack_against_the_node_reference_server() {
    let Some(server) = node_server_with(&["--parser", "msgpack"]).await else {
        return;
    };
    let msgpack = AnyParser::MsgPack;
    contract(&server.url, msgpack, Transports::WebSocket, "websocket").await;
    contract(&server.url, msgpack, Transports::Polling, "polling").await;
    contract(
        &server.url,
        msgpack,
        Transports::PollingThenUpgrade,
        "websocket",
    )
    .await;
}

#[tokio::test]
async fn recovers_with_the_node_reference_server() {
    let Some(server) = node_server_with(&["--recovery-ms", "5000"]).await else {
        return;
    };
    let upstream = server
        .url
        .strip_prefix("http://")
        .and_then(|a| a.parse().ok())
        .expect("a loopback address");
    let proxy = Proxy::start(upstream).await;
    let log = Inbox::new();
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    let reasons = Inbox::new();
    let r = reasons.clone();
    let client = Client::builder(proxy.url())
        .transports(Transports::WebSocket)
        .reconnection(Reconnection {
            initial_delay: std::time::Duration::from_millis(400),
            max_delay: std::time::Duration::from_millis(400),
            randomization_factor: 0.0,
            ..Reconnection::default()
        })
        .on("echo", move |_s, args: Vec<Value>, _ack| {
            l1.push(format!("echo:{}", args.len()));
        })
        .on(
            "room-message",
            move |_s, (text, offset): (String, String), _ack| {
                assert!(!offset.is_empty());
                l2.push(text);
            },
        )
        .on_connect(move |s| l3.push(format!("connect:{}", s.recovered())))
        .on_disconnect(move |_s, reason| r.push(reason))
        .connect()
        .await
        .unwrap();
    assert_eq!(log.next().await, "connect:false");
    let (joined,): (bool,) = client.emit_with_ack("join", &("r1",), WAIT).await.unwrap();
    assert!(joined);
    let (stored,): (bool,) = client
        .emit_with_ack("set-data", &(json!({"user": "ada"}),), WAIT)
        .await
        .unwrap();
    assert!(stored);
    // One event, so the client holds an offset (echo's argument plus the offset).
    client.emit("echo", &("prime",)).unwrap();
    assert_eq!(log.next().await, "echo:2");
    let id = client.main().id().expect("an id");

    let other = Client::builder(&server.url)
        .transports(Transports::WebSocket)
        .connect()
        .await
        .unwrap();
    other.main().wait_connected(WAIT).await.unwrap();
    proxy.cut();
    assert!(reasons.next().await.will_reconnect());
    for text in ["m1", "m2", "m3"] {
        other.emit("to-room", &("r1", text)).unwrap();
    }
    // Processed in order, so the room messages went out before this answer.
    let _: (Json,) = other.emit_with_ack("whoami", &(), WAIT).await.unwrap();

    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(log.next().await);
    }
    assert_eq!(seen, ["m1", "m2", "m3", "connect:true"]);
    assert!(client.main().recovered());
    assert_eq!(client.main().id().as_deref(), Some(id.as_str()));
    let (state,): (Json,) = client.emit_with_ack("state", &(), WAIT).await.unwrap();
    assert_eq!(
        state,
        json!({"id": id, "recovered": true, "data": {"user": "ada"}})
    );
    let (rooms,): (Json,) = client.emit_with_ack("rooms", &(), WAIT).await.unwrap();
    assert_eq!(rooms, json!(["r1"]));
    other.disconnect().await;
    client.disconnect().await;
}

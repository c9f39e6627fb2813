//! The client against Node's own socket.io server (`interop/reference/server.js`). Skipped,
//! with a message, when `node` or the reference's `node_modules` (installed by
//! `cargo xtask interop`) are missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Stdio;

use bytes::Bytes;
use common::{Inbox, WAIT};
use serde_json::{Value as Json, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use wsio_client::{Client, Transports, Value};

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

async fn contract(url: &str, transports: Transports, expected: &str) {
    let echoes = Inbox::new();
    let e = echoes.clone();
    let client = Client::builder(url)
        .transports(transports)
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
        client.wait_transport("websocket", WAIT).await.unwrap();
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
    contract(&server.url, Transports::WebSocket, "websocket").await;
    contract(&server.url, Transports::Polling, "polling").await;
    contract(&server.url, Transports::PollingThenUpgrade, "websocket").await;

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

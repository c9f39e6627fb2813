//! Connection state recovery at the wire level, and the cluster-facing API on one server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use event_proto::Value;
use wsio_server::{AckSender, Config, EmitError, RecoveryConfig, Server, Socket};

fn recovering_server(recovery: RecoveryConfig) -> Server {
    let io = Server::new(Config {
        connection_state_recovery: Some(recovery),
        ..Config::default()
    });
    io.ns("/", |socket: Socket| {
        socket.on(
            "hello",
            |socket: Socket, _args: Vec<Value>, _ack: Option<AckSender>| {
                let _ = socket.emit("hi", &(1,));
            },
        );
        socket.on(
            "join",
            |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
                let room = args[0].as_str().unwrap().to_owned();
                tokio::spawn(async move {
                    socket.join([room]).await.unwrap();
                    socket.set_data(&serde_json::json!({"k": "v"})).unwrap();
                    ack.unwrap().send(&(true,)).unwrap();
                });
            },
        );
    });
    io
}

fn offset_of(event: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(&event[2..]).unwrap();
    v.as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn missed_packets_come_before_the_connect_reply() {
    let io = recovering_server(RecoveryConfig::default());
    let addr = start(&io).await;
    let (mut ws, reply, _) = join_with_auth(addr, "").await;
    let sid = reply["sid"].as_str().unwrap().to_owned();
    let pid = reply["pid"].as_str().unwrap().to_owned();
    ws.send("420[\"join\",\"r\"]").await.unwrap();
    assert_eq!(next_text(&mut ws).await, "430[true]");
    ws.send("42[\"hello\"]").await.unwrap();
    let hi = next_text(&mut ws).await;
    assert!(hi.starts_with("42[\"hi\",1,\""), "{hi}");
    let offset = offset_of(&hi);
    let ns = io.of("/").unwrap();
    let old = ns.sockets().pop().unwrap();
    drop(ws); // abnormal: the TCP connection just goes away
    eventually(|| ns.sockets().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A direct emit on the departed socket is refused now, and kept for the recovery.
    assert!(matches!(
        old.emit("m", &("direct",)),
        Err(EmitError::Closed)
    ));
    ns.to(["r"]).emit("m", &("one",)).await.unwrap();
    ns.to(["elsewhere"])
        .emit("m", &("not for us",))
        .await
        .unwrap();
    ns.emit("m", &("two",)).await.unwrap();
    ns.broadcast()
        .volatile()
        .emit("m", &("volatile",))
        .await
        .unwrap();

    let auth = format!(r#"{{"pid":"{pid}","offset":"{offset}"}}"#);
    let (mut ws, reply, missed) = join_with_auth(addr, &auth).await;
    assert_eq!(reply["sid"], sid.as_str());
    assert_eq!(reply["pid"], pid.as_str());
    let payloads: Vec<&str> = missed.iter().map(|m| &m[..m.rfind(',').unwrap()]).collect();
    assert_eq!(
        payloads,
        [r#"42["m","direct""#, r#"42["m","one""#, r#"42["m","two""#]
    );
    let socket = ns.sockets().pop().unwrap();
    assert!(socket.recovered());
    assert_eq!(socket.rooms().await.unwrap().len(), 2);
    assert_eq!(
        socket.data::<serde_json::Value>(),
        Some(serde_json::json!({"k": "v"}))
    );
    // The pid was used: presenting it again gives a fresh session.
    ws.send("41").await.unwrap();
    drop(ws);
    let (_ws, again, _) = join_with_auth(addr, &auth).await;
    assert_ne!(again["sid"], sid.as_str());
}

#[tokio::test]
async fn no_recovery_without_the_option_or_after_a_normal_leave() {
    let plain = Server::new(Config::default());
    plain.ns("/", |_socket| {});
    let addr = start(&plain).await;
    let (_ws, reply, _) = join_with_auth(addr, "").await;
    assert!(reply.get("pid").is_none(), "{reply}");

    let io = recovering_server(RecoveryConfig::default());
    let addr = start(&io).await;
    let (mut ws, reply, _) = join_with_auth(addr, "").await;
    ws.send("42[\"hello\"]").await.unwrap();
    let offset = offset_of(&next_text(&mut ws).await);
    ws.send("41").await.unwrap(); // client namespace disconnect: not recoverable
    let ns = io.of("/").unwrap();
    eventually(|| ns.sockets().is_empty()).await;
    let auth = format!(
        r#"{{"pid":"{}","offset":"{offset}"}}"#,
        reply["pid"].as_str().unwrap()
    );
    let (_ws, again, _) = join_with_auth(addr, &auth).await;
    assert_ne!(again["sid"], reply["sid"]);
}

#[tokio::test]
async fn an_offset_dropped_from_the_log_gives_a_fresh_session() {
    let io = recovering_server(RecoveryConfig {
        max_packets: 2,
        ..RecoveryConfig::default()
    });
    let addr = start(&io).await;
    let (mut ws, reply, _) = join_with_auth(addr, "").await;
    ws.send("42[\"hello\"]").await.unwrap();
    let offset = offset_of(&next_text(&mut ws).await);
    drop(ws);
    let ns = io.of("/").unwrap();
    eventually(|| ns.sockets().is_empty()).await;
    for n in 0..3 {
        ns.emit("m", &(n,)).await.unwrap();
    }
    let auth = format!(
        r#"{{"pid":"{}","offset":"{offset}"}}"#,
        reply["pid"].as_str().unwrap()
    );
    let (_ws, again, missed) = join_with_auth(addr, &auth).await;
    assert_ne!(again["sid"], reply["sid"]);
    assert!(missed.is_empty(), "{missed:?}");
}

#[tokio::test]
async fn single_server_cluster_api() {
    let io = Server::new(Config::default());
    // Without `/`, as `io.emit`: no server to reach (tests/server_side.rs).
    io.server_side_emit("x", &()).await.unwrap();
    let ns = io.ns("/", |_socket| {});
    ns.on_server_side("x", |_args, _ack| panic!("no other server emits here"));
    io.server_side_emit("x", &(1,)).await.unwrap();
    let answers = io
        .server_side_emit_with_ack("x", &(1,), Duration::from_millis(100))
        .await
        .unwrap();
    assert!(answers.is_empty());
    assert_eq!(ns.server_count().await.unwrap(), 1);

    let addr = start(&io).await;
    let (_ws, id) = ws_joined(addr).await;
    let socket = ns.sockets().pop().unwrap();
    socket.set_data(&serde_json::json!({"n": 1})).unwrap();
    let fetched = ns.broadcast().fetch_sockets().await.unwrap();
    assert_eq!(fetched.len(), 1);
    let remote = &fetched[0];
    assert_eq!(remote.id.as_str(), id);
    assert!(remote.local().is_some());
    assert_eq!(remote.rooms, std::slice::from_ref(&id));
    assert_eq!(remote.data, Value::from(serde_json::json!({"n": 1})));
    assert_eq!(
        remote.handshake.get("address"),
        Some(&Value::from("127.0.0.1"))
    );
    assert_eq!(
        remote
            .handshake
            .get("url")
            .and_then(Value::as_str)
            .map(|u| u.starts_with("/socket.io/?EIO=4")),
        Some(true)
    );
    assert_eq!(ns.all_rooms().await.unwrap(), [id]);
}

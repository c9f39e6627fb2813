//! Namespaces: connect middlewares that prepare the socket, with and without recovery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::{eventually, join_with_auth, next_text, start};
use event_proto::Value;
use serde_json::json;
use wsio_server::{Config, ConnectError, RecoveryConfig, Server, Socket};

#[derive(Clone, Debug, PartialEq)]
struct User(String);

#[tokio::test]
async fn middlewares_set_the_data_and_extensions_of_the_socket_they_admit() {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        let user: User = socket.extension().expect("extension");
        let data: serde_json::Value = socket.data().expect("data");
        let _ = socket.emit("me", &(user.0, data));
    })
    .middleware(|req| async move {
        assert_eq!(req.ns, "/");
        assert!(req.info.uri.query().unwrap_or_default().contains("EIO=4"));
        let Some(name) = req.auth.get("name").and_then(Value::as_str) else {
            return Err(ConnectError::new("who are you?"));
        };
        req.insert_extension(User(name.to_owned()));
        req.set_data(&json!({"name": name})).unwrap();
        Ok(())
    })
    .middleware(|req| async move {
        // Sees what the first one set, and adds to it.
        let user: User = req.extension().expect("set before");
        let mut data: serde_json::Value = req.data().expect("set before");
        data["checked"] = json!(user.0 == "ada");
        req.set_data(&data).unwrap();
        Ok(())
    });
    let addr = start(&io).await;
    let (mut ws, _reply, _) = join_with_auth(addr, r#"{"name":"ada"}"#).await;
    assert_eq!(
        next_text(&mut ws).await,
        r#"42["me","ada",{"checked":true,"name":"ada"}]"#
    );

    let mut refused = common::ws(addr, None).await;
    assert!(next_text(&mut refused).await.starts_with('0'));
    refused.send("40").await.unwrap();
    assert_eq!(
        next_text(&mut refused).await,
        r#"44{"message":"who are you?"}"#
    );
}

/// A server with recovery whose middleware counts its runs into the socket's data.
fn counting_server(skip_middlewares: bool) -> (Server, Arc<AtomicU64>) {
    let runs = Arc::new(AtomicU64::new(0));
    let io = Server::new(Config {
        connection_state_recovery: Some(RecoveryConfig {
            skip_middlewares,
            ..RecoveryConfig::default()
        }),
        ..Config::default()
    });
    let counted = runs.clone();
    io.ns("/", |_socket: Socket| {}).middleware(move |req| {
        let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            req.set_data(&json!({ "run": run })).unwrap();
            req.insert_extension(run);
            Ok(())
        }
    });
    (io, runs)
}

/// Connects, loses the transport abnormally, and recovers; returns the recovered socket and
/// its connection.
async fn connect_drop_and_recover(io: &Server) -> (Socket, common::Ws) {
    let addr = start(io).await;
    let ns = io.of("/").unwrap();
    let (mut ws, reply, _) = join_with_auth(addr, "").await;
    let pid = reply["pid"].as_str().unwrap().to_owned();
    ns.emit("m", &()).await.unwrap();
    let event = next_text(&mut ws).await;
    let v: serde_json::Value = serde_json::from_str(&event[2..]).unwrap();
    let offset = v[1].as_str().unwrap().to_owned();
    drop(ws);
    eventually(|| ns.sockets().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let auth = format!(r#"{{"pid":"{pid}","offset":"{offset}"}}"#);
    let (ws, _, _) = join_with_auth(addr, &auth).await;
    let socket = ns.sockets().pop().unwrap();
    assert!(socket.recovered());
    (socket, ws)
}

#[tokio::test]
async fn a_recovered_socket_gets_what_the_middlewares_set_when_they_run() {
    let (io, runs) = counting_server(false);
    let (socket, _ws) = connect_drop_and_recover(&io).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(socket.data::<serde_json::Value>(), Some(json!({"run": 2})));
    assert_eq!(socket.extension::<u64>(), Some(2));
}

#[tokio::test]
async fn skip_middlewares_keeps_the_restored_data_and_runs_none() {
    let (io, runs) = counting_server(true);
    let (socket, _ws) = connect_drop_and_recover(&io).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(socket.data::<serde_json::Value>(), Some(json!({"run": 1})));
    assert_eq!(
        socket.extension::<u64>(),
        None,
        "extensions stay with the old socket"
    );
}

#[tokio::test]
async fn refused_joins_are_logged_at_info_with_why() {
    let log = common::CapturedLog::start(tracing::Level::INFO);
    let io = common::demo();
    let addr = start(&io).await;
    let mut ws = common::ws(addr, None).await;
    assert!(next_text(&mut ws).await.starts_with('0'));
    ws.send("40/nowhere,").await.unwrap();
    assert!(next_text(&mut ws).await.starts_with("44/nowhere,"));
    ws.send(r#"40/admin,{"token":"wrong"}"#).await.unwrap();
    assert!(next_text(&mut ws).await.starts_with("44/admin,"));

    let unknown = log
        .line_with(&["namespace join refused: unknown namespace"])
        .await;
    assert!(
        unknown.contains("INFO") && unknown.contains("ns=/nowhere"),
        "{unknown}"
    );
    let refused = log
        .line_with(&["namespace join refused by a middleware"])
        .await;
    assert!(
        refused.contains("INFO") && refused.contains("ns=/admin"),
        "{refused}"
    );
    assert!(refused.contains("reason=unauthorized"), "{refused}");
    let stats = io.stats();
    assert_eq!(stats.unknown_namespace_refusals, 1);
    let admin = stats
        .namespaces
        .iter()
        .find(|ns| ns.name == "/admin")
        .unwrap();
    assert_eq!(admin.middleware_refusals, 1);
    assert_eq!(admin.sockets, 0);
}

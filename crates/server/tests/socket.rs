//! Sockets: events whose arguments do not fit the handler's type, catch-all listeners, data
//! updates, and finding a socket by id.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{CapturedLog, Polling, next_text, start, ws_joined};
use wsio_server::{Config, Server, Socket, Value};

#[tokio::test]
async fn arguments_that_do_not_fit_are_logged_at_debug_and_the_event_dropped() {
    let log = CapturedLog::start(tracing::Level::DEBUG);
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on("double", |socket: Socket, (n,): (u32,), _ack| {
            let _ = socket.emit("doubled", &(n * 2,));
        });
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"42["double","two"]"#).await.unwrap();
    ws.send(r#"42["double",2]"#).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"42["doubled",4]"#);
    let text = log.text();
    assert!(
        text.contains("event arguments do not fit the handler's type: event dropped"),
        "{text}"
    );
    assert!(text.contains("event=\"double\""), "{text}");
}

#[tokio::test]
async fn a_rejected_event_reaches_its_hook_with_the_name_and_the_error() {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on("double", |socket: Socket, (n,): (u32,), _ack| {
            let _ = socket.emit("doubled", &(n * 2,));
        });
        socket.on_rejected_event(|socket, event, error| {
            let _ = socket.emit("rejected", &(event, error.to_string().is_empty()));
        });
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"421["double","two"]"#).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"42["rejected","double",false]"#);
    ws.send(r#"42["double",2]"#).await.unwrap();
    assert_eq!(
        next_text(&mut ws).await,
        r#"42["doubled",4]"#,
        "no ack for the dropped one"
    );
}

#[tokio::test]
async fn a_rejected_events_error_says_how_its_arguments_do_not_fit() {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on("ping", |_socket: Socket, (): (), _ack| {});
        socket.on("join", |_socket: Socket, (_room,): (String,), _ack| {});
        socket.on_rejected_event(|socket, _event, error| {
            let _ = socket.emit("rejected", &(error.to_string(),));
        });
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    for (sent, said) in [
        (
            r#"42["ping",1]"#,
            r#"event \"ping\" has 1 argument, the handler takes none"#,
        ),
        (
            r#"42["join","lobby",2]"#,
            r#"event \"join\" has 2 arguments, the handler takes 1"#,
        ),
        (
            r#"42["join",7]"#,
            r#"event \"join\": argument 1: expected a string, got the number 7"#,
        ),
    ] {
        ws.send(sent).await.unwrap();
        assert_eq!(
            next_text(&mut ws).await,
            format!(r#"42["rejected","{said}"]"#)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_all_listeners_add_up_run_in_order_may_be_async_and_can_be_removed() {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on_any(|socket, event, args| {
            let _ = socket.emit("first", &(event, args.len()));
        });
        socket.on_any(|socket, event, _args| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = socket.emit("later", &(event,));
        });
        socket.on("ping", |socket: Socket, (): (), _ack| {
            let _ = socket.emit("pong", &());
        });
        socket.on("quiet", |socket: Socket, (): (), _ack| {
            socket.off_any();
            let _ = socket.emit("quieted", &());
        });
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"42["unhandled",1,2]"#).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"42["first","unhandled",2]"#);
    assert_eq!(next_text(&mut ws).await, r#"42["later","unhandled"]"#);
    ws.send(r#"42["ping"]"#).await.unwrap();
    // The synchronous listener, then the event's handler; the async one after its await.
    assert_eq!(next_text(&mut ws).await, r#"42["first","ping",0]"#);
    assert_eq!(next_text(&mut ws).await, r#"42["pong"]"#);
    assert_eq!(next_text(&mut ws).await, r#"42["later","ping"]"#);
    ws.send(r#"42["quiet"]"#).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"42["first","quiet",0]"#);
    assert_eq!(next_text(&mut ws).await, r#"42["quieted"]"#);
    assert_eq!(next_text(&mut ws).await, r#"42["later","quiet"]"#);
    ws.send(r#"42["ping"]"#).await.unwrap();
    assert_eq!(
        next_text(&mut ws).await,
        r#"42["pong"]"#,
        "no listener left"
    );
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Counter {
    hits: u32,
    /// Written by `update_data_value`; kept by the typed updates since `Counter` knows it.
    #[serde(default)]
    seen: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_updates_from_concurrent_handlers_are_never_lost() {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on("hit", |socket: Socket, (): (), _ack| async move {
            // Every handler runs on the runtime's threads at once: a read-then-write
            // would lose increments here.
            tokio::task::yield_now().await;
            socket.update_data(|c: &mut Counter| c.hits += 1).unwrap();
            socket.update_data_value(|data| {
                let n = data.get("seen").and_then(Value::as_u64).unwrap_or(0);
                data.set("seen", n + 1);
            });
        });
        socket.on("count", |socket: Socket, (): (), _ack| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let data = socket.data_value();
            let hits = data.get("hits").and_then(Value::as_u64);
            let seen = data.get("seen").and_then(Value::as_u64);
            let _ = socket.emit("count", &(hits, seen));
        });
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    for _ in 0..500 {
        ws.send(r#"42["hit"]"#).await.unwrap();
    }
    ws.send(r#"42["count"]"#).await.unwrap();
    assert_eq!(next_text(&mut ws).await, r#"42["count",500,500]"#);
}

#[tokio::test]
async fn data_that_does_not_fit_the_type_is_an_error_and_left_as_it_was() {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket
            .set_data(&serde_json::json!({"hits": "many"}))
            .unwrap();
        let refused = socket.update_data(|c: &mut Counter| c.hits += 1).is_err();
        let _ = socket.emit("refused", &(refused, socket.data_value()));
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    assert_eq!(
        next_text(&mut ws).await,
        r#"42["refused",true,{"hits":"many"}]"#
    );
}

#[tokio::test]
async fn a_namespace_finds_its_sockets_by_id() {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        let found = socket
            .namespace()
            .socket(socket.id().as_str())
            .map(|s| s.id().clone());
        let none = socket.namespace().socket("nobody").is_none();
        let _ = socket.emit("found", &(found.map(|id| id.to_string()), none));
    });
    let addr = start(&io).await;
    let (mut ws, sid) = ws_joined(addr).await;
    assert_eq!(
        next_text(&mut ws).await,
        format!(r#"42["found","{sid}",true]"#)
    );
}

#[tokio::test]
async fn a_socket_logs_in_its_span_what_it_receives_and_why_it_left() {
    let log = CapturedLog::start(tracing::Level::TRACE);
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        tracing::info!("connect handler");
        socket.on("hello", |socket: Socket, args: Vec<Value>, _ack| {
            tracing::info!("hello handler");
            let _ = socket.emit("hello", &args);
        });
    });
    let addr = start(&io).await;
    let (mut ws, id) = ws_joined(addr).await;
    let span = format!("socket{{id={id} ns=/ sid=");
    let joined = log.line_with(&["namespace join accepted"]).await;
    assert!(
        joined.contains("DEBUG") && joined.contains(&span),
        "{joined}"
    );
    let handler = log.line_with(&["connect handler"]).await;
    assert!(handler.contains(&span), "{handler}");

    let event = r#"42["hello",1]"#;
    ws.send(event).await.unwrap();
    assert_eq!(next_text(&mut ws).await, event);
    let received = log.line_with(&["event received"]).await;
    assert!(received.contains("DEBUG"), "{received}");
    assert!(received.contains(&span), "{received}");
    assert!(received.contains("transport=WebSocket"), "{received}");
    assert!(received.contains("event=\"hello\""), "{received}");
    let payload = log.line_with(&["event payload"]).await;
    assert!(payload.contains("TRACE"), "{payload}");
    // The Socket.IO packet, without the Engine.IO message type.
    assert!(
        payload.contains(&format!("bytes={}", event.len() - 1)),
        "{payload}"
    );
    let handler = log.line_with(&["hello handler"]).await;
    assert!(handler.contains(&span), "{handler}");

    ws.send("41").await.unwrap();
    let left = log.line_with(&["left the namespace"]).await;
    assert!(left.contains("DEBUG") && left.contains(&span), "{left}");
    assert!(
        left.contains("reason=\"client namespace disconnect\""),
        "{left}"
    );
}

#[tokio::test]
async fn an_acknowledgement_that_does_not_come_is_logged_at_debug() {
    let log = CapturedLog::start(tracing::Level::DEBUG);
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| async move {
        let answer = socket
            .emit_with_ack::<_, Vec<Value>>("question", &(), Duration::from_millis(50))
            .await;
        assert!(answer.is_err());
    });
    let addr = start(&io).await;
    let (mut ws, id) = ws_joined(addr).await;
    assert_eq!(next_text(&mut ws).await, r#"420["question"]"#);
    let line = log.line_with(&["acknowledgement timed out"]).await;
    assert!(line.contains("DEBUG"), "{line}");
    assert!(line.contains(&format!("socket{{id={id} ")), "{line}");
    assert!(line.contains("event=\"question\""), "{line}");
    assert!(line.contains("timeout_ms=50"), "{line}");
}

#[tokio::test]
async fn what_a_polling_session_delivers_logs_in_its_session_span() {
    let log = CapturedLog::start(tracing::Level::DEBUG);
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on("hello", |socket: Socket, args: Vec<Value>, _ack| {
            tracing::info!("hello handler");
            let _ = socket.emit("hello", &args);
        });
    });
    let addr = start(&io).await;
    let session = Polling::open(addr).await;
    assert_eq!(session.post(b"40").await, 200);
    assert!(session.get_data().await.starts_with("40"));
    assert_eq!(session.post(br#"42["hello",1]"#).await, 200);
    assert_eq!(session.get_data().await, r#"42["hello",1]"#);
    let handler = log.line_with(&["hello handler"]).await;
    let span = format!("session{{sid={} transport=\"polling\"}}", session.sid);
    assert!(handler.contains(&span), "{handler}");
}

#[tokio::test]
async fn reserved_event_names_are_neither_emitted_nor_dispatched() {
    use std::sync::{Arc, Mutex};
    use wsio_server::{BroadcastError, DisconnectReason, EmitError};

    let reasons = Arc::new(Mutex::new(Vec::new()));
    let handled = Arc::new(Mutex::new(Vec::new()));
    let io = Server::new(Config::default());
    let (seen, ran) = (reasons.clone(), handled.clone());
    io.ns("/", move |socket: Socket| {
        let (seen, ran) = (seen.clone(), ran.clone());
        socket.on("disconnect", move |_socket, args: Vec<Value>, _ack| {
            ran.lock().unwrap().push(args);
        });
        socket.on(
            "try",
            |socket: Socket, (name,): (String,), _ack| async move {
                let emitted = matches!(socket.emit(&name, &()), Err(EmitError::Encode(_)));
                let broadcast = matches!(
                    socket.broadcast().emit(&name, &()).await,
                    Err(BroadcastError::Encode(_))
                );
                let _ = socket.emit("refused", &(name, emitted, broadcast));
            },
        );
        socket.on_disconnect(move |_socket, reason| seen.lock().unwrap().push(reason));
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    for name in event_proto::socket::RESERVED_EVENTS {
        ws.send(format!(r#"42["try","{name}"]"#)).await.unwrap();
        assert_eq!(
            next_text(&mut ws).await,
            format!(r#"42["refused","{name}",true,true]"#),
            "Node throws on emitting {name}; socket.io-client drops the connection on receiving it"
        );
    }
    // Node's parser refuses such an event from a client as a parse error.
    ws.send(r#"42["disconnect","forged"]"#).await.unwrap();
    common::eventually(|| !reasons.lock().unwrap().is_empty()).await;
    assert_eq!(*reasons.lock().unwrap(), [DisconnectReason::ParseError]);
    assert!(handled.lock().unwrap().is_empty());
}

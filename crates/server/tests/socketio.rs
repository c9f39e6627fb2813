//! Socket.IO over TCP: namespaces, events, acks, binary, middleware, rooms, reasons.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use common::*;
use event_proto::Value;
use wsio_server::{AckError, AckSender, Config, DisconnectReason, Server, Socket};
use wsio_ws::Message;

#[tokio::test]
async fn polling_connect_event_and_ack() {
    let addr = start(&demo()).await;
    let session = Polling::open(addr).await;
    assert_eq!(session.post(b"40").await, 200);
    let connected = session.get_data().await;
    assert!(connected.starts_with(r#"40{"sid":""#), "{connected}");
    assert_eq!(session.post(br#"421["echo",{"a":1},2]"#).await, 200);
    assert_eq!(
        session.get_data().await,
        "42[\"echo\",{\"a\":1},2]\u{1e}431[{\"a\":1},2]"
    );
}

#[tokio::test]
async fn binary_over_polling() {
    let addr = start(&demo()).await;
    let session = Polling::open(addr).await;
    session.post(b"40").await;
    session.get_data().await;
    let body = b"451-7[\"echo\",{\"_placeholder\":true,\"num\":0}]\x1ebAQID";
    assert_eq!(session.post(body).await, 200);
    let reply = session.get_data().await;
    assert_eq!(
        reply,
        "451-[\"echo\",{\"_placeholder\":true,\"num\":0}]\u{1e}bAQID\u{1e}461-7[{\"_placeholder\":true,\"num\":0}]\u{1e}bAQID"
    );
}

#[tokio::test]
async fn binary_over_websocket() {
    let addr = start(&demo()).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"451-["echo",{"_placeholder":true,"num":0}]"#)
        .await
        .expect("head");
    ws.send(Message::Binary(Bytes::from_static(&[9, 8, 7])))
        .await
        .expect("attachment");
    assert_eq!(
        next_text(&mut ws).await,
        r#"451-["echo",{"_placeholder":true,"num":0}]"#
    );
    assert_eq!(
        next(&mut ws).await,
        Message::Binary(Bytes::from_static(&[9, 8, 7]))
    );
}

#[tokio::test]
async fn unknown_namespace_is_refused() {
    let addr = start(&demo()).await;
    let mut ws = ws(addr, None).await;
    next_text(&mut ws).await;
    ws.send("40/nowhere,").await.expect("send");
    assert_eq!(
        next_text(&mut ws).await,
        r#"44/nowhere,{"message":"Invalid namespace"}"#
    );
}

#[tokio::test]
async fn middleware_refuses_and_admits() {
    let addr = start(&demo()).await;
    let mut ws = ws(addr, None).await;
    next_text(&mut ws).await;
    ws.send(r#"40/admin,{"token":"wrong"}"#)
        .await
        .expect("send");
    assert_eq!(
        next_text(&mut ws).await,
        r#"44/admin,{"message":"unauthorized","data":{"reason":"bad token"}}"#
    );
    ws.send(r#"40/admin,{"token":"secret"}"#)
        .await
        .expect("send");
    assert!(next_text(&mut ws).await.starts_with("40/admin,{\"sid\":"));
    ws.send(r#"42/admin,["echo",1]"#).await.expect("send");
    assert_eq!(next_text(&mut ws).await, r#"42/admin,["echo",1]"#);
}

#[tokio::test]
async fn rooms_broadcast_and_except() {
    let addr = start(&demo()).await;
    let (mut a, _) = ws_joined(addr).await;
    let (mut b, _) = ws_joined(addr).await;
    let (mut c, _) = ws_joined(addr).await;
    // broadcast: everyone but the sender.
    a.send(r#"42["broadcast","hey"]"#).await.expect("send");
    assert_eq!(next_text(&mut b).await, r#"42["bcast","hey"]"#);
    assert_eq!(next_text(&mut c).await, r#"42["bcast","hey"]"#);
    // rooms: a and b join "r"; to-room reaches members, sender included.
    for ws in [&mut a, &mut b] {
        ws.send(r#"421["join","r"]"#).await.expect("join");
        assert_eq!(next_text(ws).await, "431[true]");
    }
    c.send(r#"42["to-room","r",5]"#).await.expect("to-room");
    assert_eq!(next_text(&mut a).await, r#"42["room-message",5]"#);
    assert_eq!(next_text(&mut b).await, r#"42["room-message",5]"#);
    b.send(r#"422["rooms"]"#).await.expect("rooms");
    assert_eq!(next_text(&mut b).await, r#"432[["r"]]"#);
    a.send(r#"423["leave","r"]"#).await.expect("leave");
    assert_eq!(next_text(&mut a).await, "433[true]");
    c.send(r#"42["to-room","r",6]"#).await.expect("to-room");
    assert_eq!(next_text(&mut b).await, r#"42["room-message",6]"#);
}

#[tokio::test]
async fn server_side_operators() {
    let io = Server::new(Config::default());
    io.ns("/", |_socket| {});
    let addr = start(&io).await;
    let (mut a, a_id) = ws_joined(addr).await;
    let (mut b, b_id) = ws_joined(addr).await;
    let ns = io.of("/").expect("ns");
    ns.broadcast()
        .to([a_id.clone(), b_id.clone()])
        .sockets_join(["team"])
        .await
        .expect("join");
    ns.to(["team"])
        .except([a_id.clone()])
        .emit("only-b", &(1,))
        .await
        .expect("emit");
    assert_eq!(next_text(&mut b).await, r#"42["only-b",1]"#);
    ns.emit("all", &()).await.expect("emit");
    assert_eq!(next_text(&mut a).await, r#"42["all"]"#);
    assert_eq!(next_text(&mut b).await, r#"42["all"]"#);
    let fetched = ns.to(["team"]).fetch_sockets().await.expect("fetch");
    assert_eq!(fetched.len(), 2);
    // A broadcast with acks collects every answer.
    let asking = tokio::spawn({
        let ns = ns.clone();
        async move {
            ns.broadcast()
                .timeout(Duration::from_secs(2))
                .emit_with_ack("q", &())
                .await
        }
    });
    for (ws, answer) in [(&mut a, "x"), (&mut b, "y")] {
        let q = next_text(ws).await;
        let id: String = q[2..].chars().take_while(char::is_ascii_digit).collect();
        assert!(q.ends_with(r#"["q"]"#), "{q}");
        ws.send(format!("43{id}[\"{answer}\"]")).await.expect("ack");
    }
    let mut answers: Vec<String> = asking
        .await
        .expect("task")
        .expect("emit")
        .into_iter()
        .map(|r| r.expect("acked")[0].as_str().expect("str").to_owned())
        .collect();
    answers.sort();
    assert_eq!(answers, ["x", "y"]);
    ns.to(["team"])
        .disconnect_sockets(false)
        .await
        .expect("disconnect");
    assert_eq!(next_text(&mut a).await, "41");
    assert_eq!(next_text(&mut b).await, "41");
    eventually(|| ns.sockets().is_empty()).await;
}

#[tokio::test]
async fn emit_with_ack_times_out_and_resolves() {
    let results: Arc<Mutex<Vec<String>>> = Arc::default();
    let io = Server::new(Config::default());
    let seen = results.clone();
    io.ns("/", move |socket: Socket| {
        let seen = seen.clone();
        tokio::spawn(async move {
            let first = socket
                .emit_with_ack::<_, Vec<Value>>("q", &(), Duration::from_millis(100))
                .await;
            seen.lock().expect("lock").push(match first {
                Err(AckError::Timeout) => "timeout".to_owned(),
                other => format!("{other:?}"),
            });
            let second = socket
                .emit_with_ack::<_, (String,)>("q", &(), Duration::from_secs(2))
                .await;
            seen.lock().expect("lock").push(match second {
                Ok((s,)) => s,
                other => format!("{other:?}"),
            });
        });
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    let first = next_text(&mut ws).await;
    assert!(first.ends_with(r#"["q"]"#), "{first}");
    let second = next_text(&mut ws).await;
    let id: String = second[2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    ws.send(format!("43{id}[\"pong\"]")).await.expect("ack");
    eventually(|| results.lock().expect("lock").len() == 2).await;
    assert_eq!(*results.lock().expect("lock"), ["timeout", "pong"]);
}

#[tokio::test]
async fn request_ack_contract() {
    let addr = start(&demo()).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"427["request-ack"]"#).await.expect("send");
    let ask = next_text(&mut ws).await;
    assert!(ask.ends_with(r#"["server-ack-request","ping"]"#), "{ask}");
    let id: String = ask[2..].chars().take_while(char::is_ascii_digit).collect();
    ws.send(format!("43{id}[\"pong\",3]")).await.expect("ack");
    assert_eq!(next_text(&mut ws).await, r#"437["pong",3]"#);
}

fn recording(io: &Server) -> Arc<Mutex<Vec<(String, DisconnectReason)>>> {
    let reasons: Arc<Mutex<Vec<(String, DisconnectReason)>>> = Arc::default();
    let seen = reasons.clone();
    io.ns("/", move |socket: Socket| {
        let seen = seen.clone();
        socket.on_disconnecting(|socket, _| {
            // Rooms are still known here: the socket's own room at least.
            let rooms = futures_util::FutureExt::now_or_never(socket.rooms());
            assert!(matches!(rooms, Some(Ok(r)) if r.contains(&socket.id().to_string())));
        });
        socket.on_disconnect(move |socket, reason| {
            seen.lock()
                .expect("lock")
                .push((socket.id().to_string(), reason));
        });
        socket.on(
            "bye",
            |socket: Socket, _: Vec<Value>, _: Option<AckSender>| {
                let _ = socket.disconnect();
            },
        );
    });
    reasons
}

#[tokio::test]
async fn disconnect_reasons() {
    let io = Server::new(Config {
        ping_interval: Duration::from_millis(100),
        ping_timeout: Duration::from_millis(100),
        ..Config::default()
    });
    let reasons = recording(&io);
    let addr = start(&io).await;
    let reason_of = |id: &str| {
        reasons
            .lock()
            .expect("lock")
            .iter()
            .find(|(s, _)| s == id)
            .map(|(_, r)| *r)
    };

    let (mut ws, id) = ws_joined(addr).await;
    ws.send("41").await.expect("leave");
    eventually(|| reason_of(&id).is_some()).await;
    assert_eq!(
        reason_of(&id),
        Some(DisconnectReason::ClientNamespaceDisconnect)
    );

    let (mut ws, id) = ws_joined(addr).await;
    ws.send(r#"42["bye"]"#).await.expect("bye");
    assert_eq!(next_text(&mut ws).await, "41");
    eventually(|| reason_of(&id).is_some()).await;
    assert_eq!(
        reason_of(&id),
        Some(DisconnectReason::ServerNamespaceDisconnect)
    );

    let (mut ws, id) = ws_joined(addr).await;
    ws.close(wsio_ws::CloseCode::NORMAL, "").await.ok();
    eventually(|| reason_of(&id).is_some()).await;
    assert_eq!(reason_of(&id), Some(DisconnectReason::TransportClose));

    let (ws, id) = ws_joined(addr).await;
    // Never read again, so pings go unanswered.
    eventually(|| reason_of(&id).is_some()).await;
    assert_eq!(reason_of(&id), Some(DisconnectReason::PingTimeout));
    drop(ws);

    let (mut ws, id) = ws_joined(addr).await;
    ws.send("4garbage").await.expect("send");
    eventually(|| reason_of(&id).is_some()).await;
    assert_eq!(reason_of(&id), Some(DisconnectReason::ParseError));

    let (_ws, id) = ws_joined(addr).await;
    io.close(DisconnectReason::ServerShuttingDown);
    eventually(|| reason_of(&id).is_some()).await;
    assert_eq!(reason_of(&id), Some(DisconnectReason::ServerShuttingDown));
    eventually(|| io.session_count() == 0).await;
}

#[tokio::test]
async fn dynamic_namespaces() {
    let io = Server::new(Config::default());
    io.dynamic_ns("/room-*", |socket: Socket| {
        let name = socket.ns().to_owned();
        let _ = socket.emit("welcome", &(name,));
    });
    let addr = start(&io).await;
    let mut ws = ws(addr, None).await;
    next_text(&mut ws).await;
    ws.send("40/room-42,").await.expect("send");
    assert!(next_text(&mut ws).await.starts_with("40/room-42,{\"sid\":"));
    assert_eq!(
        next_text(&mut ws).await,
        r#"42/room-42,["welcome","/room-42"]"#
    );
    assert!(io.of("/room-42").is_some());
    ws.send("40/other,").await.expect("send");
    assert_eq!(
        next_text(&mut ws).await,
        r#"44/other,{"message":"Invalid namespace"}"#
    );
}

#[tokio::test]
async fn typed_handlers_and_socket_data() {
    #[derive(serde::Deserialize)]
    struct Move {
        x: i32,
    }
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.set_data(&7u32).unwrap();
        socket.on(
            "move",
            |socket: Socket, (m, label): (Move, String), ack: Option<AckSender>| {
                let bonus = socket.data::<u32>().unwrap_or_default();
                if let Some(ack) = ack {
                    let _ = ack.send(&(m.x + bonus as i32, label));
                }
            },
        );
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"429["move",{"x":1},"up"]"#).await.expect("send");
    assert_eq!(next_text(&mut ws).await, r#"439[8,"up"]"#);
}

#[tokio::test]
async fn disconnect_sockets_with_close_ends_every_namespace_and_the_connection() {
    let io = demo();
    let addr = start(&io).await;
    let (mut ws, id) = ws_joined(addr).await;
    ws.send(r#"40/admin,{"token":"secret"}"#)
        .await
        .expect("join admin");
    assert!(next_text(&mut ws).await.starts_with("40/admin,{"));
    let admin = io.of("/admin").expect("admin");
    eventually(|| admin.sockets().len() == 1).await;
    let ns = io.of("/").expect("ns");
    ns.to([id]).disconnect_sockets(true).await.expect("close");
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.recv()).await {
            Ok(Some(Ok(Message::Text(t)))) => seen.push(t.as_str().to_owned()),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => break,
            Err(_) => panic!("the connection stayed open: {seen:?}"),
        }
    }
    assert!(ns.sockets().is_empty() && admin.sockets().is_empty());
    assert_eq!(io.session_count(), 0);
    // Each namespace is told before the connection closes (queued packets are flushed).
    let mut disconnects: Vec<&str> = seen
        .iter()
        .map(String::as_str)
        .filter(|t| t.starts_with("41"))
        .collect();
    disconnects.sort_unstable();
    assert_eq!(disconnects, ["41", "41/admin,"], "{seen:?}");
}

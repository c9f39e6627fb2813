//! `Server::stats`: what each namespace counts as real clients use it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{eventually, next_text, start, ws_joined};
use wsio_server::{Config, ConnectError, NamespaceStats, Server, Socket, Value};

fn namespace(io: &Server, name: &str) -> NamespaceStats {
    io.stats()
        .namespaces
        .into_iter()
        .find(|ns| ns.name == name)
        .unwrap()
}

fn app() -> Server {
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on(
            "join",
            |socket: Socket, (room,): (String,), _ack| async move {
                let _ = socket.join(room).await;
                let _ = socket.emit("joined", &());
            },
        );
        socket.on(
            "shout",
            |socket: Socket, args: Vec<Value>, _ack| async move {
                let _ = socket.broadcast().emit("shout", &args).await;
            },
        );
        socket.on(
            "ask",
            |socket: Socket, _args: Vec<Value>, _ack| async move {
                let _ = socket
                    .emit_with_ack::<_, Vec<Value>>("question", &(), Duration::from_millis(300))
                    .await;
            },
        );
    });
    io.ns("/admin", |_socket| {})
        .middleware(|_req| async { Err(ConnectError::new("closed")) });
    io
}

#[tokio::test]
async fn events_broadcasts_rooms_acks_and_refusals_are_counted() {
    let io = app();
    let addr = start(&io).await;
    let (mut a, _) = ws_joined(addr).await;
    let (mut b, _) = ws_joined(addr).await;
    let fresh = namespace(&io, "/");
    assert_eq!(fresh.sockets, 2);
    assert_eq!(fresh.rooms, Some(0), "own rooms are not counted");
    assert_eq!(fresh.adapter_reconnects, None);
    assert_eq!(
        fresh.adapter_request_timeouts, None,
        "the in-memory adapter asks no other server"
    );

    for ws in [&mut a, &mut b] {
        ws.send(r#"42["join","lobby"]"#).await.unwrap();
        assert_eq!(next_text(ws).await, r#"42["joined"]"#);
    }
    a.send(r#"42["join","kitchen"]"#).await.unwrap();
    assert_eq!(next_text(&mut a).await, r#"42["joined"]"#);
    a.send(r#"42["shout","hi"]"#).await.unwrap();
    assert_eq!(next_text(&mut b).await, r#"42["shout","hi"]"#);
    let ns = namespace(&io, "/");
    assert_eq!(ns.rooms, Some(2));
    assert_eq!(ns.events_received, 4);
    assert_eq!(ns.events_emitted, 4, "3 joined and 1 broadcast");
    assert_eq!(ns.broadcasts, 1);

    // An acknowledgement left unanswered: pending, then timed out.
    a.send(r#"42["ask"]"#).await.unwrap();
    assert_eq!(next_text(&mut a).await, r#"420["question"]"#);
    eventually(|| namespace(&io, "/").acks_pending == 1).await;
    eventually(|| namespace(&io, "/").acks_timed_out == 1).await;
    assert_eq!(namespace(&io, "/").acks_pending, 0);

    // A broadcast with acknowledgements: one answers, the other does not.
    let asking = tokio::spawn({
        let io = io.clone();
        async move {
            io.timeout(Duration::from_millis(300))
                .emit_with_ack("vote", &())
                .await
                .unwrap()
        }
    });
    assert_eq!(next_text(&mut a).await, r#"421["vote"]"#);
    assert_eq!(next_text(&mut b).await, r#"421["vote"]"#);
    eventually(|| namespace(&io, "/").acks_pending == 2).await;
    a.send(r#"431["yes"]"#).await.unwrap();
    let answers = asking.await.unwrap();
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1);
    let ns = namespace(&io, "/");
    assert_eq!(ns.acks_pending, 0);
    assert_eq!(ns.acks_timed_out, 2);
    assert_eq!(ns.broadcasts, 2);
    assert_eq!(ns.events_emitted, 6);
    assert_eq!(ns.events_received, 5, "acknowledgements are not events");

    // Refusals: a middleware's, and an unknown namespace.
    a.send("40/admin,").await.unwrap();
    assert!(next_text(&mut a).await.starts_with("44/admin,"));
    a.send("40/nowhere,").await.unwrap();
    assert!(next_text(&mut a).await.starts_with("44/nowhere,"));
    let stats = io.stats();
    assert_eq!(stats.unknown_namespace_refusals, 1);
    assert_eq!(namespace(&io, "/admin").middleware_refusals, 1);
    assert_eq!(namespace(&io, "/").middleware_refusals, 0);

    // Leaving empties the rooms.
    drop((a, b));
    eventually(|| namespace(&io, "/").sockets == 0).await;
    eventually(|| namespace(&io, "/").rooms == Some(0)).await;
}

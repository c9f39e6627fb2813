//! Broadcast operators, and Node's `io` operations on the server handle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{eventually, next_text, start, ws_joined};
use wsio_server::{Config, Server, Socket};

fn server() -> Server {
    let io = Server::new(Config::default());
    io.ns("/", |_socket: Socket| {});
    io
}

/// The ack id of `asked`, an `ask` event with argument `"q"` after `prefix` (`42` and the
/// namespace).
fn asked_ack_id(asked: &str, prefix: &str) -> String {
    let id = asked
        .strip_prefix(prefix)
        .and_then(|rest| rest.split('[').next())
        .expect("ack id")
        .to_owned();
    assert_eq!(asked, format!(r#"{prefix}{id}["ask","q"]"#));
    id
}

#[tokio::test]
async fn the_server_handle_addresses_namespace_root_like_nodes_io() {
    let io = server();
    let addr = start(&io).await;
    let (mut a, a_id) = ws_joined(addr).await;
    let (mut b, _) = ws_joined(addr).await;

    io.within(a_id.as_str())
        .sockets_join("lobby")
        .await
        .unwrap();
    io.sockets_join(["everyone", "all"]).await.unwrap();
    io.to("lobby").emit("hi", &("lobby",)).await.unwrap();
    assert_eq!(next_text(&mut a).await, r#"42["hi","lobby"]"#);
    io.except("lobby").emit("hi", &("others",)).await.unwrap();
    assert_eq!(next_text(&mut b).await, r#"42["hi","others"]"#);
    io.local().emit("hi", &("local",)).await.unwrap();
    io.emit("hi", &("all",)).await.unwrap();
    assert_eq!(next_text(&mut a).await, r#"42["hi","local"]"#);
    assert_eq!(next_text(&mut a).await, r#"42["hi","all"]"#);
    assert_eq!(next_text(&mut b).await, r#"42["hi","local"]"#);
    assert_eq!(next_text(&mut b).await, r#"42["hi","all"]"#);

    assert_eq!(io.fetch_sockets().await.unwrap().len(), 2);
    assert_eq!(
        io.within(vec!["everyone"])
            .fetch_sockets()
            .await
            .unwrap()
            .len(),
        2
    );
    let in_lobby = io.within("lobby").fetch_sockets().await.unwrap();
    assert_eq!(in_lobby.len(), 1);
    assert_eq!(in_lobby[0].id.as_str(), a_id);

    io.sockets_leave("everyone").await.unwrap();
    assert!(io.to("everyone").fetch_sockets().await.unwrap().is_empty());

    io.to("lobby").disconnect_sockets(false).await.unwrap();
    assert_eq!(next_text(&mut a).await, "41");
    eventually(|| io.of("/").unwrap().sockets().len() == 1).await;
    io.disconnect_sockets(false).await.unwrap();
    assert_eq!(next_text(&mut b).await, "41");
}

#[tokio::test]
async fn without_namespace_root_the_server_handle_addresses_nobody() {
    let io = Server::new(Config::default());
    io.emit("hi", &()).await.unwrap();
    io.to("room").emit("hi", &()).await.unwrap();
    assert!(io.fetch_sockets().await.unwrap().is_empty());
    io.sockets_join("room").await.unwrap();
    assert!(io.of("/").is_none(), "nothing was declared");
}

#[tokio::test]
async fn rooms_are_given_one_or_several() {
    let io = server();
    let addr = start(&io).await;
    let (_ws, _) = ws_joined(addr).await;
    let socket = io.of("/").unwrap().sockets().pop().unwrap();
    let owned = String::from("owned");
    let listed = vec![String::from("v1"), String::from("v2")];
    socket.join("str").await.unwrap();
    socket.join(&owned).await.unwrap();
    socket.join(owned.clone()).await.unwrap();
    socket.join(["a1", "a2"]).await.unwrap();
    socket.join(&listed).await.unwrap();
    socket.join(&listed[..1]).await.unwrap();
    socket.join(listed.clone()).await.unwrap();
    socket.leave("a2").await.unwrap();
    let mut rooms = socket.rooms().await.unwrap();
    rooms.retain(|room| room != socket.id().as_str());
    rooms.sort();
    assert_eq!(rooms, ["a1", "owned", "str", "v1", "v2"]);
    let me = socket.within(socket.id()).fetch_sockets().await.unwrap();
    assert_eq!(me.len(), 1);
}

#[tokio::test]
async fn a_broadcast_with_acks_that_times_out_keeps_the_answers_that_came() {
    let io = server();
    let addr = start(&io).await;
    let (mut answering, _) = ws_joined(addr).await;
    let (mut silent, _) = ws_joined(addr).await;
    let asking = io.clone();
    let began = std::time::Instant::now();
    let answers = tokio::spawn(async move {
        asking
            .timeout(std::time::Duration::from_millis(300))
            .emit_with_ack("ask", &("q",))
            .await
    });
    let asked = next_text(&mut answering).await;
    let id = asked_ack_id(&asked, "42");
    answering
        .send(format!(r#"43{id}["yes"]"#))
        .await
        .expect("ack");
    assert_eq!(
        next_text(&mut silent).await,
        asked,
        "asked too, never answers"
    );
    let answers = answers.await.unwrap().unwrap();
    assert!(began.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(answers.len(), 2);
    let came: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(came, [&vec![event_proto::Value::from("yes")]]);
    assert!(
        answers
            .iter()
            .any(|a| matches!(a, Err(wsio_server::AckError::Timeout)))
    );
}

#[tokio::test]
async fn a_client_that_never_answers_broadcast_acks_does_not_make_its_socket_grow() {
    let io = server();
    let addr = start(&io).await;
    let (mut silent, sid) = ws_joined(addr).await;
    for _ in 0..200 {
        let answers = io
            .timeout(std::time::Duration::from_millis(1))
            .emit_with_ack("ask", &("q",))
            .await
            .unwrap();
        assert!(matches!(answers[..], [Err(wsio_server::AckError::Timeout)]));
    }
    // The client got every question and answered none.
    for _ in 0..200 {
        assert!(next_text(&mut silent).await.contains(r#"["ask","q"]"#));
    }
    let socket = io.of("/").unwrap().socket(&sid).expect("connected");
    assert!(
        socket.pending_acks() < 40,
        "{} ack slots held for 200 abandoned questions",
        socket.pending_acks()
    );
}

#[tokio::test]
async fn a_namespace_with_a_timeout_collects_the_acks_of_all_its_sockets() {
    let io = Server::new(Config::default());
    let chat = io.ns("/chat", |_socket: Socket| {});
    let addr = start(&io).await;
    let mut clients = Vec::new();
    for _ in 0..2 {
        let mut ws = common::ws(addr, None).await;
        assert!(next_text(&mut ws).await.starts_with('0'));
        ws.send("40/chat,").await.expect("connect");
        assert!(next_text(&mut ws).await.starts_with("40/chat,{"));
        clients.push(ws);
    }
    let asking = chat.clone();
    let answers = tokio::spawn(async move {
        asking
            .timeout(std::time::Duration::from_secs(5))
            .emit_with_ack("ask", &("q",))
            .await
    });
    for (n, ws) in clients.iter_mut().enumerate() {
        let id = asked_ack_id(&next_text(ws).await, "42/chat,");
        ws.send(format!(r#"43/chat,{id}[{n}]"#)).await.expect("ack");
    }
    let answers = answers.await.unwrap().unwrap();
    let mut came: Vec<_> = answers
        .into_iter()
        .map(|a| a.expect("answered in time"))
        .collect();
    came.sort_by_key(|args| args[0].as_u64());
    assert_eq!(
        came,
        [
            vec![event_proto::Value::from(0_u64)],
            vec![event_proto::Value::from(1_u64)]
        ]
    );
}

//! Handlers: plain and `async` ones, and the order rule: the part of a handler before its
//! first pending `.await` runs at once, in arrival order; the rest runs concurrently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{next_text, start, ws_joined};
use futures_util::FutureExt;
use wsio_server::{AckSender, Config, DisconnectReason, Server, Socket};

/// The room every ordered emit goes to.
const ROOM: &str = "ordered";

/// The number in a `42["<event>",n]` text, with its event name.
fn event_number(text: &str) -> (String, usize) {
    let v: serde_json::Value = serde_json::from_str(&text[2..]).expect("json");
    (
        v[0].as_str().expect("name").to_owned(),
        v[1].as_u64().expect("number") as usize,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn async_handlers_keep_the_order_of_what_they_do_before_waiting_and_overlap_after() {
    const EVENTS: usize = 1_000;
    const PAUSE: Duration = Duration::from_millis(50);
    let io = Server::new(Config::default());
    io.ns("/", |socket: Socket| {
        socket.on(
            "watch",
            |socket, _args: Vec<()>, ack: Option<AckSender>| async move {
                socket.join(ROOM).await.unwrap();
                if let Some(ack) = ack {
                    let _ = ack.send(&());
                }
            },
        );
        socket.on("go", |socket, (n,): (usize,), _ack| async move {
            socket.join(ROOM).await.unwrap();
            socket.within(ROOM).emit("seq", &(n,)).await.unwrap();
            tokio::time::sleep(PAUSE).await;
            let _ = socket.emit("done", &(n,));
        });
    });
    let addr = start(&io).await;
    let mut watchers = Vec::new();
    for _ in 0..2 {
        let (mut ws, _) = ws_joined(addr).await;
        ws.send(r#"421["watch"]"#).await.expect("send");
        assert_eq!(next_text(&mut ws).await, "431[]");
        watchers.push(tokio::spawn(async move {
            let mut seen = Vec::with_capacity(EVENTS);
            while seen.len() < EVENTS {
                let (name, n) = event_number(&next_text(&mut ws).await);
                assert_eq!(name, "seq");
                seen.push(n);
            }
            seen
        }));
    }
    let (mut sender, _) = ws_joined(addr).await;
    let began = Instant::now();
    for n in 0..EVENTS {
        sender.send(format!(r#"42["go",{n}]"#)).await.expect("send");
    }
    let (mut seq, mut done) = (Vec::new(), Vec::new());
    while seq.len() + done.len() < 2 * EVENTS {
        let (name, n) = event_number(&next_text(&mut sender).await);
        match name.as_str() {
            "seq" => seq.push(n),
            "done" => done.push(n),
            other => panic!("unexpected {other}"),
        }
    }
    let elapsed = began.elapsed();
    let in_order: Vec<usize> = (0..EVENTS).collect();
    assert_eq!(
        seq, in_order,
        "the sender saw the room's emits in arrival order"
    );
    for watcher in watchers {
        assert_eq!(
            watcher.await.unwrap(),
            in_order,
            "a watcher saw them in order"
        );
    }
    done.sort_unstable();
    assert_eq!(done, in_order, "every handler finished");
    println!("{EVENTS} handlers pausing {PAUSE:?} each: {elapsed:?} in all");
    assert!(
        elapsed < PAUSE * EVENTS as u32 / 10,
        "the handlers overlapped ({elapsed:?})"
    );
}

#[tokio::test]
async fn room_operations_of_the_in_memory_adapter_complete_without_waiting() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = Mutex::new(Some(tx));
    let io = Server::new(Config::default());
    io.ns("/", move |socket: Socket| {
        let ns = socket.namespace();
        let ready = [
            socket.join(ROOM).now_or_never().is_some(),
            socket.join(["a", "b"]).now_or_never().is_some(),
            socket.within(ROOM).emit("x", &()).now_or_never().is_some(),
            socket.to(ROOM).emit("x", &()).now_or_never().is_some(),
            socket.broadcast().emit("x", &()).now_or_never().is_some(),
            ns.to(ROOM).emit("x", &()).now_or_never().is_some(),
            ns.emit("x", &()).now_or_never().is_some(),
            socket.rooms().now_or_never().is_some(),
            socket.leave(["a"]).now_or_never().is_some(),
            ns.to(ROOM).sockets_join("c").now_or_never().is_some(),
            ns.to(ROOM).sockets_leave("c").now_or_never().is_some(),
            ns.to(ROOM).fetch_sockets().now_or_never().is_some(),
        ];
        if let Some(tx) = tx.lock().unwrap().take() {
            let _ = tx.send(ready);
        }
    });
    let addr = start(&io).await;
    let _ws = ws_joined(addr).await;
    let ready = rx.await.unwrap();
    assert!(
        ready.iter().all(|&r| r),
        "ready on the first poll: {ready:?}"
    );
}

#[tokio::test]
async fn connect_disconnect_and_server_side_handlers_may_be_async() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (c, d, e) = (log.clone(), log.clone(), log.clone());
    let io = Server::new(Config::default());
    io.ns("/", move |socket: Socket| {
        let (c, d, e) = (c.clone(), d.clone(), e.clone());
        async move {
            // Registered before the first wait: sees the first event.
            socket.on("hello", move |_socket, _args: Vec<()>, _ack| {
                e.lock().unwrap().push("hello".to_owned());
            });
            socket.on_disconnecting(|socket: Socket, _reason| async move {
                let _ = socket.leave(ROOM).await;
            });
            socket.on_disconnect(move |_socket, reason: DisconnectReason| async move {
                tokio::task::yield_now().await;
                d.lock()
                    .unwrap()
                    .push(format!("disconnect {}", reason.as_str()));
            });
            tokio::task::yield_now().await;
            c.lock().unwrap().push("connect".to_owned());
        }
    })
    .on_server_side("ping", |_args, ack| async move {
        tokio::task::yield_now().await;
        if let Some(ack) = ack {
            let _ = ack.send(&("pong",));
        }
    });
    let addr = start(&io).await;
    let (mut ws, _) = ws_joined(addr).await;
    ws.send(r#"42["hello"]"#).await.expect("send");
    common::eventually(|| log.lock().unwrap().len() == 2).await;
    ws.send("41").await.expect("leave");
    common::eventually(|| log.lock().unwrap().len() == 3).await;
    let mut seen = log.lock().unwrap().clone();
    seen[..2].sort();
    assert_eq!(
        seen,
        ["connect", "hello", "disconnect client namespace disconnect"]
    );
}

#[tokio::test]
async fn plain_handlers_whose_body_never_returns_still_register() {
    let io = Server::new(Config::default());
    let ns = io.ns("/", |_socket| {});
    ns.on_server_side("never", |_args, _ack| panic!("not emitted here"));
    ns.on_server_side("plain", |_args, _ack| {});
}

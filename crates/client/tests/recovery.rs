//! Connection state recovery against a wsio server with it on: the same socket id, rooms and
//! data after a dropped transport, every missed event once and in order before the connect
//! handlers, and a fresh session when the gap is too old or the namespace was left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{Inbox, WAIT};
use serde_json::{Value as Json, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wsio_client::{Client, DisconnectReason, Reconnection, Transports};
use wsio_server::{AckSender, Config, RecoveryConfig, Server, Socket as ServerSocket};

/// A wsio server whose namespace `/` hands every joined socket to the test, sets the data of
/// fresh ones, and answers `join` (a room) with an ack once joined.
struct RecoveryServer {
    io: Server,
    addr: SocketAddr,
    sockets: Arc<Inbox<ServerSocket>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RecoveryServer {
    async fn start(recovery: Option<RecoveryConfig>) -> RecoveryServer {
        let io = Server::new(Config {
            connection_state_recovery: recovery,
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(2000),
            ..Config::default()
        });
        let sockets = Inbox::new();
        let s = sockets.clone();
        io.ns("/", move |socket| {
            if !socket.recovered() {
                socket.set_data(&json!({"user": "ada"})).unwrap();
            }
            socket.on(
                "join",
                |socket: ServerSocket, (room,): (String,), ack: Option<AckSender>| {
                    tokio::spawn(async move {
                        socket.join([room]).await.unwrap();
                        if let Some(ack) = ack {
                            ack.send(&()).unwrap();
                        }
                    });
                },
            );
            s.push(socket);
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let serving = io.clone();
        let task = tokio::spawn(async move {
            let _ = serving
                .serve(listener, async {
                    let _ = rx.await;
                })
                .await;
        });
        RecoveryServer {
            io,
            addr,
            sockets,
            stop: Some(tx),
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Emits `event` with `(n,)` to the sockets in `room` (a socket id addresses one socket,
    /// connected or not).
    async fn to(&self, room: &str, event: &str, n: u32) {
        let ns = self.io.of("/").expect("namespace /");
        ns.to([room]).emit(event, &(n,)).await.unwrap();
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(WAIT, &mut self.task).await;
    }
}

/// What the client saw, in order: `event:n` per event and `connect:<recovered>` per join.
struct Seen {
    log: Arc<Inbox<String>>,
    reasons: Arc<Inbox<DisconnectReason>>,
    offsets: Arc<Inbox<String>>,
}

impl Seen {
    /// The next `count` log entries.
    async fn next(&self, count: usize) -> Vec<String> {
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(self.log.next().await);
        }
        out
    }
}

/// A client of `url` whose events `direct` and `room` take `(n, offset)`, with a reconnection
/// delay long enough for the test to emit while it is away.
async fn client(url: &str, transports: Transports) -> (Client, Seen) {
    let log = Inbox::new();
    let reasons = Inbox::new();
    let offsets = Inbox::new();
    let (l1, l2, l3, r, o1, o2) = (
        log.clone(),
        log.clone(),
        log.clone(),
        reasons.clone(),
        offsets.clone(),
        offsets.clone(),
    );
    let client = Client::builder(url)
        .transports(transports)
        .reconnection(Reconnection {
            initial_delay: Duration::from_millis(400),
            max_delay: Duration::from_millis(400),
            randomization_factor: 0.0,
            ..Reconnection::default()
        })
        .auth(|_| Some(json!({"token": "t"})))
        .on("direct", move |_s, (n, offset): (u32, String), _ack| {
            o1.push(offset);
            l1.push(format!("direct:{n}"));
        })
        .on("room", move |_s, (n, offset): (u32, String), _ack| {
            o2.push(offset);
            l2.push(format!("room:{n}"));
        })
        .on("ask", |_s, (word,): (String,), ack| {
            if let Some(ack) = ack {
                ack.send(&(word,)).unwrap();
            }
        })
        .on_connect(move |s| l3.push(format!("connect:{}", s.recovered())))
        .on_disconnect(move |_s, reason| r.push(reason))
        .connect()
        .await
        .unwrap();
    let seen = Seen {
        log,
        reasons,
        offsets,
    };
    (client, seen)
}

/// The `auth` payload the socket joined with.
fn auth_of(socket: &ServerSocket) -> Json {
    serde_json::to_value(socket.auth()).unwrap()
}

async fn rooms(socket: &ServerSocket) -> Vec<String> {
    let mut rooms: Vec<String> = socket
        .rooms()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.to_string())
        .collect();
    rooms.sort();
    rooms
}

/// Connects, joins `room`, and receives a direct event and a room event; returns the
/// server's socket.
async fn joined(server: &RecoveryServer, client: &Client, seen: &Seen) -> ServerSocket {
    let socket = server.sockets.next().await;
    assert_eq!(seen.next(1).await, ["connect:false"]);
    assert!(!client.main().recovered());
    assert!(!socket.recovered());
    client
        .emit_with_ack::<_, Vec<Json>>("join", &("room",), WAIT)
        .await
        .unwrap();
    socket.emit("direct", &(1u32,)).unwrap();
    server.to("room", "room", 2).await;
    assert_eq!(seen.next(2).await, ["direct:1", "room:2"]);
    socket
}

async fn recovers(transports: Transports) {
    let server = RecoveryServer::start(Some(RecoveryConfig::default())).await;
    let (client, seen) = client(&server.url(), transports).await;
    let socket = joined(&server, &client, &seen).await;
    let sid = socket.id().to_string();
    assert_eq!(client.main().id().as_deref(), Some(sid.as_str()));
    // An event with an ack id carries no offset: its string argument must not become one.
    let answer: Vec<Json> = socket
        .emit_with_ack("ask", &("not-an-offset",), WAIT)
        .await
        .unwrap();
    assert_eq!(answer, [json!("not-an-offset")]);
    let first_offsets = [seen.offsets.next().await, seen.offsets.next().await];
    assert_ne!(first_offsets[0], first_offsets[1]);

    socket.close_connection();
    let reason = seen.reasons.next().await;
    assert!(reason.will_reconnect(), "{reason:?}");
    // Missed while away: to the room, to the socket alone, and elsewhere (not for it).
    server.to("room", "room", 3).await;
    server.to(&sid, "direct", 4).await;
    server.to("elsewhere", "room", 99).await;
    server.to("room", "room", 5).await;

    let again = server.sockets.next().await;
    assert_eq!(
        seen.next(4).await,
        ["room:3", "direct:4", "room:5", "connect:true"],
        "missed events once, in order, before the join"
    );
    assert!(client.main().recovered());
    assert!(again.recovered());
    assert_eq!(again.id().as_str(), sid);
    assert_eq!(client.main().id().as_deref(), Some(sid.as_str()));
    assert_eq!(again.data::<Json>(), Some(json!({"user": "ada"})));
    assert_eq!(rooms(&again).await, {
        let mut expected = vec!["room".to_owned(), sid.clone()];
        expected.sort();
        expected
    });
    // The reconnection's auth: the user's payload plus the session and the last offset.
    let auth = auth_of(&again);
    assert_eq!(auth["token"], "t");
    assert_eq!(auth["pid"].as_str(), socket.pid());
    assert_eq!(auth["offset"].as_str(), Some(first_offsets[1].as_str()));

    // Live traffic goes on, and nothing is delivered twice.
    server.to("room", "room", 6).await;
    again.emit("direct", &(7u32,)).unwrap();
    assert_eq!(seen.next(2).await, ["room:6", "direct:7"]);
    assert!(seen.log.quiet(Duration::from_millis(300)).await);

    // A second drop recovers from the newest offset.
    again.close_connection();
    seen.reasons.next().await;
    server.to("room", "room", 8).await;
    assert_eq!(seen.next(2).await, ["room:8", "connect:true"]);
    let third = server.sockets.next().await;
    assert!(third.recovered());
    assert_eq!(third.id().as_str(), sid);
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn recovers_over_websocket() {
    recovers(Transports::WebSocket).await;
}

#[tokio::test]
async fn recovers_over_polling() {
    recovers(Transports::Polling).await;
}

#[tokio::test]
async fn recovers_after_upgrade() {
    recovers(Transports::PollingThenUpgrade).await;
}

/// After a drop and `missed` emits to the room, the client gets a fresh session: a new id,
/// no rooms but its own, fresh data, nothing replayed.
async fn starts_fresh(recovery: RecoveryConfig, missed: u32) {
    let server = RecoveryServer::start(Some(recovery)).await;
    let (client, seen) = client(&server.url(), Transports::WebSocket).await;
    let socket = joined(&server, &client, &seen).await;
    socket.set_data(&json!({"user": "changed"})).unwrap();
    socket.close_connection();
    seen.reasons.next().await;
    for n in 0..missed {
        server.to("room", "room", 10 + n).await;
    }
    let again = server.sockets.next().await;
    assert_eq!(seen.next(1).await, ["connect:false"]);
    assert!(!client.main().recovered());
    assert!(!again.recovered());
    assert_ne!(again.id(), socket.id());
    assert_ne!(again.pid(), socket.pid());
    assert_eq!(client.main().id().as_deref(), Some(again.id().as_str()));
    assert_eq!(again.data::<Json>(), Some(json!({"user": "ada"})));
    assert_eq!(rooms(&again).await, [again.id().to_string()]);
    assert!(
        seen.log.quiet(Duration::from_millis(300)).await,
        "no replay"
    );
    // The fresh session recovers in turn.
    again.emit("direct", &(20u32,)).unwrap();
    assert_eq!(seen.next(1).await, ["direct:20"]);
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn a_gap_longer_than_the_limit_starts_fresh() {
    // The client comes back after 400 ms.
    let recovery = RecoveryConfig {
        max_disconnection_duration: Duration::from_millis(100),
        ..RecoveryConfig::default()
    };
    starts_fresh(recovery, 1).await;
}

#[tokio::test]
async fn a_trimmed_packet_log_starts_fresh() {
    let recovery = RecoveryConfig {
        max_packets: 1,
        ..RecoveryConfig::default()
    };
    // The client's last offset is pushed out of the log.
    starts_fresh(recovery, 2).await;
}

#[tokio::test]
async fn leaving_the_namespace_is_not_recoverable() {
    let server = RecoveryServer::start(Some(RecoveryConfig::default())).await;
    let (client, seen) = client(&server.url(), Transports::WebSocket).await;
    let socket = joined(&server, &client, &seen).await;

    // The client leaves (`client namespace disconnect`), then joins again.
    client.main().disconnect().unwrap();
    assert_eq!(
        seen.reasons.next().await,
        DisconnectReason::IoClientDisconnect
    );
    server.to("room", "room", 3).await;
    client.main().connect().unwrap();
    let again = server.sockets.next().await;
    assert_eq!(seen.next(1).await, ["connect:false"]);
    assert!(!again.recovered());
    assert_ne!(again.id(), socket.id());
    // A namespace left is not recoverable: the client forgot the session.
    assert_eq!(auth_of(&again), json!({"token": "t"}));

    // The server makes it leave (`server namespace disconnect`).
    again.emit("direct", &(4u32,)).unwrap();
    assert_eq!(seen.next(1).await, ["direct:4"]);
    again.disconnect().unwrap();
    assert_eq!(
        seen.reasons.next().await,
        DisconnectReason::IoServerDisconnect
    );
    server.to(again.id().as_str(), "direct", 5).await;
    client.main().connect().unwrap();
    let third = server.sockets.next().await;
    assert_eq!(seen.next(1).await, ["connect:false"]);
    assert!(!third.recovered());
    assert_ne!(third.id(), again.id());
    assert!(
        seen.log.quiet(Duration::from_millis(300)).await,
        "no replay"
    );
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn without_an_offset_only_the_pid_is_sent() {
    let server = RecoveryServer::start(Some(RecoveryConfig::default())).await;
    let (client, seen) = client(&server.url(), Transports::WebSocket).await;
    let socket = server.sockets.next().await;
    assert_eq!(seen.next(1).await, ["connect:false"]);
    // No event yet: the client has no offset to recover from.
    socket.close_connection();
    seen.reasons.next().await;
    let again = server.sockets.next().await;
    assert_eq!(seen.next(1).await, ["connect:false"]);
    assert!(!again.recovered());
    assert_ne!(again.id(), socket.id());
    let auth = auth_of(&again);
    assert_eq!(auth, json!({"pid": socket.pid().unwrap(), "token": "t"}));
    client.disconnect().await;
    server.stop().await;
}

#[tokio::test]
async fn a_server_without_recovery_gets_the_plain_auth() {
    let server = RecoveryServer::start(None).await;
    let plain = Inbox::new();
    let p = plain.clone();
    let reasons = Inbox::new();
    let r = reasons.clone();
    let client = Client::builder(server.url())
        .transports(Transports::WebSocket)
        .reconnection(common::fast_reconnection())
        .auth(|_| Some(json!({"token": "t"})))
        .on("direct", move |_s, (n,): (u32,), _ack| p.push(n))
        .on_disconnect(move |_s, reason| r.push(reason))
        .connect()
        .await
        .unwrap();
    let socket = server.sockets.next().await;
    assert_eq!(socket.pid(), None);
    // No offset is appended: a handler without one gets the event.
    socket.emit("direct", &(1u32,)).unwrap();
    assert_eq!(plain.next().await, 1);
    socket.close_connection();
    reasons.next().await;
    let again = server.sockets.next().await;
    assert!(!again.recovered());
    assert!(!client.main().recovered());
    assert_eq!(auth_of(&again), json!({"token": "t"}));
    client.disconnect().await;
    server.stop().await;
}

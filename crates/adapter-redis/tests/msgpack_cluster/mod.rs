//! Two wsio servers on the MessagePack parser sharing one Redis server through a cluster
//! adapter, with wsio-client clients on the MessagePack parser too. Used by the MessagePack
//! tests of this crate (the classic adapter) and of wsio-adapter-redis-streams (the Streams
//! and sharded adapters), so every adapter family runs the same checks. Next to the
//! `common` module of wsio-adapter-redis-streams' tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_proto::{AnyParser, Value};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wsio_client::{Client, Reconnection, Transports};
use wsio_server::{AckSender, AdapterFactory, Config, Namespace, RecoveryConfig, Server, Socket};

use crate::common::{Events, Inbox, WAIT, join, no_reconnection, until_count};

/// A wsio server on a loopback port and the MessagePack parser, whose namespace `/` uses
/// `adapter`. A client's `shout` goes to every other socket of the cluster with its
/// arguments; `join` joins a room and answers; the server answers a server-side `ping`.
pub struct MsgPackNode {
    pub ns: Namespace,
    pub addr: SocketAddr,
    pub sockets: Arc<Inbox<Socket>>,
    io: Server,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MsgPackNode {
    pub async fn start(
        adapter: AdapterFactory,
        name: &'static str,
        recovery: Option<RecoveryConfig>,
    ) -> MsgPackNode {
        let io = Server::new(Config {
            adapter: Some(adapter),
            parser: AnyParser::MsgPack,
            connection_state_recovery: recovery,
            ping_interval: Duration::from_millis(300),
            ping_timeout: Duration::from_millis(2000),
            ..Config::default()
        });
        let sockets = Inbox::new();
        let s = sockets.clone();
        let ns = io.ns("/", move |socket| {
            if !socket.recovered() {
                socket.set_data(&json!({"node": name})).unwrap();
            }
            socket.on(
                "join",
                |socket: Socket, (room,): (String,), ack: Option<AckSender>| {
                    tokio::spawn(async move {
                        socket.join([room]).await.unwrap();
                        if let Some(ack) = ack {
                            ack.send(&()).unwrap();
                        }
                    });
                },
            );
            socket.on_any(|socket: Socket, event: String, args: Vec<Value>| {
                if event == "shout" {
                    tokio::spawn(async move {
                        socket.broadcast().emit("shout", &args).await.unwrap();
                    });
                }
            });
            s.push(socket);
        });
        ns.on_server_side("ping", move |args, ack| {
            let arg = args.first().and_then(Value::as_str).unwrap_or("");
            if let Some(ack) = ack {
                let _ = ack.send(&(format!("{name}:{arg}"),));
            }
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
        MsgPackNode {
            ns,
            addr,
            sockets,
            io,
            stop: Some(tx),
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(WAIT, &mut self.task).await;
        drop(self.io);
    }
}

/// A WebSocket client of `url` on the MessagePack parser logging every event and whether
/// each connection was a recovery.
pub async fn msgpack_client(
    url: &str,
    reconnection: Reconnection,
) -> (Client, Events, Arc<Inbox<bool>>) {
    let events: Events = Inbox::new();
    let connects = Inbox::new();
    let (e, c) = (events.clone(), connects.clone());
    let client = Client::builder(url)
        .parser(AnyParser::MsgPack)
        .transports(Transports::WebSocket)
        .reconnection(reconnection)
        .on_any(move |_s, name, args| e.push((name.to_owned(), args.to_vec())))
        .on_connect(move |s| c.push(s.recovered()))
        .connect()
        .await
        .expect("client connects");
    assert!(!connects.next().await);
    (client, events, connects)
}

/// A client's binary argument carried to a client of the other server, a room broadcast,
/// `fetch_sockets` and a server-side emit with an answer, between two MessagePack servers
/// built from `a` and `b`.
pub async fn msgpack_crosses_the_cluster(a: AdapterFactory, b: AdapterFactory) {
    let a = MsgPackNode::start(a, "a", None).await;
    let b = MsgPackNode::start(b, "b", None).await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    let (ca, ea, _) = msgpack_client(&a.url(), no_reconnection()).await;
    let (cb, eb, _) = msgpack_client(&b.url(), no_reconnection()).await;
    let on_b = b.sockets.next().await;

    // A client's binary argument reaches the other server's client as bytes.
    let bin = Value::Binary(bytes::Bytes::from_static(&[0, 1, 2, 0xc1, 0xff]));
    ca.emit("shout", &("from-a", &bin, 7)).unwrap();
    assert_eq!(
        eb.next().await,
        (
            "shout".to_owned(),
            vec![Value::from("from-a"), bin.clone(), Value::from(json!(7))]
        )
    );
    assert!(ea.quiet(Duration::from_millis(200)).await, "not to itself");

    // A room broadcast from A reaches the member on B only.
    join(&cb, "red").await;
    a.ns.to(["red"]).emit("news", &("red", &bin)).await.unwrap();
    assert_eq!(
        eb.next().await,
        ("news".to_owned(), vec![Value::from("red"), bin.clone()])
    );
    assert!(ea.quiet(Duration::from_millis(200)).await);

    // fetch_sockets from A sees B's socket with its data and room.
    let remote = a.ns.to(["red"]).fetch_sockets().await.unwrap();
    assert_eq!(remote.len(), 1);
    assert_eq!(remote[0].id, *on_b.id());
    assert!(remote[0].local().is_none());
    assert_eq!(remote[0].data.get("node"), Some(&Value::from("b")));

    // A server-side emit answered by B.
    let answers =
        a.ns.server_side_emit_with_ack("ping", &("x",), WAIT)
            .await
            .unwrap();
    assert_eq!(answers, [Value::from("b:x")]);
    ca.disconnect().await;
    cb.disconnect().await;
    a.stop().await;
    b.stop().await;
}

/// A TCP relay to a server whose target can change; `cut` closes the live connections.
pub struct Relay {
    pub addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    live: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Relay {
    pub async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let upstream = Arc::new(Mutex::new(upstream));
        let live = Arc::new(Mutex::new(Vec::new()));
        let (u, l) = (upstream.clone(), live.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = *u.lock().unwrap();
                l.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Relay {
            addr,
            upstream,
            live,
            accept,
        }
    }

    /// Closes every live connection; the next ones go to `upstream`.
    pub fn cut_to(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap() = upstream;
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.accept.abort();
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

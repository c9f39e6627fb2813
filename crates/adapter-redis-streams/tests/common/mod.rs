//! What the Redis-backed tests share: wsio servers on loopback ports whose namespace `/`
//! uses a cluster adapter, wsio-client clients that log what they get, and a private
//! `redis-server` that can be stopped and started again.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use event_proto::Value;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use wsio_client::{Client, Reconnection, Transports};
use wsio_server::{AckSender, AdapterFactory, Config, Namespace, RecoveryConfig, Server, Socket};

pub const WAIT: Duration = Duration::from_secs(10);

pub fn redis_url() -> Option<String> {
    let url = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        println!("WSIO_REDIS_URL is not set: skipped (cargo xtask test sets it)");
    }
    url
}

/// Values sent from handlers; `next` waits for one.
pub struct Inbox<T>(
    pub tokio::sync::Mutex<mpsc::UnboundedReceiver<T>>,
    pub mpsc::UnboundedSender<T>,
);

impl<T: Send + 'static> Inbox<T> {
    pub fn new() -> Arc<Inbox<T>> {
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Inbox(tokio::sync::Mutex::new(rx), tx))
    }

    pub fn push(&self, value: T) {
        let _ = self.1.send(value);
    }

    pub async fn next(&self) -> T {
        tokio::time::timeout(WAIT, self.0.lock().await.recv())
            .await
            .expect("in time")
            .expect("open")
    }

    pub async fn quiet(&self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.0.lock().await.recv())
            .await
            .is_err()
    }
}

/// A wsio server on a loopback port whose namespace `/` uses the Streams adapter.
pub struct Node {
    pub io: Server,
    pub ns: Namespace,
    pub addr: SocketAddr,
    pub sockets: Arc<Inbox<Socket>>,
    pub notes: Arc<Inbox<Vec<Value>>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Node {
    pub async fn start(
        adapter: AdapterFactory,
        name: &'static str,
        recovery: Option<RecoveryConfig>,
    ) -> Node {
        let io = Server::new(Config {
            adapter: Some(adapter),
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
            s.push(socket);
        });
        ns.on_server_side("ping", move |args, ack| {
            let arg = args
                .first()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if let Some(ack) = ack {
                let _ = ack.send(&(format!("{name}:{arg}"),));
            }
        });
        let notes = Inbox::new();
        let n = notes.clone();
        ns.on_server_side("note", move |args, _ack| n.push(args));
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
        Node {
            io,
            ns,
            addr,
            sockets,
            notes,
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

/// Waits until `ns` counts `count` servers (subscriptions are made in the background).
pub async fn until_count(ns: &Namespace, count: usize) {
    for _ in 0..250 {
        if ns.server_count().await.ok() == Some(count) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server count never reached {count}");
}

pub type Events = Arc<Inbox<(String, Vec<Value>)>>;

/// A WebSocket client of `url` logging every event; it answers `ask` with its argument.
pub async fn client(url: &str, reconnection: Reconnection) -> (Client, Events, Arc<Inbox<bool>>) {
    let events: Events = Inbox::new();
    let connects = Inbox::new();
    let (e, c) = (events.clone(), connects.clone());
    let client = Client::builder(url)
        .transports(Transports::WebSocket)
        .reconnection(reconnection)
        .on_any(move |_s, name, args| e.push((name.to_owned(), args.to_vec())))
        .on("ask", |_s, (word,): (String,), ack| {
            if let Some(ack) = ack {
                ack.send(&(format!("ack:{word}"),)).unwrap();
            }
        })
        .on_connect(move |s| c.push(s.recovered()))
        .connect()
        .await
        .expect("client connects");
    assert!(!connects.next().await);
    (client, events, connects)
}

pub fn no_reconnection() -> Reconnection {
    Reconnection {
        enabled: false,
        ..Reconnection::default()
    }
}

pub async fn join(client: &Client, room: &str) {
    client
        .emit_with_ack::<_, Vec<serde_json::Value>>("join", &(room,), WAIT)
        .await
        .expect("joined");
}

/// loopback port, so that it can be stopped and started again.
pub struct PrivateRedis {
    program: String,
    library_path: Option<String>,
    port: u16,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    pub fn find() -> Option<PrivateRedis> {
        let program = std::env::var("WSIO_REDIS_SERVER")
            .ok()
            .filter(|p| !p.is_empty());
        if program.is_none() {
            println!("WSIO_REDIS_SERVER is not set: skipped (cargo xtask test sets it)");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ok()?
            .port();
        Some(PrivateRedis {
            program: program?,
            library_path: std::env::var("WSIO_REDIS_LD_LIBRARY_PATH").ok(),
            port,
            child: None,
        })
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub async fn start(&mut self) {
        let mut command = std::process::Command::new(&self.program);
        if let Some(path) = &self.library_path {
            command.env("LD_LIBRARY_PATH", path);
        }
        let child = command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("redis-server did not listen");
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Signals exactly the process this test started.
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

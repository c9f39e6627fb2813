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
    /// The status of the adapter's subscriber connection, when the test asked for it.
    pub subscriber: Option<wsio_adapter_redis::SubscriberStatus>,
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
            subscriber: None,
            stop: Some(tx),
            task,
        }
    }

    /// This node, remembering `status` as its subscriber's.
    pub fn watching(mut self, status: wsio_adapter_redis::SubscriberStatus) -> Node {
        self.subscriber = Some(status);
        self
    }

    /// The status of the adapter's subscriber connection.
    pub fn subscriber(&self) -> &wsio_adapter_redis::SubscriberStatus {
        self.subscriber
            .as_ref()
            .expect("a node watching its subscriber")
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// With one other node that never answers (requests timeout 300 ms): a fetch and a
    /// server-side emit with acks both time out, and each counts as an adapter request
    /// timeout.
    pub async fn asks_a_silent_node(&self) {
        until_count(&self.ns, 2).await;
        assert_eq!(self.request_timeouts(), Some(0));
        assert!(self.ns.broadcast().fetch_sockets().await.is_err());
        assert_eq!(self.request_timeouts(), Some(1));
        let error = self
            .ns
            .server_side_emit_with_ack("ping", &("x",), Duration::from_millis(300))
            .await
            .expect_err("no answer");
        assert!(error.is_timeout());
        assert_eq!(self.request_timeouts(), Some(2));
    }

    /// The adapter request timeouts this server reports for namespace `/`.
    pub fn request_timeouts(&self) -> Option<u64> {
        self.io
            .stats()
            .namespaces
            .into_iter()
            .find(|ns| ns.name == "/")
            .expect("namespace /")
            .adapter_request_timeouts
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

/// Numbered messages as one receiver got them: for each series (an event name and a
/// sender), the numbers in arrival order.
#[derive(Debug, Default)]
pub struct Tally(std::collections::BTreeMap<(String, String), Vec<u64>>);

/// How a series of numbered messages arrived, against the `sent` numbers `0..sent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub sent: u64,
    pub received: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub out_of_order: u64,
}

impl Count {
    pub fn perfect(&self) -> bool {
        self.received == self.sent
            && self.lost == 0
            && self.duplicated == 0
            && self.out_of_order == 0
    }
}

impl Tally {
    /// Records `args` of event `name` when they are `[sender, number]`; false otherwise.
    pub fn record(&mut self, name: &str, args: &[Value]) -> bool {
        let [Value::String(sender), Value::Number(n)] = args else {
            return false;
        };
        let Some(n) = n.as_u64() else { return false };
        self.0
            .entry((name.to_owned(), sender.clone()))
            .or_default()
            .push(n);
        true
    }

    /// Records everything `events` got until it has been quiet for `quiet`; returns what
    /// was not a numbered message.
    pub async fn drain(&mut self, events: &Events, quiet: Duration) -> Vec<(String, Vec<Value>)> {
        let mut other = Vec::new();
        let mut rx = events.0.lock().await;
        while let Ok(Some((name, args))) = tokio::time::timeout(quiet, rx.recv()).await {
            if !self.record(&name, &args) {
                other.push((name, args));
            }
        }
        other
    }

    /// The series of event `name` from `sender`, against `0..sent`.
    pub fn count(&self, name: &str, sender: &str, sent: u64) -> Count {
        let empty = Vec::new();
        let got = self
            .0
            .get(&(name.to_owned(), sender.to_owned()))
            .unwrap_or(&empty);
        let distinct: std::collections::BTreeSet<u64> =
            got.iter().copied().filter(|n| *n < sent).collect();
        let distinct = distinct.len() as u64;
        Count {
            sent,
            received: got.len() as u64,
            lost: sent - distinct,
            duplicated: got.len() as u64 - distinct,
            out_of_order: got.windows(2).filter(|w| w[1] < w[0]).count() as u64,
        }
    }

    /// Every series recorded, by event name and sender.
    pub fn series(&self) -> Vec<(String, String)> {
        self.0.keys().cloned().collect()
    }
}

/// Kills, on the Redis server at `url`, every connection holding a subscription (plain,
/// pattern or sharded), as a network failure would cut them; returns how many.
pub async fn kill_subscribers(url: &str) -> usize {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut killed = 0;
    for line in list.lines() {
        let field = |name: &str| {
            line.split(' ')
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .unwrap_or("0")
                .to_owned()
        };
        let subscribed = ["sub", "psub", "ssub"]
            .iter()
            .any(|name| field(name).parse::<u64>().unwrap_or(0) > 0);
        if subscribed {
            let _: redis::Value = redis::cmd("CLIENT")
                .arg("KILL")
                .arg("ID")
                .arg(field("id"))
                .query_async(&mut conn)
                .await
                .unwrap();
            killed += 1;
        }
    }
    killed
}

/// A private `redis-server`, started, when the tests have one (`WSIO_REDIS_URL` and
/// `WSIO_REDIS_SERVER` set).
pub async fn started_private_redis() -> Option<PrivateRedis> {
    redis_url()?;
    let mut redis = PrivateRedis::find()?;
    redis.start().await;
    Some(redis)
}

/// Cuts the subscriber connections on the Redis server at `url`, one per node of `nodes`,
/// and waits until each node has subscribed again, its `reconnects`-th time.
pub async fn cut_subscribers(url: &str, nodes: &[&Node], reconnects: u64) {
    assert_eq!(kill_subscribers(url).await, nodes.len());
    for node in nodes {
        until_status(
            node.subscriber(),
            wsio_adapter_redis::SubscriberState::Connected,
            reconnects,
        )
        .await;
    }
}

/// `asker` asks the other server (named `answerer`) a `ping` and gets its answer.
pub async fn ping_answered(asker: &Node, answerer: &str) {
    let answers = asker
        .ns
        .server_side_emit_with_ack("ping", &("z",), WAIT)
        .await
        .unwrap();
    assert_eq!(answers, [Value::from(format!("{answerer}:z"))]);
}

/// A note from `from` (named `sender`) reaches `to` at the first try.
pub async fn note_crosses(from: &Node, to: &Node, sender: &str) {
    from.ns.server_side_emit("note", &(sender,)).await.unwrap();
    assert_eq!(to.notes.next().await, [Value::from(sender)]);
}

/// Waits until `status` reads `state` after `reconnects` reconnections.
pub async fn until_status(
    status: &wsio_adapter_redis::SubscriberStatus,
    state: wsio_adapter_redis::SubscriberState,
    reconnects: u64,
) {
    for _ in 0..500 {
        if status.state() == state && status.reconnects() == reconnects {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "subscriber never reached {state:?} after {reconnects} reconnections: {:?} after {}",
        status.state(),
        status.reconnects()
    );
}

//! Instrumented servers sharing a Redis server (`WSIO_REDIS_URL`, which `cargo xtask test`
//! sets): two wsio servers through wsio-adapter-redis, the observer wrapping the cluster
//! adapter, then a wsio server and Node's socket.io with the official instrumentation and
//! @socket.io/redis-adapter (`interop/admin-ui/node-server.js`). A UI connected to one server
//! sees the other's stats, sockets and live events, and its actions reach the other's
//! sockets. Without `WSIO_REDIS_URL` (or, for the mixed cluster, Node and the npm packages of
//! `interop/admin-ui`) a test passes after printing a notice.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Events, no_reconnection, recording};
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
use wsio_admin_ui::{AdminUiOptions, Observer};
use wsio_client::{Client, DisconnectReason};
use wsio_server::{Config, Server};

const WAIT: Duration = Duration::from_secs(10);

/// An instrumented server named `name` on the Redis cluster of `url` under channel prefix
/// `key`; returns its URL.
async fn node(url: &str, key: &str, name: &str) -> (String, Server, RedisCluster) {
    let cluster = RedisCluster::connect(
        url,
        RedisAdapterConfig {
            key: key.to_owned(),
            requests_timeout: Duration::from_secs(2),
            ..RedisAdapterConfig::default()
        },
    )
    .await
    .expect("Redis");
    let observer = Observer::new();
    let mut config = Config {
        adapter: Some(cluster.factory()),
        ..Config::default()
    };
    observer.install(&mut config);
    let io = Server::new(config);
    io.ns("/", |_socket| {});
    let server = io.clone();
    wsio_admin_ui::instrument(
        &io,
        AdminUiOptions {
            observer: Some(observer),
            server_id: Some(name.to_owned()),
            stats_interval: Duration::from_millis(200),
            ..AdminUiOptions::default()
        },
    )
    .expect("instrument");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { io.serve(listener, std::future::pending()).await });
    (format!("http://{addr}"), server, cluster)
}

/// Waits until the namespaces `/` and `/admin` of `io` see `count` servers (the adapter
/// subscribes in the background).
async fn until_servers(io: &Server, count: usize) {
    for name in ["/", "/admin"] {
        let ns = io.of(name).expect("namespace");
        let mut seen = 0;
        for _ in 0..200 {
            seen = ns.server_count().await.unwrap_or(0);
            if seen == count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(seen, count, "servers seen by {name}");
    }
}

/// The Redis server's URL, or `None` after printing why the test is skipped.
fn redis_url() -> Option<String> {
    let url = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        println!("WSIO_REDIS_URL is not set: skipped (cargo xtask test sets it)");
    }
    url
}

/// A client of the admin namespace of the server at `url`, and the events it receives.
async fn admin(url: &str) -> (Client, Events) {
    let (builder, events) = recording(Client::builder(format!("{url}/admin")));
    let client = builder
        .connect()
        .await
        .unwrap_or_else(|e| panic!("admin of {url}: {e}"));
    (client, events)
}

/// A user of `/` on the server at `url`: its client, socket id, and disconnect reasons.
async fn user(url: &str) -> (Client, String, mpsc::UnboundedReceiver<DisconnectReason>) {
    let (tx, reasons) = mpsc::unbounded_channel();
    let client = Client::builder(format!("{url}/"))
        .reconnection(no_reconnection())
        .on_disconnect(move |_s, reason| {
            let _ = tx.send(reason);
        })
        .connect()
        .await
        .unwrap_or_else(|e| panic!("user of {url}: {e}"));
    let id = client.main().id().expect("id");
    (client, id, reasons)
}

/// Sends the UI's `_disconnect` of socket `id` of `/` to `admin`, and checks that the user
/// whose disconnect `reasons` are given hears `io server disconnect`.
async fn disconnect(
    admin: &Client,
    id: &str,
    reasons: &mut mpsc::UnboundedReceiver<DisconnectReason>,
) {
    admin.emit("_disconnect", &("/", false, id)).expect("emit");
    let reason = tokio::time::timeout(WAIT, reasons.recv()).await;
    assert_eq!(reason, Ok(Some(DisconnectReason::IoServerDisconnect)));
}

/// The socket `id` in the list of an `all_sockets` event.
fn listed(all: &[Json], id: &str) -> Json {
    all[0]
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("{id} is not listed in {all:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ui_on_one_server_sees_and_drives_the_other() {
    let Some(url) = redis_url() else {
        return;
    };
    // A prefix of its own, so that other tests on the same Redis stay out.
    let key = format!("admin-ui-{}", std::process::id());
    let (url_a, io_a, _a) = node(&url, &key, "a").await;
    let (url_b, io_b, _b) = node(&url, &key, "b").await;
    until_servers(&io_a, 2).await;
    until_servers(&io_b, 2).await;

    // A user of server b, there before the UI.
    let (_early, early_id, mut reasons) = user(&url_b).await;
    let (_admin, mut events) = admin(&url_a).await;

    // Every server's sockets, through fetch_sockets.
    let all = events.expect("all_sockets", |_| true).await;
    let listed = listed(&all, &early_id);
    assert_eq!(listed["nsp"], "/");
    assert_eq!(listed["rooms"], json!([early_id]));
    // Server b keeps the client id and transport in the socket's data, as Node does.
    assert_client_and_transport(&listed);

    // Both servers' stats reach the UI.
    events
        .expect("server_stats", |a| a[0]["serverId"] == "a")
        .await;
    events
        .expect("server_stats", |a| a[0]["serverId"] == "b")
        .await;

    // Server b reports its new socket to the UI connected to a.
    let (_late, late_id, _) = user(&url_b).await;
    let connected = events
        .expect("socket_connected", |a| a[0]["id"] == late_id.as_str())
        .await;
    assert!(matches!(
        connected[0]["transport"].as_str(),
        Some("polling" | "websocket")
    ));

    // The UI's disconnect, sent to a, reaches the user of b.
    disconnect(&_admin, &early_id, &mut reasons).await;
    let gone = events
        .expect("socket_disconnected", |a| a[1] == early_id.as_str())
        .await;
    assert_eq!(gone[2], "server namespace disconnect");
}

/// `socket`, as a UI lists it, has a client id of 12 characters and a transport.
fn assert_client_and_transport(socket: &Json) {
    assert_eq!(
        socket["clientId"].as_str().map(str::len),
        Some(12),
        "{socket}"
    );
    assert!(
        matches!(socket["transport"].as_str(), Some("polling" | "websocket")),
        "{socket}"
    );
}

/// `interop/admin-ui` when Node is on PATH and the folder's npm packages (the instrumentation
/// and @socket.io/redis-adapter) are installed; `None` after printing why the test is skipped.
fn node_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop/admin-ui");
    let modules = dir.join("node_modules/@socket.io");
    if !["admin-ui", "redis-adapter"]
        .iter()
        .all(|package| modules.join(package).is_dir())
    {
        println!(
            "skipped: interop/admin-ui has no node_modules with @socket.io/admin-ui and \
             @socket.io/redis-adapter (cargo xtask test installs them)"
        );
        return None;
    }
    if Command::new("node").arg("--version").output().is_err() {
        println!("skipped: node is not on PATH");
        return None;
    }
    Some(dir)
}

/// Node's socket.io instrumented with @socket.io/admin-ui (`node-server.js`), stopped by its
/// pid when dropped (a failed test included).
struct NodeServer {
    child: Child,
    url: String,
}

impl NodeServer {
    /// The server named `name` on a free port, on the Redis cluster of `redis` under channel
    /// prefix `key`; returns once it listens.
    fn start(dir: &Path, redis: &str, key: &str, name: &str) -> NodeServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut child = Command::new("node")
            .arg("node-server.js")
            .args(["--port", &port.to_string(), "--server-id", name])
            .args(["--redis", redis, "--redis-key", key])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts");
        let mut line = String::new();
        let read = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
        let server = NodeServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        assert!(
            read.is_ok() && line.starts_with("listening"),
            "the Node server did not start: {line:?}"
        );
        server
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wsio_server_and_a_node_server_share_their_uis() {
    let Some(redis) = redis_url() else {
        return;
    };
    let Some(dir) = node_dir() else {
        return;
    };
    let key = format!("admin-ui-mixed-{}", std::process::id());
    let (url_wsio, io, _cluster) = node(&redis, &key, "wsio").await;
    let node = NodeServer::start(&dir, &redis, &key, "node");
    until_servers(&io, 2).await;

    // The UI of wsio lists the user of Node with the client id and transport Node keeps in
    // the socket's data.
    let (_on_node, on_node_id, mut on_node_reasons) = user(&node.url).await;
    let (admin_wsio, mut wsio_events) = admin(&url_wsio).await;
    let all = wsio_events.expect("all_sockets", |_| true).await;
    let seen = listed(&all, &on_node_id);
    assert_eq!(seen["nsp"], "/");
    assert_eq!(seen["rooms"], json!([on_node_id]));
    assert_eq!(seen["data"], json!({}));
    assert_client_and_transport(&seen);
    assert_ne!(
        seen["clientId"],
        on_node_id[..12],
        "Node's engine id, not the socket's"
    );

    // The UI of Node lists the user of wsio, with the client id and transport wsio keeps
    // there too, once wsio told its own UI of the socket.
    let (_on_wsio, on_wsio_id, mut on_wsio_reasons) = user(&url_wsio).await;
    wsio_events
        .expect("socket_connected", |a| a[0]["id"] == on_wsio_id.as_str())
        .await;
    let (admin_node, mut node_events) = admin(&node.url).await;
    let all = node_events.expect("all_sockets", |_| true).await;
    let seen = listed(&all, &on_wsio_id);
    assert_eq!(seen["nsp"], "/");
    assert_eq!(seen["rooms"], json!([on_wsio_id]));
    assert_eq!(seen["data"], json!({}), "Node leaves _admin out");
    assert_client_and_transport(&seen);

    // Each UI gets the stats of both servers.
    for events in [&mut wsio_events, &mut node_events] {
        for id in ["wsio", "node"] {
            events
                .expect("server_stats", |a| a[0]["serverId"] == id)
                .await;
        }
    }

    // The live events of wsio reach the UI of Node.
    let (_late, late_id, _) = user(&url_wsio).await;
    node_events
        .expect("socket_connected", |a| a[0]["id"] == late_id.as_str())
        .await;

    // A disconnect sent to either UI reaches the user of the other server.
    disconnect(&admin_wsio, &on_node_id, &mut on_node_reasons).await;
    disconnect(&admin_node, &on_wsio_id, &mut on_wsio_reasons).await;
    let gone = node_events
        .expect("socket_disconnected", |a| a[1] == on_wsio_id.as_str())
        .await;
    assert_eq!(gone[2], "server namespace disconnect");
}

//! A Node socket.io 4.8 node on `createShardedAdapter` of `@socket.io/redis-adapter` 8.3.0
//! (`interop/redis-sharded/node-server.js`) and a wsio node sharing one channel prefix. Runs
//! when `WSIO_REDIS_URL` is set and `npm install` has been run in `interop/redis-sharded`;
//! otherwise it passes after printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use event_proto::Value;
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use wsio_adapter_redis_streams::{ShardedAdapterConfig, ShardedCluster};
use wsio_client::{Client, Reconnection, Transports};
use wsio_server::{Config, Server};

const WAIT: Duration = Duration::from_secs(10);

/// The Node node, stopped by its pid when dropped.
struct NodeProcess(Child);

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn harness() -> Option<(String, PathBuf)> {
    let url = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/redis-sharded");
    let installed = dir.join("node_modules/@socket.io/redis-adapter").is_dir();
    match url {
        Some(url) if installed => Some((url, dir)),
        _ => {
            println!("WSIO_REDIS_URL unset or interop/redis-sharded not installed: skipped");
            None
        }
    }
}

type Events = mpsc::UnboundedReceiver<(String, Vec<Value>)>;

async fn client(url: &str) -> (Client, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = Client::builder(url)
        .transports(Transports::WebSocket)
        .reconnection(Reconnection {
            enabled: false,
            ..Reconnection::default()
        })
        .on_any(move |_s, name, args| {
            let _ = tx.send((name.to_owned(), args.to_vec()));
        })
        .connect()
        .await
        .expect("client connects");
    (client, rx)
}

async fn next(events: &mut Events, name: &str) -> Vec<Value> {
    loop {
        let (event, args) = tokio::time::timeout(WAIT, events.recv())
            .await
            .expect("in time")
            .expect("open");
        if event == name {
            return args;
        }
    }
}

/// Asks the Node node, through its client, to broadcast `event` with `args` to `rooms`.
async fn node_emits(on_node: &Client, event: &str, args: Vec<Value>, rooms: &[&str]) {
    let command = Value::Object(vec![
        ("event".to_owned(), Value::from(event)),
        ("args".to_owned(), Value::Array(args)),
        (
            "rooms".to_owned(),
            Value::Array(rooms.iter().map(|r| Value::from(*r)).collect()),
        ),
    ]);
    on_node
        .emit_with_ack::<_, Vec<serde_json::Value>>("emit", &(command,), WAIT)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_and_wsio_share_sharded_channels_both_ways() {
    let Some((url, dir)) = harness() else { return };
    let prefix = format!("wsio-test-sharded-mixed-{}", std::process::id());
    let config = ShardedAdapterConfig {
        channel_prefix: prefix.clone(),
        ..ShardedAdapterConfig::default()
    };
    let cluster = ShardedCluster::connect(&url, config).await.unwrap();
    let io = Server::new(Config {
        adapter: Some(cluster.factory()),
        ..Config::default()
    });
    let ns = io.ns("/", |socket| {
        tokio::spawn(async move {
            let _ = socket.join(["red"]).await;
            let _ = socket.emit("welcome", &(socket.id().to_string(),));
        });
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let wsio_addr = listener.local_addr().unwrap();
    let serving = io.clone();
    tokio::spawn(async move {
        let _ = serving.serve(listener, std::future::pending::<()>()).await;
    });

    let node_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut child = Command::new("node")
        .arg("node-server.js")
        .arg(node_port.to_string())
        .arg(&url)
        .arg(&prefix)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().unwrap();
    let node = NodeProcess(child);
    let ready = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line == "listening")
    });
    assert!(tokio::time::timeout(WAIT, ready).await.unwrap().unwrap());
    for _ in 0..250 {
        if ns.server_count().await.ok() == Some(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ns.server_count().await.unwrap(), 2);

    let (on_wsio, mut wsio_events) = client(&format!("http://{wsio_addr}")).await;
    next(&mut wsio_events, "welcome").await;
    let (on_node, mut node_events) = client(&format!("http://127.0.0.1:{node_port}")).await;
    next(&mut node_events, "welcome").await;
    let bin = Value::Binary(bytes::Bytes::from_static(&[1, 2, 3]));

    // wsio → Node: to everyone (main channel) and to "red" (its room channel), binary.
    ns.emit("from-wsio", &("x", &bin)).await.unwrap();
    assert_eq!(
        next(&mut node_events, "from-wsio").await,
        [Value::from("x"), bin.clone()]
    );
    assert_eq!(
        next(&mut wsio_events, "from-wsio").await,
        [Value::from("x"), bin.clone()]
    );
    ns.to(["red"])
        .emit("red-from-wsio", &(&bin,))
        .await
        .unwrap();
    assert_eq!(
        next(&mut node_events, "red-from-wsio").await,
        std::slice::from_ref(&bin)
    );

    // Node → wsio: to everyone and to "red", binary.
    node_emits(
        &on_node,
        "from-node",
        vec![Value::from(json!(1)), bin.clone()],
        &[],
    )
    .await;
    assert_eq!(
        next(&mut wsio_events, "from-node").await,
        [Value::from(json!(1)), bin.clone()]
    );
    node_emits(&on_node, "red-from-node", vec![bin.clone()], &["red"]).await;
    assert_eq!(
        next(&mut wsio_events, "red-from-node").await,
        std::slice::from_ref(&bin)
    );

    // A request answered by the Node node (JSON on the private channel).
    let all = ns.broadcast().fetch_sockets().await.unwrap();
    assert_eq!(
        all.len(),
        2,
        "{:?}",
        all.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    assert!(all.iter().any(|s| s.local().is_none()));

    on_wsio.disconnect().await;
    on_node.disconnect().await;
    drop(node);
}

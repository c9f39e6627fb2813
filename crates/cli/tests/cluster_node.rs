//! A cluster of two `wsio serve --adapter redis` processes and one Node socket.io server with
//! `@socket.io/redis-adapter` (`interop/redis/node-server.js`) on one Redis server
//! (`WSIO_REDIS_URL`, which `cargo xtask test` sets): a client on each node, and a broadcast
//! from each node reaches the clients of the other two. Skipped, with the reason printed,
//! without `WSIO_REDIS_URL`, Node, or the Node node's npm packages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use binary::{serve, stop};
use serde_json::{Value, json};
use wsio_client::{Client, Transports};

const WAIT: Duration = Duration::from_secs(10);

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

/// `interop/redis`, and where Node finds the node's packages: its own `node_modules`
/// (`cargo xtask redis`), else those of `interop/redis-sharded` (the same
/// `@socket.io/redis-adapter`, `redis` and `socket.io` 4.8, installed by `cargo xtask test`
/// before the workspace tests). `None` after printing why the test is skipped.
fn node_packages() -> Option<(PathBuf, PathBuf)> {
    let interop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../interop");
    let dir = interop.join("redis");
    let found = [
        dir.join("node_modules"),
        interop.join("redis-sharded/node_modules"),
    ]
    .into_iter()
    .find(|modules| modules.join("@socket.io/redis-adapter").is_dir());
    let Some(modules) = found else {
        println!(
            "skipped: no @socket.io/redis-adapter in interop/redis or interop/redis-sharded \
             (cargo xtask test installs it)"
        );
        return None;
    };
    if Command::new("node").arg("--version").output().is_err() {
        println!("skipped: node is not on PATH");
        return None;
    }
    Some((dir, modules))
}

/// The processes of the cluster, stopped by their pids when dropped (a failed test included).
struct Nodes(Vec<Child>);

impl Drop for Nodes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `node-server.js` on a free port; returns it once it listens, and its port.
fn node_node(dir: &Path, modules: &Path, redis: &str) -> (Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = Command::new("node")
        .arg("node-server.js")
        .args([&port.to_string(), redis, "node"])
        .current_dir(dir)
        .env("NODE_PATH", modules)
        .env("REQUESTS_TIMEOUT_MS", "2000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("node's first line");
    if !line.contains("cluster node") {
        let log = stop(child);
        panic!("the Node node did not start: {line:?} {log}");
    }
    (child, port)
}

/// A WebSocket client of the node on `port`, recording every `chat` text it hears.
async fn client(port: u16) -> (Client, Arc<Mutex<HashSet<String>>>) {
    let heard = Arc::new(Mutex::new(HashSet::new()));
    let record = heard.clone();
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .transports(Transports::WebSocket)
        .on("chat", move |_socket, (text,): (String,), _ack| {
            record.lock().unwrap().insert(text);
        })
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connects to the node on {port}: {e}"));
    (client, heard)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_cross_between_wsio_serve_and_a_node_node() {
    let Some(redis) = redis_url() else { return };
    let Some((dir, modules)) = node_packages() else {
        return;
    };
    // The channels of @socket.io/redis-adapter's default prefix, as node-server.js uses.
    let args = [
        "--adapter",
        "redis",
        "--redis",
        &redis,
        "--redis-request-timeout-ms",
        "2000",
    ];
    let (one, port_one) = serve(&args);
    let (two, port_two) = serve(&args);
    let (node, port_node) = node_node(&dir, &modules, &redis);
    let mut nodes = Nodes(vec![one, two, node]);
    let names = ["wsio one", "wsio two", "node"];
    let mut clients = Vec::new();
    for port in [port_one, port_two, port_node] {
        clients.push(client(port).await);
    }

    let started = Instant::now();
    for (from, name) in names.iter().enumerate() {
        let text = format!("from {name} {}", std::process::id());
        let deadline = Instant::now() + WAIT;
        // The nodes subscribe as they start: broadcast again until every client heard it.
        loop {
            let (speaker, _) = &clients[from];
            if *name == "node" {
                // node-server.js broadcasts from the Node process on its `do` command.
                let command = json!({"op": "emit", "event": "chat", "args": [text]});
                let answer: Vec<Value> = speaker
                    .emit_with_ack("do", &(command,), WAIT)
                    .await
                    .expect("the Node node acks");
                assert_eq!(answer, [Value::Null]);
            } else {
                // wsio serve's demo `chat` goes to the whole namespace, cluster-wide.
                speaker.emit("chat", &(&text,)).expect("emit");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            let deaf: Vec<&str> = clients
                .iter()
                .zip(names)
                .filter(|((_, heard), _)| !heard.lock().unwrap().contains(&text))
                .map(|(_, name)| name)
                .collect();
            if deaf.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{text:?} did not reach the clients of {deaf:?} in {WAIT:?}"
            );
        }
    }
    println!(
        "three broadcasts crossed the cluster in {:?}",
        started.elapsed()
    );

    for (client, _) in &clients {
        client.disconnect().await;
    }
    let logs: Vec<String> = nodes.0.drain(..).map(stop).collect();
    for (log, name) in logs.iter().zip(names) {
        assert!(!log.contains("ERROR"), "{name}: {log}");
    }
}

//! A Node socket.io 4.8 node on `@socket.io/redis-streams-adapter` 0.3.1
//! (`interop/redis-streams/node-server.js`) and a wsio node sharing one stream. Runs when
//! `WSIO_REDIS_URL` is set and `npm install` has been run in `interop/redis-streams`;
//! otherwise it passes after printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use event_proto::Value;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use wsio_adapter_redis_streams::{StreamsAdapterConfig, StreamsCluster};
use wsio_client::{Client, Reconnection, Transports};
use wsio_server::{Config, RecoveryConfig, Server};

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
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop/redis-streams");
    let installed = dir
        .join("node_modules/@socket.io/redis-streams-adapter")
        .is_dir();
    match url {
        Some(url) if installed => Some((url, dir)),
        _ => {
            println!("WSIO_REDIS_URL unset or interop/redis-streams not installed: skipped");
            None
        }
    }
}

type Events = mpsc::UnboundedReceiver<(String, Vec<Value>)>;

async fn client(url: &str, reconnection: Reconnection) -> (Client, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = Client::builder(url)
        .transports(Transports::WebSocket)
        .reconnection(reconnection)
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

fn is_entry_id(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_str)
        .and_then(|s| s.split_once('-'))
        .is_some_and(|(ms, seq)| ms.parse::<u64>().is_ok() && seq.parse::<u64>().is_ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_and_wsio_share_a_stream_and_sessions() {
    let Some((url, dir)) = harness() else { return };
    let stream = format!("wsio-test-mixed-{}", std::process::id());
    let config = StreamsAdapterConfig {
        stream_name: stream.clone(),
        channel_prefix: stream.clone(),
        session_key_prefix: format!("{stream}:session:"),
        ..StreamsAdapterConfig::default()
    };
    let cluster = StreamsCluster::connect(&url, config).await.unwrap();
    let io = Server::new(Config {
        adapter: Some(cluster.factory()),
        connection_state_recovery: Some(RecoveryConfig::default()),
        ..Config::default()
    });
    let ns = io.ns("/", |socket| {
        tokio::spawn(async move {
            let _ = socket.join(["red"]).await;
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
        .arg(&stream)
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

    let no_retry = Reconnection {
        enabled: false,
        ..Reconnection::default()
    };
    let (on_wsio, mut wsio_events) = client(&format!("http://{wsio_addr}"), no_retry.clone()).await;
    let node_url = format!("http://127.0.0.1:{node_port}");
    let (on_node, mut node_events) = client(&node_url, no_retry).await;
    next(&mut node_events, "welcome").await;

    // wsio → Node, binary included; both sides see the same entry id as offset.
    let bin = Value::Binary(bytes::Bytes::from_static(&[1, 2, 3]));
    ns.emit("from-wsio", &("x", &bin)).await.unwrap();
    let at_node = next(&mut node_events, "from-wsio").await;
    assert_eq!(at_node[..2], [Value::from("x"), bin.clone()]);
    let at_wsio = next(&mut wsio_events, "from-wsio").await;
    assert!(is_entry_id(at_node.get(2)), "{at_node:?}");
    assert_eq!(at_node.get(2), at_wsio.get(2));

    // Node → wsio, to a room.
    on_node
        .emit_with_ack::<_, Vec<serde_json::Value>>(
            "emit",
            &(json!({"event": "from-node", "args": [1], "rooms": ["red"]}),),
            WAIT,
        )
        .await
        .unwrap();
    let got = next(&mut wsio_events, "from-node").await;
    assert_eq!(got[0], Value::from(json!(1)));
    assert!(is_entry_id(got.get(1)), "{got:?}");

    // Recovery from the Node node to the wsio node, through a proxy that switches.
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_addr = proxy.local_addr().unwrap();
    let (switch_tx, mut switch_rx) = mpsc::unbounded_channel::<()>();
    let node_addr: std::net::SocketAddr = format!("127.0.0.1:{node_port}").parse().unwrap();
    let proxy_task = tokio::spawn(async move {
        // First connection: to Node, until told to cut it.
        let (mut inbound, _) = proxy.accept().await.unwrap();
        let mut outbound = TcpStream::connect(node_addr).await.unwrap();
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
            _ = switch_rx.recv() => {}
        }
        drop((inbound, outbound));
        // Refuse until told to resume, then forward to wsio.
        switch_rx.recv().await;
        loop {
            let (mut inbound, _) = proxy.accept().await.unwrap();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(wsio_addr).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let steady = Reconnection {
        initial_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(100),
        randomization_factor: 0.0,
        ..Reconnection::default()
    };
    let (moving, mut moving_events) = client(&format!("http://{proxy_addr}"), steady).await;
    let welcome = next(&mut moving_events, "welcome").await;
    let sid = welcome[0].as_str().unwrap().to_owned();
    assert!(
        is_entry_id(welcome.get(1)),
        "the direct emit carries an offset: {welcome:?}"
    );
    switch_tx.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    ns.to(["red"]).emit("missed", &(1,)).await.unwrap();
    ns.to(["blue"]).emit("not-for-me", &()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    switch_tx.send(()).unwrap();
    let missed = next(&mut moving_events, "missed").await;
    assert_eq!(missed[0], Value::from(json!(1)));
    let recovered = ns.sockets().into_iter().find(|s| s.id().as_str() == sid);
    let recovered = recovered.expect("same socket id on the wsio node");
    assert!(recovered.recovered());
    assert_eq!(
        recovered.data_value().get("node"),
        Some(&Value::from("node"))
    );
    assert!(moving.main().recovered());

    proxy_task.abort();
    moving.disconnect().await;
    on_wsio.disconnect().await;
    on_node.disconnect().await;
    drop(node);
}

//! A Node socket.io 4.8 node on `@socket.io/redis-streams-adapter` 0.3.1
//! (`interop/redis-streams/node-server.js`) and a wsio node sharing one stream. Runs when
//! `WSIO_REDIS_URL` is set and `npm install` has been run in `interop/redis-streams`;
//! otherwise it passes after printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod node_harness;

use std::time::Duration;

use event_proto::Value;
use node_harness::{WAIT, client, harness, next, serve, start_node};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use wsio_adapter_redis_streams::{StreamsAdapterConfig, StreamsCluster};
use wsio_client::Reconnection;
use wsio_server::{Config, RecoveryConfig, Server};

fn is_entry_id(value: Option<&Value>) -> bool {
    value
        .and_then(Value::as_str)
        .and_then(|s| s.split_once('-'))
        .is_some_and(|(ms, seq)| ms.parse::<u64>().is_ok() && seq.parse::<u64>().is_ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_and_wsio_share_a_stream_and_sessions() {
    let Some((url, dir)) = harness("redis-streams", "@socket.io/redis-streams-adapter") else {
        return;
    };
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
    let wsio_addr = serve(&io).await;
    let node = start_node(&dir, &url, &stream, &ns).await;
    let node_port = node.port;

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

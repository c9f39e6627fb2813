//! A Node socket.io 4.8 node on `createShardedAdapter` of `@socket.io/redis-adapter` 8.3.0
//! (`interop/redis-sharded/node-server.js`) and a wsio node sharing one channel prefix. Runs
//! when `WSIO_REDIS_URL` is set and `npm install` has been run in `interop/redis-sharded`;
//! otherwise it passes after printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod node_harness;

use event_proto::Value;
use node_harness::{WAIT, client, harness, next, serve, start_node};
use serde_json::json;
use wsio_adapter_redis_streams::{ShardedAdapterConfig, ShardedCluster};
use wsio_client::{Client, Reconnection};
use wsio_server::{Config, Server};

fn no_retry() -> Reconnection {
    Reconnection {
        enabled: false,
        ..Reconnection::default()
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
    let Some((url, dir)) = harness("redis-sharded", "@socket.io/redis-adapter") else {
        return;
    };
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
    let wsio_addr = serve(&io).await;
    let node = start_node(&dir, &url, &prefix, &ns).await;
    let node_port = node.port;

    let (on_wsio, mut wsio_events) = client(&format!("http://{wsio_addr}"), no_retry()).await;
    next(&mut wsio_events, "welcome").await;
    let (on_node, mut node_events) =
        client(&format!("http://127.0.0.1:{node_port}"), no_retry()).await;
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

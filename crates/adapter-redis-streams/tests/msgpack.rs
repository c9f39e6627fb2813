//! Two wsio servers on the MessagePack parser sharing a Redis server (`WSIO_REDIS_URL`,
//! which `cargo xtask test` sets) through the Streams adapter and through the sharded one:
//! packets that come from the other server, and packets replayed to a recovered session,
//! reach MessagePack clients as MessagePack. Without it every test passes after printing a
//! notice. Each test uses a stream and channels of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../../adapter-redis/tests/msgpack_cluster/mod.rs"]
mod msgpack_cluster;

use std::time::Duration;

use common::{join, redis_url, until_count};
use event_proto::Value;
use msgpack_cluster::{MsgPackNode, Relay, msgpack_client, msgpack_crosses_the_cluster};
use serde_json::json;
use wsio_adapter_redis_streams::{
    ShardedAdapterConfig, ShardedCluster, StreamsAdapterConfig, StreamsCluster, SubscriptionMode,
};
use wsio_client::Reconnection;
use wsio_server::RecoveryConfig;

/// Streams settings private to one test: a fresh stream, channel prefix and session prefix.
fn streams_config(test: &str) -> StreamsAdapterConfig {
    let tag = format!("wsio-test-msgpack-{test}-{}", std::process::id());
    StreamsAdapterConfig {
        stream_name: tag.clone(),
        channel_prefix: tag.clone(),
        session_key_prefix: format!("{tag}:session:"),
        requests_timeout: Duration::from_secs(2),
        block_time: Duration::from_millis(500),
        ..StreamsAdapterConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_servers_share_broadcasts_rooms_fetches_and_answers_over_streams() {
    let Some(url) = redis_url() else { return };
    let config = streams_config("bcast");
    let a = StreamsCluster::connect(&url, config.clone()).await.unwrap();
    let b = StreamsCluster::connect(&url, config).await.unwrap();
    msgpack_crosses_the_cluster(a.factory(), b.factory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_servers_share_broadcasts_rooms_fetches_and_answers_over_sharded_pubsub() {
    let Some(url) = redis_url() else { return };
    for (test, mode) in [
        ("dynamic", SubscriptionMode::Dynamic),
        ("static", SubscriptionMode::Static),
    ] {
        let config = ShardedAdapterConfig {
            channel_prefix: format!("wsio-test-msgpack-sharded-{test}-{}", std::process::id()),
            subscription_mode: mode,
            requests_timeout: Duration::from_secs(2),
            ..ShardedAdapterConfig::default()
        };
        let a = ShardedCluster::connect(&url, config.clone()).await.unwrap();
        let b = ShardedCluster::connect(&url, config).await.unwrap();
        msgpack_crosses_the_cluster(a.factory(), b.factory()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_msgpack_session_lost_on_one_server_gets_its_missed_events_on_the_other() {
    let Some(url) = redis_url() else { return };
    let config = streams_config("recover");
    let recovery = Some(RecoveryConfig {
        max_disconnection_duration: Duration::from_secs(30),
        ..RecoveryConfig::default()
    });
    let a = StreamsCluster::connect(&url, config.clone()).await.unwrap();
    let b = StreamsCluster::connect(&url, config).await.unwrap();
    let a = MsgPackNode::start(a.factory(), "a", recovery).await;
    let b = MsgPackNode::start(b.factory(), "b", recovery).await;
    until_count(&a.ns, 2).await;
    let relay = Relay::start(a.addr).await;
    // Long enough for the missed events to be sent before the client comes back.
    let reconnection = Reconnection {
        initial_delay: Duration::from_millis(800),
        max_delay: Duration::from_millis(800),
        randomization_factor: 0.0,
        ..Reconnection::default()
    };
    let (c, events, connects) =
        msgpack_client(&format!("http://{}", relay.addr), reconnection).await;
    let on_a = a.sockets.next().await;
    join(&c, "red").await;
    // An offset to recover from.
    on_a.emit("hello", &(0,)).unwrap();
    assert_eq!(events.next().await.0, "hello");

    relay.cut_to(b.addr);
    for _ in 0..250 {
        if !on_a.connected() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!on_a.connected());
    let bin = Value::Binary(bytes::Bytes::from_static(&[9, 8, 0xc4, 0]));
    a.ns.to(["red"]).emit("missed", &(1, &bin)).await.unwrap();
    b.ns.emit("missed", &(2, &bin)).await.unwrap();

    assert!(connects.next().await, "recovered");
    let on_b = b.sockets.next().await;
    assert_eq!(on_b.id(), on_a.id());
    assert!(on_b.recovered());
    for n in [1, 2] {
        let (name, args) = events.next().await;
        assert_eq!(name, "missed", "{args:?}");
        assert_eq!(args[..2], [Value::from(json!(n)), bin.clone()]);
    }
    assert!(
        events.quiet(Duration::from_millis(300)).await,
        "nothing twice"
    );
    b.ns.to(["red"]).emit("live", &(&bin,)).await.unwrap();
    let (name, args) = events.next().await;
    assert_eq!((name.as_str(), &args[0]), ("live", &bin));
    c.disconnect().await;
    a.stop().await;
    b.stop().await;
}

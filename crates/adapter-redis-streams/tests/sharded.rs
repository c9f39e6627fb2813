//! Two wsio servers in one process on the sharded pub/sub adapter, sharing a Redis server
//! (`WSIO_REDIS_URL`, which `cargo xtask test` sets; Redis 7 does sharded pub/sub on a
//! standalone server), each with real TCP listeners and wsio-client clients. Without it
//! every test passes after printing a notice. Each test uses a channel prefix of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{
    Node, PrivateRedis, WAIT, client, cut_subscribers, join, no_reconnection, note_crosses,
    redis_url, started_private_redis, until_count,
};
use event_proto::Value;
use serde_json::json;
use wsio_adapter_redis_streams::{ShardedAdapterConfig, ShardedCluster, SubscriptionMode};

/// Settings private to one test: a fresh channel prefix.
fn isolated(test: &str, mode: SubscriptionMode) -> ShardedAdapterConfig {
    ShardedAdapterConfig {
        channel_prefix: format!("wsio-test-sharded-{test}-{}", std::process::id()),
        subscription_mode: mode,
        requests_timeout: Duration::from_secs(2),
        ..ShardedAdapterConfig::default()
    }
}

/// A wsio server whose namespace `/` uses the sharded adapter with `config`.
async fn node(url: &str, config: ShardedAdapterConfig, name: &'static str) -> Node {
    let cluster = ShardedCluster::connect(url, config)
        .await
        .expect("connects");
    assert_eq!(cluster.uid().len(), 16);
    Node::start(cluster.factory(), name, None)
        .await
        .watching(cluster.subscriber_status())
}

/// `PUBSUB SHARDNUMSUB <channel>`, asked on a connection of the test's own.
async fn shard_subscribers(url: &str, channel: &str) -> i64 {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let (_, count): (String, i64) = redis::cmd("PUBSUB")
        .arg("SHARDNUMSUB")
        .arg(channel)
        .query_async(&mut conn)
        .await
        .unwrap();
    count
}

/// Waits until `channel` has `count` shard subscribers.
async fn until_subscribers(url: &str, channel: &str, count: i64) {
    for _ in 0..250 {
        if shard_subscribers(url, channel).await == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{channel} never had {count} subscribers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_room_channels_except_and_binary_cross_servers() {
    let Some(url) = redis_url() else { return };
    let config = isolated("bcast", SubscriptionMode::Dynamic);
    let prefix = config.channel_prefix.clone();
    let a = node(&url, config.clone(), "a").await;
    let b = node(&url, config, "b").await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    let (ca, ea, _) = client(&a.url(), no_reconnection()).await;
    let (cb, eb, _) = client(&b.url(), no_reconnection()).await;
    let on_b = b.sockets.next().await;
    // The join returns once B listens to the room's channel; socket ids get none.
    join(&cb, "red").await;
    assert_eq!(
        shard_subscribers(&url, &format!("{prefix}#/#red#")).await,
        1
    );
    let own = format!("{prefix}#/#{}#", on_b.id());
    assert_eq!(shard_subscribers(&url, &own).await, 0);

    // One room: published on the room's channel.
    a.ns.to(["red"]).emit("news", &(1,)).await.unwrap();
    assert_eq!(
        eb.next().await,
        ("news".into(), vec![Value::from(json!(1))])
    );
    // A socket id room goes through the main channel.
    a.ns.to([on_b.id().to_string()])
        .emit("direct", &())
        .await
        .unwrap();
    assert_eq!(eb.next().await.0, "direct");
    // From B to everyone, with binary: both clients get the bytes.
    let bin = Value::Binary(bytes::Bytes::from_static(&[1, 2, 3]));
    b.ns.emit("bin", &("x", &bin)).await.unwrap();
    for inbox in [&ea, &eb] {
        let (name, args) = inbox.next().await;
        assert_eq!(name, "bin");
        assert_eq!(args, vec![Value::from("x"), bin.clone()]);
    }
    // Binary to one room, except, and rooms nobody joined.
    a.ns.to(["red"]).emit("red-bin", &(&bin,)).await.unwrap();
    assert_eq!(eb.next().await, ("red-bin".into(), vec![bin.clone()]));
    a.ns.except(["red"]).emit("not-red", &()).await.unwrap();
    assert_eq!(ea.next().await.0, "not-red");
    a.ns.to(["blue"]).emit("blue", &()).await.unwrap();
    assert!(eb.quiet(Duration::from_millis(300)).await);
    assert!(ea.quiet(Duration::from_millis(10)).await);

    // The last member leaves: B drops the room's channel.
    on_b.leave(["red"]).await.unwrap();
    until_subscribers(&url, &format!("{prefix}#/#red#"), 0).await;
    a.ns.to(["red"]).emit("gone", &()).await.unwrap();
    assert!(eb.quiet(Duration::from_millis(300)).await);
    ca.disconnect().await;
    cb.disconnect().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_and_dynamic_private_modes_reach_socket_rooms() {
    let Some(url) = redis_url() else { return };
    for (test, mode, own_channel) in [
        ("static", SubscriptionMode::Static, 0),
        ("private", SubscriptionMode::DynamicPrivate, 1),
    ] {
        let config = isolated(test, mode);
        let prefix = config.channel_prefix.clone();
        let a = node(&url, config.clone(), "a").await;
        let b = node(&url, config, "b").await;
        until_count(&a.ns, 2).await;
        let (cb, eb, _) = client(&b.url(), no_reconnection()).await;
        let on_b = b.sockets.next().await;
        join(&cb, "red").await;
        let own = format!("{prefix}#/#{}#", on_b.id());
        until_subscribers(&url, &own, own_channel).await;
        assert_eq!(
            shard_subscribers(&url, &format!("{prefix}#/#red#")).await,
            own_channel
        );
        a.ns.to([on_b.id().to_string()])
            .emit("direct", &())
            .await
            .unwrap();
        assert_eq!(eb.next().await.0, "direct");
        a.ns.to(["red"]).emit("red", &()).await.unwrap();
        assert_eq!(eb.next().await.0, "red");
        cb.disconnect().await;
        // The socket is gone: so is its channel.
        until_subscribers(&url, &own, 0).await;
        a.stop().await;
        b.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_join_leave_and_disconnect_span_servers() {
    let Some(url) = redis_url() else { return };
    let config = isolated("fetch", SubscriptionMode::Dynamic);
    let prefix = config.channel_prefix.clone();
    let a = node(&url, config.clone(), "a").await;
    let b = node(&url, config, "b").await;
    until_count(&b.ns, 2).await;
    until_count(&a.ns, 2).await;
    let (_ca, _ea, _) = client(&a.url(), no_reconnection()).await;
    let (_cb, eb, _) = client(&b.url(), no_reconnection()).await;
    let on_b = b.sockets.next().await;

    let all = a.ns.broadcast().fetch_sockets().await.unwrap();
    assert_eq!(all.len(), 2);
    let remote = all
        .iter()
        .find(|s| s.local().is_none())
        .expect("one remote");
    assert_eq!(remote.id, *on_b.id());
    assert_eq!(remote.data.get("node"), Some(&Value::from("b")));
    assert!(remote.handshake.get("headers").is_some());

    // A makes B's socket join: B subscribes to the room's channel.
    a.ns.to([on_b.id().to_string()])
        .sockets_join(["green"])
        .await
        .unwrap();
    until_subscribers(&url, &format!("{prefix}#/#green#"), 1).await;
    assert!(on_b.rooms().await.unwrap().iter().any(|r| r == "green"));
    let in_green = a.ns.to(["green"]).fetch_sockets().await.unwrap();
    assert_eq!(in_green.len(), 1);
    a.ns.to(["green"]).emit("green", &()).await.unwrap();
    assert_eq!(eb.next().await.0, "green");
    a.ns.broadcast().sockets_leave(["green"]).await.unwrap();
    until_subscribers(&url, &format!("{prefix}#/#green#"), 0).await;
    assert!(a.ns.to(["green"]).fetch_sockets().await.unwrap().is_empty());

    // Remote disconnect: only B's socket leaves.
    a.ns.to([on_b.id().to_string()])
        .disconnect_sockets(false)
        .await
        .unwrap();
    for _ in 0..100 {
        if !on_b.connected() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!on_b.connected());
    assert_eq!(a.ns.broadcast().fetch_sockets().await.unwrap().len(), 1);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_side_emits_and_broadcast_acks_cross_servers() {
    let Some(url) = redis_url() else { return };
    let config = isolated("acks", SubscriptionMode::Dynamic);
    let a = node(&url, config.clone(), "a").await;
    let b = node(&url, config, "b").await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    let answers =
        a.ns.server_side_emit_with_ack("ping", &("x",), WAIT)
            .await
            .unwrap();
    assert_eq!(answers, [Value::from("b:x")]);
    let answers =
        b.ns.server_side_emit_with_ack("ping", &("y",), WAIT)
            .await
            .unwrap();
    assert_eq!(answers, [Value::from("a:y")]);
    a.ns.server_side_emit("note", &("hello", 2)).await.unwrap();
    assert_eq!(
        b.notes.next().await,
        [Value::from("hello"), Value::from(json!(2))]
    );
    assert!(a.notes.quiet(Duration::from_millis(200)).await);

    let (_ca, _, _) = client(&a.url(), no_reconnection()).await;
    let (cb1, _, _) = client(&b.url(), no_reconnection()).await;
    let (_cb2, _, _) = client(&b.url(), no_reconnection()).await;
    join(&cb1, "red").await;
    let answers =
        a.ns.broadcast()
            .timeout(Duration::from_secs(3))
            .emit_with_ack("ask", &("q",))
            .await
            .unwrap();
    assert_eq!(answers.len(), 3);
    for answer in answers {
        assert_eq!(answer.unwrap(), [Value::from("ack:q")]);
    }
    // With acks to one room: the main channel still, the room's members answer.
    let answers =
        a.ns.to(["red"])
            .timeout(Duration::from_secs(3))
            .emit_with_ack("ask", &("r",))
            .await
            .unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].as_ref().unwrap(), &[Value::from("ack:r")]);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_delivery_goes_on_while_redis_restarts() {
    if redis_url().is_none() {
        return;
    }
    let Some(mut redis) = PrivateRedis::find() else {
        return;
    };
    redis.start().await;
    let url = redis.url();
    let config = ShardedAdapterConfig {
        command_timeout: Duration::from_millis(500),
        max_reconnect_delay: Duration::from_millis(300),
        retry_after: Duration::from_millis(300),
        ..isolated("restart", SubscriptionMode::Dynamic)
    };
    let prefix = config.channel_prefix.clone();
    let a = node(&url, config.clone(), "a").await;
    let b = node(&url, config, "b").await;
    until_count(&a.ns, 2).await;
    let (_ca, ea, _) = client(&a.url(), no_reconnection()).await;
    let (cb, eb, _) = client(&b.url(), no_reconnection()).await;
    join(&cb, "red").await;
    a.ns.emit("before", &()).await.unwrap();
    assert_eq!(ea.next().await.0, "before");
    assert_eq!(eb.next().await.0, "before");

    redis.stop();
    // Redis is away: A's clients still get A's broadcasts, at once.
    let started = std::time::Instant::now();
    for n in 0..3 {
        a.ns.emit("during", &(n,)).await.unwrap();
        assert_eq!(
            ea.next().await,
            ("during".into(), vec![Value::from(json!(n))])
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(a.ns.server_count().await.unwrap(), 1);

    redis.start().await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    // Subscriptions are back, the room's channel included.
    until_subscribers(&url, &format!("{prefix}#/#red#"), 1).await;
    let mut crossed = false;
    for _ in 0..50 {
        a.ns.to(["red"]).emit("after", &()).await.unwrap();
        if let Ok(Some((name, _))) = tokio::time::timeout(Duration::from_millis(200), async {
            eb.0.lock().await.recv().await
        })
        .await
            && name == "after"
        {
            crossed = true;
            break;
        }
    }
    assert!(crossed, "room broadcasts cross servers again");
    let answers =
        b.ns.server_side_emit_with_ack("ping", &("z",), WAIT)
            .await
            .unwrap();
    assert_eq!(answers, [Value::from("a:z")]);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_subscriber_is_counted_and_subscribes_again() {
    let Some(redis) = started_private_redis().await else {
        return;
    };
    let url = redis.url();
    let config = ShardedAdapterConfig {
        command_timeout: Duration::from_millis(500),
        max_reconnect_delay: Duration::from_millis(300),
        ..isolated("lost", SubscriptionMode::Dynamic)
    };
    let a = node(&url, config.clone(), "a").await;
    let b = node(&url, config, "b").await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    // B hosts room `red`, so it holds the room's channel too.
    let (cb, eb, _) = client(&b.url(), no_reconnection()).await;
    join(&cb, "red").await;
    cut_subscribers(&url, &[&a, &b], 1).await;
    // Every channel is subscribed again: the main one and the room's.
    note_crosses(&a, &b, "a").await;
    a.ns.to(["red"]).emit("red", &()).await.unwrap();
    assert_eq!(eb.next().await.0, "red");
    cb.disconnect().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_a_silent_node_never_answers_are_counted_as_timeouts() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let Some(url) = redis_url() else { return };
    let config = ShardedAdapterConfig {
        requests_timeout: Duration::from_millis(300),
        ..isolated("silent", SubscriptionMode::Dynamic)
    };
    let channel = wsio_adapter_redis_streams::wire::public_channel(&config.channel_prefix, "/");
    let a = node(&url, config, "a").await;
    // A node that subscribed to the namespace's channel and never answers: a bare connection.
    let address = url.trim_start_matches("redis://").trim_end_matches('/');
    let mut silent = tokio::net::TcpStream::connect(address).await.unwrap();
    silent
        .write_all(format!("SSUBSCRIBE {channel}\r\n").as_bytes())
        .await
        .unwrap();
    let mut reply = [0u8; 256];
    assert!(silent.read(&mut reply).await.unwrap() > 0);
    a.asks_a_silent_node().await;
    a.stop().await;
}

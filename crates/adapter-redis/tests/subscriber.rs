//! The subscriber connection over time: two wsio servers on one Redis (`WSIO_REDIS_URL`,
//! which `cargo xtask test` sets), each with real TCP listeners and wsio-client clients.
//! Without it every test passes after printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The harness of the Redis-backed tests (servers, clients, a private redis-server) is the
// Streams adapter's; it takes any adapter factory.
#[path = "../../adapter-redis-streams/tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{
    Node, Tally, client, cut_subscribers, join, no_reconnection, ping_answered, redis_url,
    started_private_redis, until_count, until_status,
};
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster, SubscriberState};
use wsio_server::Namespace;

/// How long the soak test keeps sending: several periods of the subscriber's health check.
const SOAK: Duration = Duration::from_secs(20);
/// How often each server sends one broadcast to everyone and one to room `r`.
const PERIOD: Duration = Duration::from_millis(20);

/// Settings private to one test: channels of its own.
fn isolated(test: &str) -> RedisAdapterConfig {
    RedisAdapterConfig {
        key: format!("wsio-test-{test}-{}", std::process::id()),
        requests_timeout: Duration::from_secs(2),
        ..RedisAdapterConfig::default()
    }
}

async fn node(url: &str, config: RedisAdapterConfig, name: &'static str) -> Node {
    let cluster = RedisCluster::connect(url, config).await.expect("connects");
    Node::start(cluster.factory(), name, None)
        .await
        .watching(cluster.subscriber_status())
}

/// Sends, every [`PERIOD`] for [`SOAK`], `all` to everyone and `room` to room `r`, both
/// numbered `[sender, n]`; returns how many of each.
async fn send_for_a_while(ns: Namespace, sender: &'static str) -> u64 {
    let mut tick = tokio::time::interval(PERIOD);
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < SOAK {
        tick.tick().await;
        ns.emit("all", &(sender, n)).await.unwrap();
        ns.to(["r"]).emit("room", &(sender, n)).await.unwrap();
        n += 1;
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_server_broadcasts_and_rooms_lose_nothing_for_twenty_seconds() {
    let Some(url) = redis_url() else { return };
    let config = isolated("soak");
    let a = node(&url, config.clone(), "a").await;
    let b = node(&url, config, "b").await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    // On each server one client in room `r` and one outside it.
    let mut clients = Vec::new();
    for (server, in_room) in [(&a, true), (&a, false), (&b, true), (&b, false)] {
        let (c, events, _) = client(&server.url(), no_reconnection()).await;
        if in_room {
            join(&c, "r").await;
        }
        clients.push((c, events, in_room));
    }

    let (sent_a, sent_b) = tokio::join!(
        send_for_a_while(a.ns.clone(), "a"),
        send_for_a_while(b.ns.clone(), "b")
    );
    let mut failures = Vec::new();
    let mut received = 0;
    for (i, (_, events, in_room)) in clients.iter().enumerate() {
        let mut tally = Tally::default();
        let other = tally.drain(events, Duration::from_millis(300)).await;
        assert!(other.is_empty(), "client {i}: unexpected {other:?}");
        let mut expected = vec![("all", "a", sent_a), ("all", "b", sent_b)];
        if *in_room {
            expected.extend([("room", "a", sent_a), ("room", "b", sent_b)]);
        } else {
            assert!(
                tally.series().iter().all(|(name, _)| name == "all"),
                "client {i} is not in room r: {:?}",
                tally.series()
            );
        }
        for (name, sender, sent) in expected {
            let count = tally.count(name, sender, sent);
            println!("client {i}: {name} from {sender}: {count:?}");
            received += count.received;
            if !count.perfect() {
                failures.push(format!("client {i}: {name} from {sender}: {count:?}"));
            }
        }
    }
    let (reconnects_a, reconnects_b) = (a.subscriber().reconnects(), b.subscriber().reconnects());
    println!(
        "sent {sent_a} + {sent_b} per kind, {received} received in all, \
         subscriber reconnections: a {reconnects_a}, b {reconnects_b}"
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        (reconnects_a, reconnects_b),
        (0, 0),
        "subscriber reconnections"
    );
    for node in [&a, &b] {
        assert_eq!(node.subscriber().state(), SubscriberState::Connected);
    }
    for (c, _, _) in clients {
        c.disconnect().await;
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_subscriber_is_counted_and_subscribes_again() {
    let Some(mut redis) = started_private_redis().await else {
        return;
    };
    let url = redis.url();
    let config = RedisAdapterConfig {
        command_timeout: Duration::from_millis(500),
        max_reconnect_delay: Duration::from_millis(300),
        ..isolated("lost")
    };
    let a = node(&url, config.clone(), "a").await;
    let b = node(&url, config, "b").await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    let (cb, eb, _) = client(&b.url(), no_reconnection()).await;
    a.ns.emit("before", &()).await.unwrap();
    assert_eq!(eb.next().await.0, "before");
    assert_eq!(a.subscriber().reconnects(), 0);

    // Both subscriber connections are cut: each server counts one reconnection and
    // subscribes again, so A's next broadcast reaches B's client at the first try.
    cut_subscribers(&url, &[&a, &b], 1).await;
    a.ns.emit("after-kill", &()).await.unwrap();
    assert_eq!(eb.next().await.0, "after-kill");

    // Redis goes away for longer than the publisher's own reconnection attempts last: the
    // subscribers report it, then reconnect once it is back.
    redis.stop();
    for node in [&a, &b] {
        until_status(node.subscriber(), SubscriberState::Reconnecting, 1).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    redis.start().await;
    for node in [&a, &b] {
        until_status(node.subscriber(), SubscriberState::Connected, 2).await;
    }
    // A's publisher finds its connection broken; the publish is tried again on a new one.
    a.ns.emit("after-restart", &()).await.unwrap();
    assert_eq!(eb.next().await.0, "after-restart");
    assert!(eb.quiet(Duration::from_millis(300)).await, "nothing twice");
    ping_answered(&b, "a").await;
    cb.disconnect().await;
    a.stop().await;
    b.stop().await;
}

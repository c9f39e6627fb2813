//! The publisher connection while Redis goes away and comes back: two wsio servers on a
//! private `redis-server` (`WSIO_REDIS_URL` and `WSIO_REDIS_SERVER`, which `cargo xtask test`
//! sets), one sending a numbered series of server-side notes to the other. Without them
//! every test passes after printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The harness of the Redis-backed tests (servers, a private redis-server) is the Streams
// adapter's; it takes any adapter factory.
#[path = "../../adapter-redis-streams/tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Node, PrivateRedis, started_private_redis, until_count};
use event_proto::Value;
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};

/// How often the sending server publishes one note.
const PERIOD: Duration = Duration::from_millis(50);
/// How long Redis stays away.
const OUTAGE: Duration = Duration::from_secs(3);

/// Settings private to one test: channels of its own, shorter waits than the defaults.
fn isolated(test: &str, publish_queue: usize) -> RedisAdapterConfig {
    RedisAdapterConfig {
        key: format!("wsio-test-{test}-{}", std::process::id()),
        requests_timeout: Duration::from_secs(2),
        command_timeout: Duration::from_secs(1),
        max_reconnect_delay: Duration::from_secs(1),
        publish_queue,
        ..RedisAdapterConfig::default()
    }
}

/// A private redis-server and two servers `a` and `b` on it that see each other, when the
/// tests have one.
async fn two_nodes(config: RedisAdapterConfig) -> Option<(PrivateRedis, Node, Node)> {
    let redis = started_private_redis().await?;
    let mut nodes = Vec::new();
    for name in ["a", "b"] {
        let cluster = RedisCluster::connect(&redis.url(), config.clone())
            .await
            .expect("connects");
        nodes.push(Node::start(cluster.factory(), name, None).await);
    }
    let (b, a) = (nodes.pop()?, nodes.pop()?);
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    Some((redis, a, b))
}

/// Sends note `n` from `from`; the call must not wait for Redis.
async fn send(from: &Node, n: u64) {
    let started = Instant::now();
    from.ns.server_side_emit("note", &(n,)).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "publishing note {n} waited {:?}",
        started.elapsed()
    );
}

/// The notes `to` gets until `last` has arrived (or nothing came for a while), in order.
async fn received_until(to: &Node, last: u64, wait: Duration) -> Vec<u64> {
    let mut received = Vec::new();
    let deadline = Instant::now() + wait;
    while received.last() != Some(&last) {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Some(args)) = tokio::time::timeout(left, to.notes.0.lock().await.recv()).await
        else {
            break;
        };
        received.push(args.first().and_then(Value::as_u64).expect("a number"));
    }
    received
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_published_while_redis_is_away_arrive_in_order_after_it_is_back() {
    let Some((mut redis, a, b)) = two_nodes(isolated("outage", 4096)).await else {
        return;
    };

    let mut n = 0;
    for _ in 0..10 {
        send(&a, n).await;
        n += 1;
        tokio::time::sleep(PERIOD).await;
    }
    assert_eq!(
        received_until(&b, n - 1, common::WAIT).await,
        (0..n).collect::<Vec<_>>()
    );

    // Redis is killed; A goes on sending through the outage and for a while after it.
    redis.stop();
    let first_away = n;
    let outage = Instant::now();
    while outage.elapsed() < OUTAGE {
        send(&a, n).await;
        n += 1;
        tokio::time::sleep(PERIOD).await;
    }
    redis.start().await;
    let back = Instant::now();
    while back.elapsed() < Duration::from_secs(1) {
        send(&a, n).await;
        n += 1;
        tokio::time::sleep(PERIOD).await;
    }
    let last = n - 1;
    let received = received_until(&b, last, Duration::from_secs(15)).await;
    let expected: Vec<u64> = (first_away..=last).collect();
    let missing: Vec<u64> = expected
        .iter()
        .filter(|n| !received.contains(n))
        .copied()
        .collect();
    println!(
        "sent {} notes from the start of a {OUTAGE:?} outage on; {} lost: {missing:?}",
        expected.len(),
        missing.len()
    );
    assert_eq!(received, expected, "every note, once, in order");
    assert!(
        b.notes.quiet(Duration::from_millis(300)).await,
        "nothing more"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_drops_new_messages_without_waiting() {
    const QUEUE: usize = 8;
    let Some((mut redis, a, b)) = two_nodes(isolated("full", QUEUE)).await else {
        return;
    };

    redis.stop();
    // Far more notes than the queue holds, all at once: none waits (`send` checks it).
    let started = Instant::now();
    const SENT: u64 = 200;
    for n in 0..SENT {
        send(&a, n).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    redis.start().await;
    // The notes that found room (the one held by the publisher and the queue's) arrive in
    // order once Redis is back; the others were dropped.
    let received = received_until(&b, SENT - 1, Duration::from_secs(8)).await;
    println!(
        "sent {SENT} notes into a queue of {QUEUE} while Redis was away; received {received:?}"
    );
    // The publisher may take note 0 off the queue only after later notes were dropped: then
    // one more note, sent after that, finds room.
    assert!(
        (QUEUE..=QUEUE + 1).contains(&received.len()),
        "the queue and the one held: {received:?}"
    );
    let first: Vec<u64> = (0..QUEUE as u64).collect();
    assert_eq!(received[..QUEUE], first, "the first notes, in order");
    assert!(
        received.windows(2).all(|w| w[0] < w[1]),
        "in order: {received:?}"
    );
    a.stop().await;
    b.stop().await;
}

//! Two wsio servers in one process sharing a Redis server (`WSIO_REDIS_URL`, which
//! `cargo xtask test` sets), each with real TCP listeners and wsio-client clients. Without
//! it every test passes after printing a notice. Each test uses a stream and channels of its
//! own, so tests run side by side on one Redis.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{
    Node, PrivateRedis, Tally, WAIT, client, cut_subscribers, join, no_reconnection, note_crosses,
    ping_answered, redis_url, started_private_redis, until_count,
};
use event_proto::Value;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use wsio_adapter_redis_streams::{StreamsAdapterConfig, StreamsCluster, SubscriberState};
use wsio_client::Reconnection;
use wsio_server::{Namespace, RecoveryConfig};

/// Settings private to one test: a fresh stream, channel prefix and session prefix.
fn isolated(test: &str) -> StreamsAdapterConfig {
    let tag = format!("wsio-test-{test}-{}", std::process::id());
    StreamsAdapterConfig {
        stream_name: tag.clone(),
        channel_prefix: tag.clone(),
        session_key_prefix: format!("{tag}:session:"),
        requests_timeout: Duration::from_secs(2),
        block_time: Duration::from_millis(500),
        ..StreamsAdapterConfig::default()
    }
}

/// A wsio server whose namespace `/` uses the Streams adapter with `config`.
async fn node(
    url: &str,
    config: StreamsAdapterConfig,
    name: &'static str,
    recovery: Option<RecoveryConfig>,
) -> Node {
    let cluster = StreamsCluster::connect(url, config)
        .await
        .expect("connects");
    assert_eq!(cluster.uid().len(), 16);
    Node::start(cluster.factory(), name, recovery)
        .await
        .watching(cluster.subscriber_status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_and_rooms_cross_servers_binary_included() {
    let Some(url) = redis_url() else { return };
    let config = isolated("bcast");
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config, "b", None).await;
    until_count(&a.ns, 2).await;
    let (ca, ea, _) = client(&a.url(), no_reconnection()).await;
    let (cb, eb, _) = client(&b.url(), no_reconnection()).await;
    join(&cb, "red").await;

    a.ns.to(["red"]).emit("news", &(1,)).await.unwrap();
    assert_eq!(
        eb.next().await,
        ("news".into(), vec![Value::from(json!(1))])
    );
    // From B to everyone, with binary: both clients get the bytes.
    let bin = Value::Binary(bytes::Bytes::from_static(&[1, 2, 3]));
    b.ns.emit("bin", &("x", &bin)).await.unwrap();
    for inbox in [&ea, &eb] {
        let (name, args) = inbox.next().await;
        assert_eq!(name, "bin");
        assert_eq!(args, vec![Value::from("x"), bin.clone()]);
    }
    // except and rooms nobody joined.
    a.ns.except(["red"]).emit("not-red", &()).await.unwrap();
    assert_eq!(ea.next().await.0, "not-red");
    a.ns.to(["blue"]).emit("blue", &()).await.unwrap();
    assert!(eb.quiet(Duration::from_millis(300)).await);
    // A plain broadcast carries no offset without recovery.
    b.ns.emit("plain", &(7,)).await.unwrap();
    assert_eq!(
        ea.next().await,
        ("plain".into(), vec![Value::from(json!(7))])
    );
    ca.disconnect().await;
    cb.disconnect().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_join_leave_and_disconnect_span_servers() {
    let Some(url) = redis_url() else { return };
    let config = isolated("fetch");
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config, "b", None).await;
    until_count(&b.ns, 2).await;
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

    // A makes B's socket join, then addresses the room.
    a.ns.to([on_b.id().to_string()])
        .sockets_join(["green"])
        .await
        .unwrap();
    let mut rooms = Vec::new();
    for _ in 0..100 {
        rooms = on_b.rooms().await.unwrap();
        if rooms.iter().any(|r| r == "green") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(rooms.iter().any(|r| r == "green"), "{rooms:?}");
    let in_green = a.ns.to(["green"]).fetch_sockets().await.unwrap();
    assert_eq!(in_green.len(), 1);
    a.ns.to(["green"]).emit("green", &()).await.unwrap();
    assert_eq!(eb.next().await.0, "green");
    a.ns.broadcast().sockets_leave(["green"]).await.unwrap();
    for _ in 0..100 {
        if a.ns.to(["green"]).fetch_sockets().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
async fn server_side_emits_with_and_without_acks_both_ways() {
    let Some(url) = redis_url() else { return };
    let config = isolated("ssemit");
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config, "b", None).await;
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
    // Not to itself.
    assert!(a.notes.quiet(Duration::from_millis(200)).await);
    // A handler that never answers: the emitter times out.
    let slow =
        b.ns.server_side_emit_with_ack("nobody-answers", &(), Duration::from_millis(300))
            .await;
    assert!(slow.is_err());
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_side_emit_that_times_out_returns_the_answers_that_came() {
    let Some(url) = redis_url() else { return };
    let config = isolated("sspartial");
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config.clone(), "b", None).await;
    let c = node(&url, config, "c", None).await;
    until_count(&a.ns, 3).await;
    until_count(&c.ns, 3).await;
    // Server c no longer answers.
    c.ns.on_server_side("ping", |_args, _ack| {});
    let error =
        a.ns.server_side_emit_with_ack("ping", &("x",), Duration::from_millis(300))
            .await
            .expect_err("c did not answer");
    assert!(error.is_timeout());
    assert_eq!(error.responses(), [Value::from("b:x")]);
    assert!(matches!(
        error,
        wsio_server::AckError::Incomplete { expected: 2, .. }
    ));
    a.stop().await;
    b.stop().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_with_acks_across_servers() {
    let Some(url) = redis_url() else { return };
    let config = isolated("acks");
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config, "b", None).await;
    until_count(&a.ns, 2).await;
    let (_ca, _, _) = client(&a.url(), no_reconnection()).await;
    let (_cb1, _, _) = client(&b.url(), no_reconnection()).await;
    let (_cb2, _, _) = client(&b.url(), no_reconnection()).await;
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
    a.stop().await;
    b.stop().await;
}

/// A TCP proxy whose upstream can change; `cut` closes the live connections and `pause`
/// refuses new ones until resumed.
struct Proxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    paused: Arc<std::sync::atomic::AtomicBool>,
    live: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let upstream = Arc::new(Mutex::new(upstream));
        let paused = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let live = Arc::new(Mutex::new(Vec::new()));
        let (u, p, l) = (upstream.clone(), paused.clone(), live.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if p.load(std::sync::atomic::Ordering::SeqCst) {
                    continue;
                }
                let target = *u.lock().unwrap();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                l.lock().unwrap().push(task);
            }
        });
        Proxy {
            addr,
            upstream,
            paused,
            live,
            accept,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Closes every live connection and refuses new ones; the next ones go to `upstream`.
    fn cut_and_pause(&self, upstream: SocketAddr) {
        self.paused.store(true, std::sync::atomic::Ordering::SeqCst);
        *self.upstream.lock().unwrap() = upstream;
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn resume(&self) {
        self.paused
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

fn recovery(max: Duration) -> Option<RecoveryConfig> {
    Some(RecoveryConfig {
        max_disconnection_duration: max,
        ..RecoveryConfig::default()
    })
}

fn steady_reconnection() -> Reconnection {
    Reconnection {
        initial_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(100),
        randomization_factor: 0.0,
        ..Reconnection::default()
    }
}

fn is_entry_id(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.split_once('-').is_some_and(|(ms, seq)| {
            !ms.is_empty()
                && !seq.is_empty()
                && (ms.to_owned() + seq).bytes().all(|b| b.is_ascii_digit())
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_lost_on_one_server_recovers_on_the_other() {
    let Some(url) = redis_url() else { return };
    let config = isolated("recover");
    let a = node(&url, config.clone(), "a", recovery(Duration::from_secs(30))).await;
    let b = node(&url, config, "b", recovery(Duration::from_secs(30))).await;
    until_count(&a.ns, 2).await;
    let proxy = Proxy::start(a.addr).await;
    let (c, events, connects) = client(&proxy.url(), steady_reconnection()).await;
    let on_a = a.sockets.next().await;
    join(&c, "red").await;
    // An offset to recover from: a direct emit, which goes through the stream too.
    on_a.emit("hello", &(0,)).unwrap();
    let (name, args) = events.next().await;
    assert_eq!(name, "hello");
    assert!(is_entry_id(&args[1]), "{args:?}");

    proxy.cut_and_pause(b.addr);
    for _ in 0..250 {
        if !on_a.connected() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!on_a.connected());
    // Missed meanwhile, from both servers, in this order.
    a.ns.to(["red"]).emit("missed", &(1,)).await.unwrap();
    b.ns.emit("missed", &(2,)).await.unwrap();
    let _ = on_a.emit("missed", &(3,));
    b.ns.to(["blue"]).emit("not-for-me", &()).await.unwrap();
    a.ns.except(["red"]).emit("not-for-me", &()).await.unwrap();
    b.ns.to([on_a.id().to_string()])
        .emit("missed", &(4,))
        .await
        .unwrap();
    // Let the session be saved and the direct emit be written.
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.resume();

    assert!(connects.next().await, "recovered");
    let on_b = b.sockets.next().await;
    assert_eq!(on_b.id(), on_a.id());
    assert!(on_b.recovered());
    assert_eq!(on_b.data_value().get("node"), Some(&Value::from("a")));
    let rooms = on_b.rooms().await.unwrap();
    assert!(rooms.iter().any(|r| r == "red"), "{rooms:?}");
    let mut seen = Vec::new();
    let mut offsets = Vec::new();
    for _ in 0..4 {
        let (name, args) = events.next().await;
        assert_eq!(name, "missed", "{args:?}");
        seen.push(args[0].clone());
        assert!(is_entry_id(&args[1]), "{args:?}");
        offsets.push(args[1].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, [1, 2, 3, 4].map(|n| Value::from(json!(n))));
    assert!(
        events.quiet(Duration::from_millis(300)).await,
        "nothing twice"
    );
    // Live traffic on B after the recovery.
    a.ns.to(["red"]).emit("live", &(5,)).await.unwrap();
    assert_eq!(events.next().await.0, "live");
    c.disconnect().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gap_longer_than_the_limit_gets_a_fresh_session() {
    let Some(url) = redis_url() else { return };
    let config = isolated("expired");
    let limit = Duration::from_millis(400);
    let a = node(&url, config.clone(), "a", recovery(limit)).await;
    let b = node(&url, config, "b", recovery(limit)).await;
    until_count(&a.ns, 2).await;
    let proxy = Proxy::start(a.addr).await;
    let (c, events, connects) = client(&proxy.url(), steady_reconnection()).await;
    let on_a = a.sockets.next().await;
    on_a.emit("hello", &(0,)).unwrap();
    assert_eq!(events.next().await.0, "hello");
    proxy.cut_and_pause(b.addr);
    a.ns.emit("missed", &(1,)).await.unwrap();
    tokio::time::sleep(limit * 3).await;
    proxy.resume();
    assert!(!connects.next().await, "a fresh session");
    let on_b = b.sockets.next().await;
    assert_ne!(on_b.id(), on_a.id());
    assert_eq!(on_b.data_value().get("node"), Some(&Value::from("b")));
    assert!(
        events.quiet(Duration::from_millis(300)).await,
        "nothing replayed"
    );
    c.disconnect().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_emits_keep_their_order_and_carry_offsets() {
    let Some(url) = redis_url() else { return };
    let a = node(
        &url,
        isolated("order"),
        "a",
        recovery(Duration::from_secs(30)),
    )
    .await;
    let (c, events, _) = client(&a.url(), no_reconnection()).await;
    let socket = a.sockets.next().await;
    for n in 0..200 {
        socket.emit("n", &(n,)).unwrap();
        if n % 50 == 0 {
            a.ns.emit("n", &(-1,)).await.unwrap();
        }
    }
    let mut last = (0u64, 0u64);
    let mut expected = 0;
    for _ in 0..204 {
        let (_, args) = events.next().await;
        let offset = args[1].as_str().unwrap();
        let (ms, seq) = offset.split_once('-').unwrap();
        let id = (ms.parse().unwrap(), seq.parse().unwrap());
        assert!(id > last, "offsets grow: {offset}");
        last = id;
        if args[0] != Value::from(json!(-1)) {
            assert_eq!(args[0], Value::from(json!(expected)));
            expected += 1;
        }
    }
    c.disconnect().await;
    a.stop().await;
}

/// A private `redis-server` (`WSIO_REDIS_SERVER`, as `cargo xtask test` sets it) on a fixed
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
    let config = StreamsAdapterConfig {
        command_timeout: Duration::from_millis(500),
        max_reconnect_delay: Duration::from_millis(300),
        retry_after: Duration::from_millis(300),
        ..isolated("restart")
    };
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config, "b", None).await;
    until_count(&a.ns, 2).await;
    let (_ca, ea, _) = client(&a.url(), no_reconnection()).await;
    let (_cb, eb, _) = client(&b.url(), no_reconnection()).await;
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
    // The readers read again: a broadcast from A reaches B's client.
    let mut crossed = false;
    for _ in 0..50 {
        a.ns.emit("after", &()).await.unwrap();
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
    assert!(crossed, "broadcasts cross servers again");
    let answers =
        b.ns.server_side_emit_with_ack("ping", &("z",), WAIT)
            .await
            .unwrap();
    assert_eq!(answers, [Value::from("a:z")]);
    a.stop().await;
    b.stop().await;
}

/// How long the soak test keeps asking: several periods of the subscriber's health check.
const SOAK: Duration = Duration::from_secs(20);
/// How often each server sends a numbered server-side emit to the other.
const PERIOD: Duration = Duration::from_millis(20);

/// What one server's requests came to.
#[derive(Debug, Default)]
struct Asked {
    /// Numbered server-side emits without ack (`note`).
    notes: u64,
    /// Server-side emits with ack, fetches and broadcasts with acks.
    requests: u64,
    /// Those of them that failed or got a wrong answer, with what went wrong.
    failed: Vec<String>,
}

/// For [`SOAK`], every [`PERIOD`]: a numbered `note` to the other servers; every other
/// period a server-side emit with ack (the other server answers `<name>:<n>`); and every
/// tenth, alternately, a fetch of every socket and a broadcast with acks to every client.
async fn ask_for_a_while(ns: Namespace, sender: &'static str, other: &'static str) -> Asked {
    let mut asked = Asked::default();
    let mut tick = tokio::time::interval(PERIOD);
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < SOAK {
        tick.tick().await;
        ns.server_side_emit("note", &(sender, n)).await.unwrap();
        asked.notes += 1;
        if n.is_multiple_of(2) {
            asked.requests += 1;
            let arg = n.to_string();
            let expected = [Value::from(format!("{other}:{arg}"))];
            match ns
                .server_side_emit_with_ack("ping", &(arg,), Duration::from_secs(2))
                .await
            {
                Ok(answers) if answers == expected => {}
                answer => asked.failed.push(format!("{sender} ping {n}: {answer:?}")),
            }
        }
        if n.is_multiple_of(20) {
            asked.requests += 1;
            match ns.broadcast().fetch_sockets().await {
                Ok(sockets) if sockets.len() == 2 => {}
                Ok(sockets) => asked
                    .failed
                    .push(format!("{sender} fetch {n}: {} sockets", sockets.len())),
                Err(e) => asked.failed.push(format!("{sender} fetch {n}: {e}")),
            }
        } else if n % 20 == 10 {
            asked.requests += 1;
            let acks = ns
                .broadcast()
                .timeout(Duration::from_secs(2))
                .emit_with_ack("ask", &(n.to_string(),))
                .await;
            match acks {
                Ok(acks) if acks.len() == 2 && acks.iter().all(Result::is_ok) => {}
                acks => asked.failed.push(format!("{sender} acks {n}: {acks:?}")),
            }
        }
        n += 1;
    }
    asked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_answers_lose_nothing_for_twenty_seconds() {
    let Some(url) = redis_url() else { return };
    let config = isolated("soak");
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config, "b", None).await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    let (ca, _, _) = client(&a.url(), no_reconnection()).await;
    let (cb, _, _) = client(&b.url(), no_reconnection()).await;

    let (asked_a, asked_b) = tokio::join!(
        ask_for_a_while(a.ns.clone(), "a", "b"),
        ask_for_a_while(b.ns.clone(), "b", "a")
    );
    let mut failures = Vec::new();
    for (asked, receiver, sender) in [(&asked_a, &b, "a"), (&asked_b, &a, "b")] {
        let mut tally = Tally::default();
        let mut notes = receiver.notes.0.lock().await;
        while let Ok(Some(args)) =
            tokio::time::timeout(Duration::from_millis(300), notes.recv()).await
        {
            assert!(tally.record("note", &args), "unexpected note {args:?}");
        }
        let count = tally.count("note", sender, asked.notes);
        println!(
            "{sender}: notes {count:?}; requests {}, failed {}",
            asked.requests,
            asked.failed.len()
        );
        if !count.perfect() {
            failures.push(format!("notes from {sender}: {count:?}"));
        }
        failures.extend(asked.failed.iter().cloned());
    }
    let (reconnects_a, reconnects_b) = (a.subscriber().reconnects(), b.subscriber().reconnects());
    println!("subscriber reconnections: a {reconnects_a}, b {reconnects_b}");
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        (reconnects_a, reconnects_b),
        (0, 0),
        "subscriber reconnections"
    );
    ca.disconnect().await;
    cb.disconnect().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_pubsub_connection_is_counted_and_subscribes_again() {
    let Some(redis) = started_private_redis().await else {
        return;
    };
    let url = redis.url();
    let config = StreamsAdapterConfig {
        command_timeout: Duration::from_millis(500),
        max_reconnect_delay: Duration::from_millis(300),
        ..isolated("lost")
    };
    let a = node(&url, config.clone(), "a", None).await;
    let b = node(&url, config, "b", None).await;
    until_count(&a.ns, 2).await;
    until_count(&b.ns, 2).await;
    assert_eq!(a.subscriber().state(), SubscriberState::Connected);
    cut_subscribers(&url, &[&a, &b], 1).await;
    // Subscribed again: the first note after the reconnection crosses, requests are answered.
    note_crosses(&a, &b, "a").await;
    ping_answered(&b, "a").await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_a_silent_node_never_answers_are_counted_as_timeouts() {
    let Some(url) = redis_url() else { return };
    let config = StreamsAdapterConfig {
        requests_timeout: Duration::from_millis(300),
        ..isolated("silent")
    };
    let prefix = config.channel_prefix.clone();
    let a = node(&url, config, "a", None).await;
    // A node that subscribed to the namespace's channel and never answers.
    let client = redis::Client::open(url.as_str()).expect("url");
    let mut silent = client.get_async_pubsub().await.expect("connects");
    silent
        .subscribe(wsio_adapter_redis_streams::wire::public_channel(
            &prefix, "/",
        ))
        .await
        .expect("subscribed");
    a.asks_a_silent_node().await;
    a.stop().await;
}

//! Two wsio servers in one process sharing a Redis server (`WSIO_REDIS_URL`, which
//! `cargo xtask test` sets). Without it every test passes after printing a notice.
//!
//! Clients on both servers, and Node servers next to wsio ones, are covered by the suite of
//! `interop/redis` (`cargo xtask redis`).

use std::sync::Arc;
use std::time::Duration;

use event_proto::Value;
use tokio::sync::mpsc;
use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster};
use wsio_server::{Config, Namespace, Server};

fn redis_url() -> Option<String> {
    let url = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        println!("WSIO_REDIS_URL is not set: skipped (cargo xtask test sets it)");
    }
    url
}

/// A server whose namespace `nsp` uses the Redis adapter, with a server-side `ping`
/// handler answering `<name>:<arg>` and a `note` handler forwarding its arguments.
async fn server(
    url: &str,
    nsp: &str,
    name: &'static str,
) -> (RedisCluster, Namespace, mpsc::UnboundedReceiver<Vec<Value>>) {
    let config = RedisAdapterConfig {
        requests_timeout: Duration::from_secs(2),
        ..RedisAdapterConfig::default()
    };
    let cluster = RedisCluster::connect(url, config).await.expect("connects");
    let io = Server::new(Config {
        adapter: Some(cluster.factory()),
        ..Config::default()
    });
    let ns = io.ns(nsp, |_socket| {});
    ns.on_server_side("ping", move |args, ack| {
        let arg = args
            .first()
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if let Some(ack) = ack {
            let _ = ack.send(&(format!("{name}:{arg}"),));
        }
    });
    let (tx, rx) = mpsc::unbounded_channel();
    let tx = Arc::new(tx);
    ns.on_server_side("note", move |args, _ack| {
        let _ = tx.send(args);
    });
    (cluster, ns, rx)
}

/// Waits until both servers see each other (subscriptions are made in the background).
async fn until_count(ns: &Namespace, count: usize) {
    for _ in 0..100 {
        if ns.server_count().await.ok() == Some(count) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("server count never reached {count}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_count_answer_and_forward() {
    let Some(url) = redis_url() else { return };
    let (a, ns_a, _rx_a) = server(&url, "/t1", "a").await;
    let (b, ns_b, mut rx_b) = server(&url, "/t1", "b").await;
    assert_ne!(a.uid(), b.uid());
    until_count(&ns_a, 2).await;
    until_count(&ns_b, 2).await;

    let answers = ns_a
        .server_side_emit_with_ack("ping", &("x",), Duration::from_secs(2))
        .await
        .expect("answered");
    assert_eq!(answers, vec![Value::from("b:x")]);
    let answers = ns_b
        .server_side_emit_with_ack("ping", &("y",), Duration::from_secs(2))
        .await
        .expect("answered");
    assert_eq!(answers, vec![Value::from("a:y")]);

    ns_a.server_side_emit("note", &("hello", 1))
        .await
        .expect("sent");
    let got = tokio::time::timeout(Duration::from_secs(2), rx_b.recv())
        .await
        .expect("in time")
        .expect("forwarded");
    assert_eq!(
        got,
        vec![Value::from("hello"), Value::from(serde_json::json!(1))]
    );

    assert!(ns_a.all_rooms().await.expect("rooms").is_empty());
    let fetched = ns_b.broadcast().fetch_sockets().await.expect("fetched");
    assert!(fetched.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emitter_messages_without_uid_are_accepted() {
    let Some(url) = redis_url() else { return };
    let (_a, ns_a, mut rx_a) = server(&url, "/t2", "a").await;
    until_count(&ns_a, 1).await;
    let client = redis::Client::open(url.as_str()).expect("url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connects");
    // The server subscribes in the background (its own count is 1 either way).
    for _ in 0..100 {
        if request_subscribers(&mut conn).await == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // What @socket.io/redis-emitter publishes for serverSideEmit("note", "from-emitter").
    let message = r#"{"uid":"emitter","type":6,"data":["note","from-emitter"]}"#;
    let _: i64 = redis::cmd("PUBLISH")
        .arg("socket.io-request#/t2#")
        .arg(message)
        .query_async(&mut conn)
        .await
        .expect("published");
    let got = tokio::time::timeout(Duration::from_secs(2), rx_a.recv())
        .await
        .expect("in time")
        .expect("forwarded");
    assert_eq!(got, vec![Value::from("from-emitter")]);
    // Exactly one subscription to the request channel per server.
    assert_eq!(request_subscribers(&mut conn).await, 1);
}

/// How many connections listen to the request channel of `/t2`.
async fn request_subscribers(conn: &mut redis::aio::MultiplexedConnection) -> usize {
    let (_, count): (String, usize) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("socket.io-request#/t2#")
        .query_async(conn)
        .await
        .expect("numsub");
    count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_side_emit_that_times_out_returns_the_answers_that_came() {
    let Some(url) = redis_url() else { return };
    let (_a, ns_a, _rx_a) = server(&url, "/t-partial", "a").await;
    let (_b, _ns_b, _rx_b) = server(&url, "/t-partial", "b").await;
    let (_c, ns_c, _rx_c) = server(&url, "/t-partial", "c").await;
    for ns in [&ns_a, &ns_c] {
        until_count(ns, 3).await;
    }
    // Server c no longer answers.
    ns_c.on_server_side("ping", |_args, _ack| {});
    let began = std::time::Instant::now();
    let error = ns_a
        .server_side_emit_with_ack("ping", &("x",), Duration::from_millis(300))
        .await
        .expect_err("c did not answer");
    assert!(
        began.elapsed() < Duration::from_secs(2),
        "{:?}",
        began.elapsed()
    );
    assert!(error.is_timeout());
    assert_eq!(error.responses(), [Value::from("b:x")]);
    assert!(matches!(
        error,
        wsio_server::AckError::Incomplete { expected: 2, .. }
    ));
}

/// The adapter request timeouts `io` reports for namespace `nsp`.
fn request_timeouts(io: &Server, nsp: &str) -> Option<u64> {
    io.stats()
        .namespaces
        .into_iter()
        .find(|ns| ns.name == nsp)
        .expect("the namespace")
        .adapter_request_timeouts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_a_silent_node_never_answers_are_counted_as_timeouts() {
    let Some(url) = redis_url() else { return };
    let config = RedisAdapterConfig {
        requests_timeout: Duration::from_millis(300),
        ..RedisAdapterConfig::default()
    };
    let cluster = RedisCluster::connect(&url, config).await.expect("connects");
    let io = Server::new(Config {
        adapter: Some(cluster.factory()),
        ..Config::default()
    });
    let ns = io.ns("/t-silent", |_socket| {});
    // A node that subscribed to the namespace's requests and never answers them.
    let client = redis::Client::open(url.as_str()).expect("url");
    let mut silent = client.get_async_pubsub().await.expect("connects");
    silent
        .subscribe(wsio_adapter_redis::wire::channel::request(
            "socket.io",
            "/t-silent",
        ))
        .await
        .expect("subscribed");
    until_count(&ns, 2).await;
    assert_eq!(request_timeouts(&io, "/t-silent"), Some(0));

    let error = ns.broadcast().fetch_sockets().await;
    assert!(error.is_err(), "the silent node never answers");
    assert_eq!(request_timeouts(&io, "/t-silent"), Some(1));
    assert!(ns.all_rooms().await.is_err());
    assert_eq!(request_timeouts(&io, "/t-silent"), Some(2));
    let error = ns
        .server_side_emit_with_ack("ping", &("x",), Duration::from_millis(300))
        .await
        .expect_err("no answer");
    assert!(error.is_timeout());
    assert_eq!(request_timeouts(&io, "/t-silent"), Some(3));
}

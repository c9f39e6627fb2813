//! Two `wsio serve` processes sharing a Redis server (`WSIO_REDIS_URL`, which `cargo xtask
//! test` sets) through each Redis adapter: a `chat` from a client of one reaches a client of
//! the other. Without `WSIO_REDIS_URL` every test passes after printing a notice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::time::{Duration, Instant};

use binary::{serve, stop};
use tokio::sync::mpsc;
use wsio_client::{Client, Transports};

const WAIT: Duration = Duration::from_secs(10);

fn redis_url() -> Option<String> {
    let url = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        println!("WSIO_REDIS_URL is not set: skipped (cargo xtask test sets it)");
    }
    url
}

/// Two servers with `--adapter adapter` on `url` under a prefix of their own; a client on
/// each; a `chat` sent through the first reaches the second's client.
async fn broadcast_crosses(adapter: &str, url: &str) {
    let prefix = format!("wsio-cli-{}-{adapter}", std::process::id());
    let args = [
        "--adapter",
        adapter,
        "--redis",
        url,
        "--redis-key-prefix",
        &prefix,
        "--redis-request-timeout-ms",
        "2000",
    ];
    let (one, port_one) = serve(&args);
    let (two, port_two) = serve(&args);

    let (heard_tx, mut heard) = mpsc::unbounded_channel();
    let listener = Client::builder(format!("http://127.0.0.1:{port_two}"))
        .transports(Transports::WebSocket)
        .on("chat", move |_socket, (text,): (String,), _ack| {
            let _ = heard_tx.send(text);
        })
        .connect()
        .await
        .expect("connects to the second server");
    let speaker = Client::builder(format!("http://127.0.0.1:{port_one}"))
        .transports(Transports::WebSocket)
        .connect()
        .await
        .expect("connects to the first server");

    // The servers subscribe as they start: send again until one arrives.
    let deadline = Instant::now() + WAIT;
    let text = loop {
        speaker
            .emit("chat", &(format!("hello over {adapter}"),))
            .expect("emit");
        match tokio::time::timeout(Duration::from_millis(300), heard.recv()).await {
            Ok(Some(text)) => break text,
            _ if Instant::now() < deadline => continue,
            _ => panic!("no chat crossed the {adapter} adapter in {WAIT:?}"),
        }
    };
    assert_eq!(text, format!("hello over {adapter}"));
    speaker.disconnect().await;
    listener.disconnect().await;
    let log_one = stop(one);
    stop(two);
    assert!(!log_one.contains("ERROR"), "{log_one}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_pub_sub() {
    if let Some(url) = redis_url() {
        broadcast_crosses("redis", &url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_sharded_pub_sub() {
    if let Some(url) = redis_url() {
        broadcast_crosses("redis-sharded", &url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_streams() {
    if let Some(url) = redis_url() {
        broadcast_crosses("redis-streams", &url).await;
    }
}

#[test]
fn an_unreachable_redis_is_refused_at_start() {
    // A port nobody listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wsio"))
        .args(["serve", "--port", "0", "--adapter", "redis", "--redis"])
        .arg(format!("redis://127.0.0.1:{port}"))
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("cannot reach Redis"), "{error}");
    assert!(output.stdout.is_empty(), "no banner without Redis");
}

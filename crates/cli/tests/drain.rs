//! `wsio serve` stopped by SIGTERM: /healthz stops answering 200, every client sees its
//! session end (`transport close`, so it would reconnect elsewhere), and the process exits 0
//! within the drain timeout, saying so in its log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;

use std::time::{Duration, Instant};

use binary::{get, serve, signal, stop, wait_exit};
use tokio::sync::mpsc;
use wsio_client::{Client, Reconnection, Transports};

const WAIT: Duration = Duration::from_secs(10);

/// `count` clients of `url`, alternately over WebSocket and long-polling, each reporting its
/// disconnect reason on `left`.
async fn clients(url: &str, count: usize, left: &mpsc::UnboundedSender<String>) -> Vec<Client> {
    let mut connecting = Vec::with_capacity(count);
    for n in 0..count {
        let left = left.clone();
        let transports = if n % 2 == 0 {
            Transports::WebSocket
        } else {
            Transports::Polling
        };
        let builder = Client::builder(url)
            .transports(transports)
            .reconnection(Reconnection {
                enabled: false,
                ..Reconnection::default()
            })
            .on_disconnect(move |_socket, reason| {
                let _ = left.send(format!("{reason:?}"));
            });
        connecting.push(tokio::spawn(builder.connect()));
    }
    let mut clients = Vec::with_capacity(count);
    for client in connecting {
        clients.push(client.await.expect("task").expect("connects"));
    }
    clients
}

/// Connects `count` clients, sends SIGTERM and checks the drain; returns the time from the
/// signal to the exit.
async fn drain(count: usize) -> Duration {
    let (mut child, port) = serve(&["--drain-timeout-ms", "5000", "--log", "info"]);
    let url = format!("http://127.0.0.1:{port}");
    let (left_tx, mut left) = mpsc::unbounded_channel();
    let clients = clients(&url, count, &left_tx).await;
    assert!(get(port, "/healthz").starts_with("HTTP/1.1 200"));

    let sent = Instant::now();
    signal(&child, "TERM");
    let mut reasons = Vec::with_capacity(count);
    while reasons.len() < count {
        let reason = tokio::time::timeout(WAIT, left.recv())
            .await
            .expect("every client sees its disconnect in time")
            .expect("reason");
        reasons.push(reason);
    }
    let all_left = sent.elapsed();
    // Draining: no more 200 (the listener is closed; a request already on its way gets 503).
    if let Ok(mut tcp) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        use std::io::{Read, Write};
        let _ =
            tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        let mut answer = String::new();
        let _ = tcp.read_to_string(&mut answer);
        assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
    let status = tokio::task::spawn_blocking(move || {
        let status = wait_exit(&mut child, Duration::from_secs(6));
        (status, child)
    })
    .await
    .expect("wait");
    let (status, child) = status;
    let took = sent.elapsed();
    let status = status.expect("exits within the drain timeout");
    assert!(status.success(), "exit 0 after a drain: {status}");
    let log = stop(child);
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("draining"), "{log}");
    assert!(log.contains("drained"), "{log}");
    let closed = reasons
        .iter()
        .filter(|reason| reason.contains("TransportClose") || reason.contains("TransportError"))
        .count();
    assert_eq!(
        closed, count,
        "sessions end as transports closing: {reasons:?}"
    );
    println!(
        "{count} clients: all saw their disconnect {} ms after SIGTERM; the process exited after {} ms",
        all_left.as_millis(),
        took.as_millis()
    );
    drop(clients);
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_the_sessions_and_exits_0() {
    let took = drain(2).await;
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_clients_drain_within_the_timeout() {
    let took = drain(200).await;
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_holds_the_drain_at_most_its_timeout() {
    // A TCP connection that opened a WebSocket and then never reads: the drain waits for it
    // until the timeout, then the process exits 0 anyway.
    let (mut child, port) = serve(&["--drain-timeout-ms", "700", "--log", "info"]);
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    use std::io::{Read, Write};
    tcp.write_all(
        b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n\
          Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .expect("upgrade request");
    let mut head = [0u8; 12];
    tcp.read_exact(&mut head).expect("answer");
    assert_eq!(&head, b"HTTP/1.1 101");
    let sent = Instant::now();
    signal(&child, "TERM");
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("exits");
    let took = sent.elapsed();
    assert!(status.success(), "{status}");
    assert!(
        took >= Duration::from_millis(600),
        "waited for the connection: {took:?}"
    );
    let log = stop(child);
    assert!(log.contains("drain timed out"), "{log}");
    drop(tcp);
}

//! `wsio serve` stopped by SIGTERM: /healthz stops answering 200 (a new connection is refused,
//! a kept-alive one is closed before it can ask again), every client sees its
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
        match tokio::time::timeout(WAIT, left.recv()).await {
            Ok(Some(reason)) => reasons.push(reason),
            _ => break,
        }
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
    eprintln!(
        "{count} clients: {} saw their disconnect (the last {} ms after SIGTERM); the process \
         exited {} ms after SIGTERM",
        reasons.len(),
        all_left.as_millis(),
        took.as_millis()
    );
    assert_eq!(
        reasons.len(),
        count,
        "every client sees its disconnect in time"
    );
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

/// A TCP connection to `port` that opened a Socket.IO WebSocket (the 101 read) and will read
/// nothing more.
fn websocket_that_does_not_read(port: u16) -> std::net::TcpStream {
    use std::io::{Read, Write};
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.write_all(
        b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n\
          Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .expect("upgrade request");
    let mut head = [0u8; 12];
    tcp.read_exact(&mut head).expect("answer");
    assert_eq!(&head, b"HTTP/1.1 101");
    tcp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_holds_the_drain_at_most_its_timeout() {
    // A TCP connection that opened a WebSocket and then never reads: the drain waits for it
    // until the timeout, then the process exits 0 anyway.
    let (mut child, port) = serve(&["--drain-timeout-ms", "700", "--log", "info"]);
    let tcp = websocket_that_does_not_read(port);
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

/// Sends `GET /healthz` on `tcp`, kept alive; the answer's status line and body, or `None`
/// when the server closed the connection without answering.
fn healthz_kept_alive(tcp: &mut std::net::TcpStream) -> Option<(String, String)> {
    use std::io::{BufRead, BufReader, Read, Write};
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .ok()?;
    let mut reader = BufReader::new(tcp);
    let mut status = String::new();
    if reader.read_line(&mut status).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((
        status.trim_end().to_owned(),
        String::from_utf8_lossy(&body).into_owned(),
    ))
}

#[test]
fn healthz_on_a_keep_alive_connection_during_the_drain() {
    // A keep-alive connection that asked /healthz before SIGTERM, and a WebSocket that never
    // reads, holding the drain open (2 s) while the connection asks again.
    let (mut child, port) = serve(&["--drain-timeout-ms", "2000", "--log", "info"]);
    let mut kept = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    kept.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let (status, body) = healthz_kept_alive(&mut kept).expect("answered");
    assert_eq!((status.as_str(), body.as_str()), ("HTTP/1.1 200 OK", "ok"));
    let stuck = websocket_that_does_not_read(port);

    let sent = Instant::now();
    signal(&child, "TERM");
    // The drain has begun once the listener refuses new connections.
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "the listener closes"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let again = healthz_kept_alive(&mut kept);
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "the drain is still held open by the WebSocket that does not read"
    );
    // The engine shuts every HTTP/1.1 connection down gracefully as the drain begins: an
    // idle keep-alive connection is closed at once, before it can ask again, so a load
    // balancer's probe learns of the drain from a refused or closed connection, not a 503.
    assert_eq!(again, None, "closed without an answer during the drain");
    let status = wait_exit(&mut child, Duration::from_secs(5)).expect("exits");
    assert!(status.success(), "{status}");
    let log = stop(child);
    assert!(log.contains("draining"), "{log}");
    drop(stuck);
}

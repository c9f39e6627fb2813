//! The server's HTTP connections over loopback TCP: request heads must arrive within
//! `header_read_timeout` (slow heads, silent connections and idle keep-alive connections are
//! closed), while requests being served and upgraded WebSockets are never cut by it.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use wsio_server::{Config, Server, Socket};

/// The deadline the tests configure.
const DEADLINE: Duration = Duration::from_secs(1);

/// How long a test waits for the server to close a connection before it gives up.
const PATIENCE: Duration = Duration::from_secs(5);

/// A server with the short deadline and `ping_interval`, and a namespace `/` that echoes
/// `echo` events back as `echo`.
async fn start_with(ping_interval: Duration) -> SocketAddr {
    let io = Server::new(Config {
        header_read_timeout: Some(DEADLINE),
        ping_interval,
        ..Config::default()
    });
    io.ns("/", |socket: Socket| {
        socket.on("echo", |socket: Socket, args: (String,), _ack| {
            let _ = socket.emit("echo", &args);
        });
    });
    start(&io).await
}

/// A TCP connection to a server started with `ping_interval`, split in halves.
async fn connection(ping_interval: Duration) -> (SocketAddr, OwnedReadHalf, OwnedWriteHalf) {
    let addr = start_with(ping_interval).await;
    let (reader, writer) = TcpStream::connect(addr).await.expect("tcp").into_split();
    (addr, reader, writer)
}

/// The head of a keep-alive GET opening a polling session.
fn handshake_head(addr: SocketAddr) -> String {
    format!("GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: {addr}\r\n\r\n")
}

/// Reads until the server closes the connection (end of stream or reset), then checks that
/// it did so at the deadline counted from `from`, having answered no request. Panics if the
/// connection is still open after `PATIENCE`.
async fn assert_closed_at_the_deadline(what: &str, mut reader: OwnedReadHalf, from: Instant) {
    let mut seen = Vec::new();
    let reading = async {
        let mut chunk = [0u8; 1024];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(n) => seen.extend_from_slice(&chunk[..n]),
            }
        }
    };
    let Ok(at) = tokio::time::timeout(PATIENCE, reading).await else {
        panic!("{what}: the connection is still open after {PATIENCE:?}");
    };
    let after = at.duration_since(from);
    println!("{what}: closed after {after:?}");
    assert!(
        after >= DEADLINE && after < DEADLINE + Duration::from_millis(500),
        "{what}: closed after {after:?}"
    );
    assert!(
        !seen.starts_with(b"HTTP/1.1 200"),
        "{what}: answered {}",
        String::from_utf8_lossy(&seen)
    );
}

/// Reads one response with a `content-length` from `reader`; gives its status and body.
async fn response(reader: &mut OwnedReadHalf) -> (u16, String) {
    let mut raw = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("content-length");
            if raw.len() >= end + 4 + length {
                let status = head[9..12].parse().expect("status");
                let body = String::from_utf8_lossy(&raw[end + 4..end + 4 + length]).into_owned();
                return (status, body);
            }
        }
        let n = tokio::time::timeout(PATIENCE, reader.read(&mut chunk))
            .await
            .expect("a response in time")
            .expect("read");
        assert!(n > 0, "closed before the response");
        raw.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::test]
async fn a_trickling_request_head_is_cut_off_at_the_deadline() {
    let (addr, reader, mut writer) = connection(Duration::from_secs(25)).await;
    let start = Instant::now();
    let trickler = tokio::spawn(async move {
        for byte in handshake_head(addr).into_bytes() {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    assert_closed_at_the_deadline("trickling head", reader, start).await;
    trickler.abort();
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_at_the_deadline() {
    let (_addr, reader, _writer) = connection(Duration::from_secs(25)).await;
    let start = Instant::now();
    assert_closed_at_the_deadline("silent connection", reader, start).await;
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_deadline() {
    let (addr, mut reader, mut writer) = connection(Duration::from_secs(25)).await;
    let head = handshake_head(addr);
    writer.write_all(head.as_bytes()).await.expect("write");
    let (status, body) = response(&mut reader).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("0{"), "{body}");
    let idle_since = Instant::now();
    assert_closed_at_the_deadline("idle keep-alive connection", reader, idle_since).await;
}

#[tokio::test]
async fn a_polling_get_held_past_the_deadline_is_answered() {
    // The server holds a GET until it has a packet: here the ping, after 2 s.
    let addr = start_with(Duration::from_secs(2)).await;
    let session = Polling::open(addr).await;
    let start = Instant::now();
    let (status, body) = session.get().await;
    let held = start.elapsed();
    println!("polling GET held {held:?}");
    assert_eq!((status, body.as_str()), (200, "2"));
    assert!(
        held > DEADLINE + Duration::from_millis(500),
        "held {held:?}"
    );
}

#[tokio::test]
async fn a_polling_post_whose_body_comes_slowly_is_answered() {
    let (addr, mut reader, mut writer) = connection(Duration::from_secs(25)).await;
    let session = Polling::open(addr).await;
    let head = format!(
        "POST /socket.io/?{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 2\r\n\r\n4",
        session.query()
    );
    writer.write_all(head.as_bytes()).await.expect("write");
    tokio::time::sleep(DEADLINE + Duration::from_millis(500)).await;
    writer.write_all(b"0").await.expect("write");
    let (status, body) = response(&mut reader).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let connected = session.get_data().await;
    assert!(connected.starts_with("40{"), "{connected}");
}

#[tokio::test]
async fn a_websocket_session_lives_past_the_deadline() {
    let addr = start_with(Duration::from_secs(25)).await;
    let (mut ws, _sid) = ws_joined(addr).await;
    tokio::time::sleep(DEADLINE + Duration::from_millis(1000)).await;
    ws.send(r#"42["echo","still here"]"#).await.expect("send");
    assert_eq!(next_text(&mut ws).await, r#"42["echo","still here"]"#);
}

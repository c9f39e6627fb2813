//! Memory held by idle Socket.IO sessions on WebTransport, against the same sessions on a
//! WebSocket over TLS: `wsio serve --webtransport` runs as its own process, the test opens
//! `WSIO_WT_SESSIONS` (200 by default) sessions that join `/` and then stay idle, and reads
//! the server's resident memory (`VmRSS` in `/proc/PID/status`) before and after. Run by hand:
//!
//! ```sh
//! cargo test --release -p wsio-cli --test webtransport_memory -- --ignored --nocapture
//! ```
#![cfg(feature = "webtransport")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod binary;
mod wt_common;

use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use event_proto::Str;
use event_proto::engine::Packet;
use event_proto::engine::webtransport::{self, StreamDecoder, StreamStart};
use tokio::task::JoinSet;
use wsio_ws::{Message, WebSocket};
use wt_common::Cert;

/// How many sessions open at once while the test builds up its idle ones.
const CONCURRENCY: usize = 8;

/// The heartbeat of the measured server: long enough that no ping falls within a run, so
/// the idle clients need not answer any.
const PING_INTERVAL_MS: &str = "120000";

/// A `wsio serve` process, stopped by its pid when dropped; its log printed after a failure.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        if std::thread::panicking() {
            println!("server log:\n{}", binary::log(&mut self.0));
        }
    }
}

/// The server's resident memory, in KiB.
fn rss_kib(server: &Child) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.id())).expect("status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// How many sessions to open (`WSIO_WT_SESSIONS`, 200 by default).
fn sessions() -> usize {
    std::env::var("WSIO_WT_SESSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

/// One idle WebTransport session: what must stay alive for the server to keep it.
struct WtSession {
    _connection: wtransport::Connection,
    _send: wtransport::SendStream,
    _recv: wtransport::RecvStream,
}

/// Reads from `recv` until a whole packet has arrived; the packet.
async fn next_packet(
    connection: &wtransport::Connection,
    recv: &mut wtransport::RecvStream,
    decoder: &mut StreamDecoder,
    buf: &mut BytesMut,
) -> Packet {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(packet) = decoder.decode(buf).expect("framing") {
            return packet;
        }
        let read = match recv.read(&mut chunk).await {
            Ok(Some(read)) => read,
            other => panic!("read: {other:?}; {connection:?}"),
        };
        buf.extend_from_slice(&chunk[..read]);
    }
}

/// Opens a WebTransport session at `url`, a new Engine.IO session on its stream, and joins
/// the Socket.IO namespace `/`.
async fn open_wt(
    endpoint: Arc<wtransport::Endpoint<wtransport::endpoint::endpoint_side::Client>>,
    url: String,
) -> WtSession {
    let connection = endpoint.connect(url).await.expect("WebTransport session");
    let (mut send, mut recv) = connection
        .open_bi()
        .await
        .expect("stream")
        .await
        .expect("stream opened");
    let mut out = BytesMut::new();
    webtransport::encode(&StreamStart::New.to_packet(), &mut out);
    send.write_all(&out).await.expect("write");
    let mut decoder = StreamDecoder::new(1 << 20);
    let mut buf = BytesMut::new();
    let open = next_packet(&connection, &mut recv, &mut decoder, &mut buf).await;
    assert!(matches!(open, Packet::Open(_)), "{open:?}");
    out.clear();
    webtransport::encode(&Packet::Message(Str::from("0")), &mut out);
    send.write_all(&out).await.expect("write");
    let joined = next_packet(&connection, &mut recv, &mut decoder, &mut buf).await;
    match &joined {
        Packet::Message(text) => assert!(text.as_str().starts_with("0{"), "{joined:?}"),
        other => panic!("not the namespace's answer: {other:?}"),
    }
    WtSession {
        _connection: connection,
        _send: send,
        _recv: recv,
    }
}

/// Opens a WebSocket over TLS at `url` and joins the Socket.IO namespace `/`.
async fn open_ws(
    url: String,
    tls: Arc<rustls::ClientConfig>,
) -> WebSocket<wsio_ws::MaybeTlsStream> {
    let mut ws = wsio_ws::connect_with_tls(&url, wsio_ws::Config::default(), tls)
        .await
        .expect("WebSocket");
    let Some(Ok(Message::Text(open))) = ws.recv().await else {
        panic!("no open packet");
    };
    assert!(open.as_str().starts_with("0{"), "{}", open.as_str());
    ws.send("40").await.expect("send");
    let Some(Ok(Message::Text(joined))) = ws.recv().await else {
        panic!("no answer to the join");
    };
    assert!(joined.as_str().starts_with("40{"), "{}", joined.as_str());
    ws
}

/// Opens `n` sessions with `open`, `CONCURRENCY` at a time; all of them.
async fn open_all<T, F>(n: usize, open: impl Fn() -> F) -> Vec<T>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let mut sessions = Vec::with_capacity(n);
    let mut pending = JoinSet::new();
    for _ in 0..n {
        if pending.len() >= CONCURRENCY {
            sessions.push(pending.join_next().await.expect("a task").expect("opened"));
        }
        pending.spawn(open());
    }
    while let Some(session) = pending.join_next().await {
        sessions.push(session.expect("opened"));
    }
    sessions
}

/// What `n` idle sessions opened by `open` cost the server `server`: prints and returns the
/// resident memory per session in bytes. Ten sessions first warm the server up.
async fn measure<T, F>(label: &str, server: &Child, n: usize, open: impl Fn() -> F) -> u64
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
{
    let warm = open_all(10, &open).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(server);
    let started = Instant::now();
    let idle = open_all(n, &open).await;
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(server);
    let per = (after.saturating_sub(before) * 1024) / n as u64;
    println!(
        "{label}: {n} idle sessions opened in {took:.1?}; server RSS {before} KiB -> {after} KiB, \
         {per} B ({:.1} KiB) per session",
        per as f64 / 1024.0
    );
    drop(idle);
    drop(warm);
    per
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run by hand with --ignored --nocapture"]
async fn idle_session_memory_webtransport_and_websocket() {
    let n = sessions();
    let cert = Cert::new("memory");
    let extra = ["--ping-interval-ms", PING_INTERVAL_MS];

    let (server, url) = cert.serve_on(0, &extra);
    let server = Server(server);
    // A client endpoint (one UDP socket) for every 100 sessions.
    let endpoints: Vec<_> = (0..n.div_ceil(100) + 1)
        .map(|_| {
            let config = wtransport::ClientConfig::builder()
                .with_bind_default()
                .with_server_certificate_hashes([wtransport::tls::Sha256Digest::new(cert.sha256)])
                .max_idle_timeout(Some(Duration::from_secs(300)))
                .expect("idle timeout")
                .build();
            Arc::new(wtransport::Endpoint::client(config).expect("endpoint"))
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let wt_url = format!("{url}/socket.io/");
    let wt = measure("WebTransport", &server.0, n, || {
        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        open_wt(endpoints[i / 100 % endpoints.len()].clone(), wt_url.clone())
    })
    .await;
    drop(server);

    let (server, url) = cert.serve_on(0, &extra);
    let server = Server(server);
    let tls = Arc::new(cert.client_config(&[b"http/1.1"]));
    let ws_url = format!(
        "{}/socket.io/?EIO=4&transport=websocket",
        url.replace("https://", "wss://")
    );
    let ws = measure("WebSocket over TLS", &server.0, n, || {
        open_ws(ws_url.clone(), tls.clone())
    })
    .await;
    drop(server);
    println!(
        "WebTransport over WebSocket over TLS: {:.1}x",
        wt as f64 / ws.max(1) as f64
    );
    assert!(wt > 0 && ws > 0, "no growth measured");
}

//! Memory held by idle connections: the heap of a server connection (counting allocator),
//! and the RSS of connections that negotiated permessage-deflate.
//!
//! Both tests measure the whole process, so they take turns (`MEASURING`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsio_ws::{Config, Message, WebSocket};

/// Held by a test while it measures, so the other does not allocate meanwhile.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Counts the bytes allocated, less those freed, by the threads that measure: the heap test
/// runs its client and server on one current-thread runtime, so only its own thread counts.
/// Other threads (another test's, tearing down its thread-local compressors) cannot make the
/// figure move.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// Whether this thread's allocations count (set only while the heap test measures).
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: forwards to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CONNECTIONS: usize = 100;

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";

/// A masked single-frame text message "hi".
const HI: &[u8] = &[0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2];

#[tokio::test(flavor = "current_thread")]
async fn an_idle_connection_holds_under_4_kib() {
    let _turn = MEASURING.lock().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut clients = Vec::with_capacity(CONNECTIONS);
    let mut servers: Vec<WebSocket<TcpStream>> = Vec::with_capacity(CONNECTIONS);
    // Warm up lazily initialised runtime structures before measuring.
    let _ = TcpStream::connect(addr).await.unwrap();
    let _ = listener.accept().await.unwrap();

    COUNTED.with(|c| c.set(true));
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..CONNECTIONS {
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(REQUEST).await.unwrap();
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = wsio_ws::accept(tcp, Config::default()).await.unwrap();
        let mut head = [0u8; 512];
        let _ = client.read(&mut head).await.unwrap();
        // One small message each way, then idle: a receive that finds nothing to read.
        client.write_all(HI).await.unwrap();
        assert_eq!(
            ws.recv().await.unwrap().unwrap(),
            Message::Text("hi".into())
        );
        ws.send("hi").await.unwrap();
        let _ = client.read(&mut head).await.unwrap();
        let idle = tokio::time::timeout(Duration::from_millis(1), ws.recv()).await;
        assert!(idle.is_err(), "nothing should arrive");
        clients.push(client);
        servers.push(ws);
    }
    let heap = LIVE.load(Ordering::Relaxed) - before;
    COUNTED.with(|c| c.set(false));
    let heap = usize::try_from(heap).expect("the connections hold a positive heap");
    let per_connection = heap / CONNECTIONS;
    let total = per_connection + std::mem::size_of::<WebSocket<TcpStream>>();
    println!(
        "idle connection: {per_connection} B heap (both ends' sockets and registrations included) \
         + {} B struct = {total} B",
        std::mem::size_of::<WebSocket<TcpStream>>()
    );
    assert!(servers.iter().all(|ws| ws.buffered_capacity() == 0));
    assert!(total < 4096, "{total} bytes per idle connection");
}

/// Pairs of connections opened by the deflate test, capped by the open-files limit (two
/// sockets a pair).
fn deflate_pairs() -> usize {
    let soft_limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(1024);
    (soft_limit.saturating_sub(128) / 2).clamp(100, 1000)
}

/// The process's resident set (VmRSS), in bytes.
fn rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// About 2 KiB of Socket.IO-like JSON, different for every `n`.
fn event(n: usize) -> String {
    (0..16)
        .map(|i| {
            format!(
                "{{\"id\":{},\"user\":\"user{}\",\"text\":\"message number {} says hello\"}},",
                n * 16 + i,
                (n + i) % 97,
                n
            )
        })
        .collect()
}

/// A client and a server connection over loopback, with the settings of `config`, after one
/// compressed message each way; both have polled their socket once more and found nothing.
async fn idle_deflate_pair(
    listener: &TcpListener,
    config: &Config,
    n: usize,
) -> (WebSocket<wsio_ws::MaybeTlsStream>, WebSocket<TcpStream>) {
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let accepting = async {
        let (tcp, _) = listener.accept().await.unwrap();
        wsio_ws::accept(tcp, config.clone()).await.unwrap()
    };
    let (client, server) = tokio::join!(wsio_ws::connect(&url, config.clone()), accepting);
    let (mut client, mut server) = (client.unwrap(), server);
    assert!(client.is_compressed() && server.is_compressed());
    let message = Message::Text(event(n).into());
    client.send(message.clone()).await.unwrap();
    let got = server.recv().await.unwrap().unwrap();
    assert_eq!(got, message);
    server.send(got).await.unwrap();
    assert_eq!(client.recv().await.unwrap().unwrap(), message);
    for idle in [
        tokio::time::timeout(Duration::from_millis(1), client.recv()).await,
        tokio::time::timeout(Duration::from_millis(1), server.recv()).await,
    ] {
        assert!(idle.is_err(), "nothing should arrive");
    }
    (client, server)
}

/// RSS growth per idle connection with permessage-deflate as `Config::default()` negotiates
/// it: both ends of each pair live in this process, so the growth is split over twice the
/// pairs. One round on a warmed-up process: memory freed before it would be reused and hide
/// growth. The heap (counting allocator) is checked as well: it does not depend on which pages
/// the allocator happened to touch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_deflate_connection_holds_under_16_kib() {
    let _turn = MEASURING.lock().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = Config::default();
    let pairs = deflate_pairs();
    // Warm up the runtime, the allocator and each thread's spare (de)compressor.
    let mut warm = Vec::new();
    for n in 0..4 {
        warm.push(idle_deflate_pair(&listener, &config, n).await);
    }
    let before = rss();
    let heap_before = LIVE.load(Ordering::Relaxed);
    let mut held = Vec::with_capacity(pairs);
    for n in 0..pairs {
        held.push(idle_deflate_pair(&listener, &config, n).await);
    }
    let rss_per_connection = rss().saturating_sub(before) / (2 * pairs);
    let heap = (LIVE.load(Ordering::Relaxed) - heap_before).max(0) as usize / (2 * pairs);
    println!(
        "{pairs} idle deflate pairs: {rss_per_connection} B of RSS and {heap} B of heap per \
         connection"
    );
    assert!(
        heap < 8 * 1024,
        "{heap} bytes of heap per idle deflate connection"
    );
    assert!(
        rss_per_connection < 16 * 1024,
        "{rss_per_connection} bytes of RSS per idle deflate connection"
    );
    drop((held, warm));
}

/// What lets an idle connection hold no compression state: the server answers a browser's
/// offer with no context takeover in both directions (RFC 7692 §7.1.1 lets it).
#[tokio::test(flavor = "current_thread")]
async fn the_default_answer_asks_for_no_context_takeover() {
    let _turn = MEASURING.lock().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    client.write_all(REQUEST).await.unwrap();
    let (tcp, _) = listener.accept().await.unwrap();
    let ws = wsio_ws::accept(tcp, Config::default()).await.unwrap();
    assert!(ws.is_compressed());
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(
            client.read(&mut byte).await.unwrap(),
            1,
            "response cut short"
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(
        head.contains(
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; \
             client_no_context_takeover\r\n"
        ),
        "{head}"
    );
}

//! Heap held by an idle server connection, measured with a counting allocator.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsio_ws::{Config, Message, WebSocket};

/// Counts the bytes currently allocated by the whole process.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to the system allocator and only adds bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same layout contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
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
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut clients = Vec::with_capacity(CONNECTIONS);
    let mut servers: Vec<WebSocket<TcpStream>> = Vec::with_capacity(CONNECTIONS);
    // Warm up lazily initialised runtime structures before measuring.
    let _ = TcpStream::connect(addr).await.unwrap();
    let _ = listener.accept().await.unwrap();

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
    let heap = (LIVE.load(Ordering::Relaxed) - before) as usize;
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

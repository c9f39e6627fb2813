//! Heap held by idle Socket.IO sessions over WebSocket, measured with a counting allocator.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::alloc::{GlobalAlloc, Layout, System};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wsio_cli::serve::{ServeOptions, server};

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
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CONNECTIONS: usize = 200;

/// What the load generator sends: a browser-like upgrade request.
fn request(addr: SocketAddr) -> String {
    format!(
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {addr}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         User-Agent: wsio-load/1\r\nOrigin: http://{addr}\r\n\r\n"
    )
}

/// A masked single-frame text message "40".
const CONNECT: &[u8] = &[0x81, 0x82, 1, 2, 3, 4, b'4' ^ 1, b'0' ^ 2];

/// Reads until `count` frames beyond the 101 head arrived (each small and unfragmented).
async fn read_frames(tcp: &mut TcpStream, head: bool, count: usize) -> Vec<u8> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let mut rest = &raw[..];
        if head {
            match rest.windows(4).position(|w| w == b"\r\n\r\n") {
                Some(end) => rest = &rest[end + 4..],
                None => rest = &[],
            }
        }
        let mut frames = Vec::new();
        while rest.len() >= 2 && rest.len() >= 2 + usize::from(rest[1] & 0x7f) {
            let len = usize::from(rest[1] & 0x7f);
            frames.push(rest[2..2 + len].to_vec());
            rest = &rest[2 + len..];
        }
        if frames.len() >= count {
            return frames.concat();
        }
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
            .await
            .expect("in time")
            .expect("read");
        assert!(n > 0, "closed");
        raw.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn idle_socketio_session_heap() {
    let io = server(&ServeOptions::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    {
        let io = io.clone();
        tokio::spawn(async move { io.serve(listener, std::future::pending()).await });
    }
    let request = request(addr);
    let mut clients = Vec::with_capacity(CONNECTIONS + 1);
    // One session first, to warm up lazily initialised structures.
    let mut measure = None;
    for i in 0..=CONNECTIONS {
        if i == 1 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            measure = Some(LIVE.load(Ordering::Relaxed));
        }
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(request.as_bytes()).await.unwrap();
        let opened = read_frames(&mut tcp, true, 1).await;
        assert_eq!(opened.first(), Some(&b'0'));
        tcp.write_all(CONNECT).await.unwrap();
        let joined = read_frames(&mut tcp, false, 1).await;
        assert!(joined.starts_with(b"40{"), "{joined:?}");
        clients.push(tcp);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(io.session_count(), CONNECTIONS + 1);
    let before = measure.unwrap();
    let heap = LIVE.load(Ordering::Relaxed) - before;
    let per = heap / CONNECTIONS as isize;
    println!(
        "idle Socket.IO session: {per} B heap per connection (server, plus the client's \
         TcpStream registration)"
    );
    drop(clients);
}

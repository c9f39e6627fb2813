//! Heap held by permessage-deflate state, measured with a counting allocator.
//!
//! One test only, so no other test allocates while it measures. Run with `--nocapture` to see
//! the figures quoted in the docs of `PerMessageDeflate`.
#![cfg(feature = "deflate")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;
use ws_frame::{DeflateConfig, Extension, PerMessageDeflate, Role};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Heap held by a server's compressor and decompressor after one message each way.
fn held(bits: u8, no_context_takeover: bool) -> (usize, usize) {
    let cfg = DeflateConfig {
        server_max_window_bits: bits,
        client_max_window_bits: bits,
        server_no_context_takeover: no_context_takeover,
        client_no_context_takeover: no_context_takeover,
        threshold: 0,
        ..DeflateConfig::default()
    };
    let text = b"{\"event\":\"chat\",\"data\":\"hello hello hello hello\"}".repeat(100);
    let mut client = PerMessageDeflate::new(Role::Client, &cfg).expect("valid config");
    let mut wire = BytesMut::new();
    client.encode_message(&text, &mut wire).expect("compresses");
    let mut out = BytesMut::with_capacity(text.len());
    let mut message = BytesMut::with_capacity(text.len());

    let before = live();
    let mut server = PerMessageDeflate::new(Role::Server, &cfg).expect("valid config");
    server.encode_message(&text, &mut out).expect("compresses");
    let after_deflate = live();
    server
        .decode_fragment(&wire, true, &mut message, text.len())
        .expect("inflates");
    let after_inflate = live();
    assert_eq!(&message[..], &text[..]);
    drop(server);
    (after_deflate - before, after_inflate - after_deflate)
}

#[test]
fn heap_per_connection() {
    for bits in [15, 12, 9] {
        let (deflate, inflate) = held(bits, false);
        println!(
            "window bits {bits}: compressor {:.1} KiB, decompressor {:.1} KiB",
            deflate as f64 / 1024.0,
            inflate as f64 / 1024.0
        );
        assert!(deflate < 400 * 1024, "compressor {deflate}");
        // zlib-rs allocates a full 32 KiB window whatever the window bits.
        assert!(inflate < 56 * 1024, "decompressor {inflate}");
        assert!(
            deflate > 200 * 1024,
            "compressor {deflate}: was it allocated?"
        );
    }
    // Without context takeover nothing stays allocated between messages.
    let (deflate, inflate) = held(15, true);
    println!("no context takeover: compressor {deflate} B, decompressor {inflate} B held");
    assert_eq!((deflate, inflate), (0, 0));
}

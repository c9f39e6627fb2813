//! permessage-deflate with and without context takeover on 16 KiB (and 1 KiB) of JSON-like
//! text: the time to compress and inflate one message, and the compression ratio over a stream
//! of messages.
//!
//! * `keep`: context takeover both ways, compressor and decompressor live for the connection
//!   (about 336 KiB of RSS per connection, idle or not).
//! * `drop`: no context takeover, each message builds its compressor and decompressor and frees
//!   them after it (nothing held between messages).
//! * `shared`: no context takeover, each message borrows the thread's spare compressor and
//!   decompressor and resets them after it (nothing held per connection between messages; one
//!   pair per thread).
//! * `keep_w12` and `keep_w10`: context takeover with a 4 KiB and a 1 KiB compression window.
//!
//! Ratios are printed before the timings: compressed bytes over original bytes for 64
//! consecutive different messages (`stream`) and for the same message sent again (`repeat`).

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ws_frame::{DeflateConfig, Extension, PerMessageDeflate, Role};
use wsio_benches::json_events;

/// Bytes per message.
const SIZES: [usize; 2] = [16 * 1024, 1024];

/// Messages in the stream the ratio is measured on.
const STREAM: usize = 64;

/// The configurations compared, by name.
fn variants() -> Vec<(&'static str, DeflateConfig)> {
    let base = DeflateConfig {
        threshold: 0,
        ..DeflateConfig::default()
    };
    let no_takeover = DeflateConfig {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        ..base.clone()
    };
    vec![
        ("keep", base.clone()),
        (
            "drop",
            DeflateConfig {
                shared_contexts: false,
                ..no_takeover.clone()
            },
        ),
        (
            "shared",
            DeflateConfig {
                shared_contexts: true,
                ..no_takeover
            },
        ),
        (
            "keep_w12",
            DeflateConfig {
                server_max_window_bits: 12,
                client_max_window_bits: 12,
                ..base.clone()
            },
        ),
        (
            "keep_w10",
            DeflateConfig {
                server_max_window_bits: 10,
                client_max_window_bits: 10,
                ..base
            },
        ),
    ]
}

/// Compressed bytes over original bytes for `messages` sent in order on one connection.
fn ratio(config: &DeflateConfig, messages: &[Vec<u8>]) -> f64 {
    let limit = messages.iter().map(Vec::len).max().unwrap_or(0);
    let mut pair = Pair::new(config, limit);
    let wire: usize = messages.iter().map(|m| pair.send(m)).sum();
    let sent: usize = messages.iter().map(Vec::len).sum();
    wire as f64 / sent as f64
}

/// A server's compressor and a client's decompressor, and the buffers between them.
struct Pair {
    server: PerMessageDeflate,
    client: PerMessageDeflate,
    wire: BytesMut,
    message: BytesMut,
    /// The largest message inflated.
    limit: usize,
}

impl Pair {
    fn new(config: &DeflateConfig, limit: usize) -> Self {
        Pair {
            server: PerMessageDeflate::new(Role::Server, config).expect("valid config"),
            client: PerMessageDeflate::new(Role::Client, config).expect("valid config"),
            wire: BytesMut::with_capacity(limit),
            message: BytesMut::with_capacity(limit),
            limit,
        }
    }

    /// Compresses `text` on the server and inflates it on the client; gives the wire size.
    fn send(&mut self, text: &[u8]) -> usize {
        self.wire.clear();
        self.message.clear();
        let compressed = self.server.encode_message(text, &mut self.wire);
        assert!(matches!(compressed, Ok(true)));
        let inflated = self
            .client
            .decode_fragment(&self.wire, true, &mut self.message, self.limit);
        assert!(inflated.is_ok());
        assert_eq!(&self.message[..], text);
        self.wire.len()
    }
}

fn contexts(c: &mut Criterion) {
    let mut group = c.benchmark_group("deflate_contexts");
    for size in SIZES {
        // Consecutive messages of one connection: the same shape, other events.
        let events = (size / 128).max(1) as u64;
        let stream: Vec<Vec<u8>> = (0..STREAM as u64)
            .map(|n| json_events(n * events, size))
            .collect();
        let repeat = vec![stream[0].clone(), stream[0].clone()];
        group.throughput(Throughput::Bytes(size as u64));
        for (name, config) in variants() {
            let whole = ratio(&config, &stream);
            // The second message alone: the first one's bytes over both, subtracted.
            let first = ratio(&config, &repeat[..1]);
            let again = 2.0 * ratio(&config, &repeat) - first;
            println!(
                "deflate_contexts/{name}/{size}: stream ratio {:.2} %, first message {:.2} %, \
                 repeat {:.2} %",
                whole * 100.0,
                first * 100.0,
                again * 100.0
            );
            let mut pair = Pair::new(&config, size);
            let mut next = 0usize;
            group.bench_function(BenchmarkId::new(name, size), |b| {
                b.iter(|| {
                    next += 1;
                    black_box(pair.send(black_box(&stream[next % STREAM])))
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, contexts);
criterion_main!(benches);

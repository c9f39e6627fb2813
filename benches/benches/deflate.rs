//! permessage-deflate benchmarks: compress then inflate one message of JSON-like text, 1 KiB
//! and 64 KiB, with context takeover (the compressor and decompressor live across messages)
//! and without (each message starts fresh and the state is released after it).

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ws_frame::{DeflateConfig, Extension, PerMessageDeflate, Role};

/// `len` bytes of Socket.IO-like event JSON with varying numbers and names.
fn json(len: usize) -> Vec<u8> {
    wsio_benches::json_events(0, len)
}

/// The size `text` compresses to as a first message and as a repeat with context takeover.
fn compressed_sizes(config: &DeflateConfig, text: &[u8]) -> (usize, usize) {
    let mut client = PerMessageDeflate::new(Role::Client, config).expect("valid config");
    let mut wire = BytesMut::new();
    let _ = client.encode_message(text, &mut wire);
    let first = wire.len();
    wire.clear();
    let _ = client.encode_message(text, &mut wire);
    (first, wire.len())
}

fn round_trip(c: &mut Criterion) {
    let mut group = c.benchmark_group("deflate");
    let variants = [
        ("takeover", false, 1),
        ("no_takeover", true, 1),
        ("takeover_level6", false, 6),
        ("takeover_level2", false, 2),
    ];
    for size in [1 << 10, 64 << 10] {
        let text = json(size);
        group.throughput(Throughput::Bytes(size as u64));
        for (name, no_context_takeover, level) in variants {
            let config = DeflateConfig {
                server_no_context_takeover: no_context_takeover,
                client_no_context_takeover: no_context_takeover,
                compression_level: level,
                ..DeflateConfig::default()
            };
            let (first, repeat) = compressed_sizes(&config, &text);
            println!("deflate/{name}/{size}: compresses to {first} bytes, a repeat to {repeat}");
            let mut client = PerMessageDeflate::new(Role::Client, &config).expect("valid config");
            let mut server = PerMessageDeflate::new(Role::Server, &config).expect("valid config");
            let mut wire = BytesMut::with_capacity(size);
            let mut message = BytesMut::with_capacity(size);
            group.bench_with_input(BenchmarkId::new(name, size), &text, |b, text| {
                b.iter(|| {
                    wire.clear();
                    message.clear();
                    let compressed = client.encode_message(black_box(text), &mut wire);
                    assert!(matches!(compressed, Ok(true)));
                    let inflated = server.decode_fragment(&wire, true, &mut message, size);
                    assert!(inflated.is_ok());
                    black_box(message.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, round_trip);
criterion_main!(benches);

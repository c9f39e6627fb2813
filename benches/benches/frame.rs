//! Frame codec benchmarks: masking, decoding, message reading and encoding, side by side with
//! tungstenite's public frame API and a byte-at-a-time masking baseline.

use std::hint::black_box;
use std::io::{Cursor, Read, Write};

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tungstenite::protocol::frame::{Frame as TFrame, FrameSocket};
use tungstenite::protocol::{Role as TRole, WebSocket};
use ws_frame::{
    Connection, ConnectionConfig, Event, Frame, FrameDecoder, FrameEncoder, Limits, Message,
    MessageAssembler, OpCode, Role, apply_mask, apply_mask_bytewise, encode_with_mask,
};
use wsio_benches::pattern;

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn masking(c: &mut Criterion) {
    let mut group = c.benchmark_group("mask");
    for size in [1 << 10, 64 << 10, 1 << 20] {
        let mut data = pattern(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("wsio", size), &size, |b, _| {
            b.iter(|| apply_mask(black_box(&mut data), KEY))
        });
        group.bench_with_input(BenchmarkId::new("bytewise", size), &size, |b, _| {
            b.iter(|| apply_mask_bytewise(black_box(&mut data), KEY))
        });
    }
    group.finish();
}

/// `count` binary frames of `size` bytes each, masked with `mask` (as a client sends them) or
/// not (as a server sends them).
fn wire(size: usize, count: usize, mask: Option<[u8; 4]>) -> Vec<u8> {
    let payload = Bytes::from(pattern(size));
    let mut wire = BytesMut::new();
    for _ in 0..count {
        encode_with_mask(&Frame::binary(payload.clone()), mask, &mut wire);
    }
    wire.to_vec()
}

/// The most a read brings in the streamed cases: what a `wsio-ws` connection asks of its
/// socket at once while a large frame arrives.
const READ: usize = 64 * 1024;

/// An in-memory stream that hands out at most [`READ`] bytes per read, as a socket does.
struct Chunked<'a>(&'a [u8]);

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(READ).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        buf[..n].copy_from_slice(head);
        self.0 = rest;
        Ok(n)
    }
}

/// A duplex stream for tungstenite's `WebSocket`: reads from `R` (the input, whole or in
/// chunks), discards writes (auto-pongs).
struct Input<R>(R);

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> Write for Input<R> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn decode_cases(mask: Option<[u8; 4]>) -> Vec<(String, Vec<u8>, usize)> {
    let mut cases: Vec<(String, Vec<u8>, usize)> = [16usize, 1 << 10, 64 << 10, 1 << 20]
        .into_iter()
        .map(|size| (format!("1x{size}B"), wire(size, 1, mask), 1))
        .collect();
    cases.push(("1000x16B".to_owned(), wire(16, 1000, mask), 1000));
    cases
}

/// Frame decoding of masked client frames. tungstenite's public `FrameSocket` leaves payloads
/// masked; ours unmasks them, so this comparison is conservative for us.
fn decode_masked(c: &mut Criterion) {
    decode(c, "decode_frames_masked", Role::Server, Some(KEY));
}

/// Frame decoding of unmasked server frames, as a client reads them: the same work on both
/// sides.
fn decode_unmasked(c: &mut Criterion) {
    decode(c, "decode_frames_unmasked", Role::Client, None);
}

fn decode(c: &mut Criterion, group: &str, role: Role, mask: Option<[u8; 4]>) {
    let mut group = c.benchmark_group(group);
    let limits = Limits::unlimited();
    for (name, wire, count) in decode_cases(mask) {
        group.throughput(Throughput::Bytes(wire.len() as u64));
        group.bench_with_input(BenchmarkId::new("wsio", &name), &wire, |b, wire| {
            b.iter(|| {
                let mut decoder = FrameDecoder::with_limits(role, &limits);
                let mut buf = BytesMut::from(&wire[..]);
                let mut n = 0;
                while let Some(frame) = decoder.decode(&mut buf).expect("valid") {
                    black_box(&frame);
                    n += 1;
                }
                assert_eq!(n, count);
            })
        });
        group.bench_with_input(BenchmarkId::new("tungstenite", &name), &wire, |b, wire| {
            b.iter(|| {
                let mut socket = FrameSocket::new(Cursor::new(&wire[..]));
                let mut n = 0;
                while let Some(frame) = socket.read(None).expect("valid") {
                    black_box(&frame);
                    n += 1;
                }
                assert_eq!(n, count);
            })
        });
    }
    group.finish();
}

/// One masked 1 MiB frame arriving in reads of at most 64 KiB, as from a socket: wsio's buffer
/// grows read by read the way a connection's does (room is made only when the next read does not
/// fit, and then for a whole read) and the decoder is asked after every read;
/// tungstenite's `FrameSocket` reads from a stream that hands out 64 KiB at a time.
fn decode_streamed(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_frame_streamed_masked");
    let limits = Limits::unlimited();
    let size = 1 << 20;
    let wire = wire(size, 1, Some(KEY));
    group.throughput(Throughput::Bytes(wire.len() as u64));
    let name = format!("1x{size}B");
    group.bench_with_input(BenchmarkId::new("wsio", &name), &wire, |b, wire| {
        b.iter(|| {
            let mut decoder = FrameDecoder::with_limits(Role::Server, &limits);
            let mut buf = BytesMut::new();
            let mut frame = None;
            for read in wire.chunks(READ) {
                if buf.capacity() - buf.len() < read.len() {
                    buf.reserve(READ + 256);
                }
                buf.extend_from_slice(read);
                frame = decoder.decode(&mut buf).expect("valid");
            }
            let frame = frame.expect("one frame");
            assert_eq!(frame.payload.len(), size);
            black_box(&frame);
        })
    });
    group.bench_with_input(BenchmarkId::new("tungstenite", &name), &wire, |b, wire| {
        b.iter(|| {
            let mut socket = FrameSocket::new(Chunked(&wire[..]));
            let frame = socket.read(None).expect("valid").expect("one frame");
            assert_eq!(frame.payload().len(), size);
            black_box(&frame);
        })
    });
    group.finish();
}

/// Whole-message reading as a server: decode, unmask, assemble. Both sides do the same work.
fn read_messages(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_messages");
    let limits = Limits::unlimited();
    for (name, wire, count) in decode_cases(Some(KEY)) {
        group.throughput(Throughput::Bytes(wire.len() as u64));
        group.bench_with_input(BenchmarkId::new("wsio", &name), &wire, |b, wire| {
            b.iter(|| {
                let mut decoder = FrameDecoder::with_limits(Role::Server, &limits);
                let mut assembler = MessageAssembler::new(limits);
                let mut buf = BytesMut::from(&wire[..]);
                let mut n = 0;
                while let Some(frame) = decoder.decode(&mut buf).expect("valid") {
                    black_box(assembler.push(frame).expect("valid"));
                    n += 1;
                }
                assert_eq!(n, count);
            })
        });
        group.bench_with_input(BenchmarkId::new("tungstenite", &name), &wire, |b, wire| {
            b.iter(|| {
                let config = tungstenite::protocol::WebSocketConfig::default()
                    .max_message_size(None)
                    .max_frame_size(None);
                let mut ws = WebSocket::from_raw_socket(
                    Input(Cursor::new(&wire[..])),
                    TRole::Server,
                    Some(config),
                );
                for _ in 0..count {
                    black_box(ws.read().expect("valid"));
                }
            })
        });
    }
    group.finish();
}

/// One masked 1 MiB message arriving in reads of at most 64 KiB, through each library's whole
/// read path: wsio's [`Connection`] with a fresh read buffer that it sizes itself (as after an
/// idle spell, when a connection gives its buffer back), tungstenite's `WebSocket` reading from
/// a stream that hands out 64 KiB at a time. Decode, unmask, assemble: the same work.
fn read_message_streamed(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_message_streamed");
    let size = 1 << 20;
    let wire = wire(size, 1, Some(KEY));
    group.throughput(Throughput::Bytes(wire.len() as u64));
    let name = format!("1x{size}B");
    let config = ConnectionConfig {
        limits: Limits::unlimited(),
        ..ConnectionConfig::default()
    };
    group.bench_with_input(BenchmarkId::new("wsio", &name), &wire, |b, wire| {
        b.iter(|| {
            let mut conn = Connection::new(Role::Server, &config);
            let mut rest = &wire[..];
            let message = loop {
                let buf = conn.read_buffer();
                let n = (buf.capacity() - buf.len()).min(READ).min(rest.len());
                buf.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
                conn.note_received();
                if let Some(Event::Message(message)) = conn.next_event() {
                    break message;
                }
            };
            let Message::Binary(payload) = message else {
                panic!("a binary message")
            };
            assert_eq!(payload.len(), size);
            assert!(rest.is_empty());
            black_box(payload);
        })
    });
    group.bench_with_input(BenchmarkId::new("tungstenite", &name), &wire, |b, wire| {
        b.iter(|| {
            let config = tungstenite::protocol::WebSocketConfig::default()
                .max_message_size(None)
                .max_frame_size(None);
            let mut ws =
                WebSocket::from_raw_socket(Input(Chunked(&wire[..])), TRole::Server, Some(config));
            let message = ws.read().expect("valid");
            assert_eq!(message.len(), size);
            black_box(message);
        })
    });
    group.finish();
}

/// Encoding one unmasked (server) frame into a reused buffer.
fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_frame");
    for size in [16usize, 1 << 10, 64 << 10] {
        let payload = Bytes::from(pattern(size));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("wsio", size), &payload, |b, payload| {
            let mut encoder = FrameEncoder::new(Role::Server);
            let mut out = BytesMut::with_capacity(size + 16);
            b.iter(|| {
                out.clear();
                encoder.encode(&Frame::new(OpCode::Binary, payload.clone()), &mut out);
                black_box(&out);
            })
        });
        group.bench_with_input(
            BenchmarkId::new("tungstenite", size),
            &payload,
            |b, payload| {
                let mut out = Vec::with_capacity(size + 16);
                b.iter(|| {
                    out.clear();
                    TFrame::message(
                        payload.clone(),
                        tungstenite::protocol::frame::coding::OpCode::Data(
                            tungstenite::protocol::frame::coding::Data::Binary,
                        ),
                        true,
                    )
                    .format(&mut out)
                    .expect("in memory");
                    black_box(&out);
                })
            },
        );
    }
    group.finish();
}

criterion_group!(
    benches,
    masking,
    decode_masked,
    decode_unmasked,
    decode_streamed,
    read_messages,
    read_message_streamed,
    encode
);
criterion_main!(benches);

//! The echo path of a connection, without sockets: a client sends a message, the server
//! receives it and sends it back, the client receives it, over an in-memory duplex stream.
//! What it measures is the connection's own work per message: encoding, masking, buffering,
//! decoding, assembling, and the state machine around them.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio::io::DuplexStream;
use wsio_ws::{Config, Message, Role, WebSocket};

fn pair(config: &Config) -> (WebSocket<DuplexStream>, WebSocket<DuplexStream>) {
    let (a, b) = tokio::io::duplex(1 << 20);
    let client = WebSocket::from_raw(a, Role::Client, config.clone(), BytesMut::new(), None);
    let server = WebSocket::from_raw(b, Role::Server, config.clone(), BytesMut::new(), None);
    (client, server)
}

fn echo(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let keepalive = Config {
        keepalive: Some(std::time::Duration::from_secs(30)),
        ..Config::default()
    };
    let mut group = c.benchmark_group("ws_echo");
    for (name, config) in [
        ("binary", Config::default()),
        ("binary_keepalive", keepalive),
    ] {
        for size in [16usize, 1 << 10, 64 << 10] {
            let payload = Bytes::from(vec![b'x'; size]);
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(BenchmarkId::new(name, size), &payload, |b, payload| {
                let (mut client, mut server) = runtime.block_on(async { pair(&config) });
                b.iter(|| {
                    runtime.block_on(async {
                        client.send(Message::Binary(payload.clone())).await.unwrap();
                        let message = server.recv().await.unwrap().unwrap();
                        server.send(message).await.unwrap();
                        black_box(client.recv().await.unwrap().unwrap());
                    })
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, echo);
criterion_main!(benches);

//! Opening-handshake benchmarks: a server parsing, validating and answering a browser's upgrade
//! request, side by side with tungstenite's public server handshake functions.
//!
//! Both sides start from the same bytes and end with the 101 response bytes. wsio also
//! negotiates the permessage-deflate offer, which tungstenite ignores.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tungstenite::handshake::machine::TryParse;
use tungstenite::handshake::server::{Request as TRequest, create_response, write_response};
use ws_handshake::{
    AcceptOptions, ClientRequest, DeflateOffer, DeflatePolicy, Limits, Request, accept_key,
};

/// An upgrade request as Chrome sends it to a Socket.IO server (about 500 bytes).
const CHROME_REQUEST: &[u8] = b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n\
Host: localhost:3000\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://localhost:3000\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: io=8a1c2f0e9d7b6a54\r\n\
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";

fn server_accept(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake_server");
    group.throughput(Throughput::Bytes(CHROME_REQUEST.len() as u64));
    let limits = Limits::default();
    let options = AcceptOptions {
        deflate: Some(DeflatePolicy::default()),
        ..AcceptOptions::default()
    };
    group.bench_function("wsio/parse_validate_accept", |b| {
        b.iter(|| {
            let request = Request::parse(black_box(CHROME_REQUEST), &limits)
                .expect("valid head")
                .expect("complete head");
            let upgrade = request.validate().expect("valid upgrade");
            upgrade.accept(&options).expect("accepted").response
        })
    });
    group.bench_function("wsio/parse_only", |b| {
        b.iter(|| Request::parse(black_box(CHROME_REQUEST), &limits).expect("valid head"))
    });
    group.bench_function("tungstenite/parse_validate_accept", |b| {
        b.iter(|| {
            let (_, request) = TRequest::try_parse(black_box(CHROME_REQUEST))
                .expect("valid head")
                .expect("complete head");
            let response = create_response(&request).expect("valid upgrade");
            let mut out = Vec::with_capacity(160);
            write_response(&mut out, &response).expect("written");
            out
        })
    });
    group.finish();
}

fn client_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("handshake_client");
    let request = ClientRequest {
        host: "localhost:3000",
        target: "/socket.io/?EIO=4&transport=websocket",
        deflate: Some(DeflateOffer::default()),
        ..ClientRequest::default()
    };
    group.bench_function("wsio/build_request", |b| {
        b.iter(|| black_box(&request).build().expect("built"))
    });
    let (_, handshake) = request.build().expect("built");
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
        accept_key(handshake.key().as_bytes())
    );
    group.bench_function("wsio/verify_response", |b| {
        b.iter(|| {
            handshake
                .verify(black_box(answer.as_bytes()))
                .expect("verified")
                .expect("complete head")
        })
    });
    group.finish();
}

criterion_group!(benches, server_accept, client_verify);
criterion_main!(benches);

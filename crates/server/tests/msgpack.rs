//! A server on the MessagePack parser (`Config::parser`): every Socket.IO packet is one binary
//! message, over WebSocket as a binary frame and over long-polling as a base64 `b` packet.
//! Raw clients write and read the packets with event-proto's `MsgPackParser`, as
//! `socket.io-msgpack-parser` does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use common::*;
use event_proto::engine::{self, decode_payload, encode_payload};
use event_proto::socket::{Packet, PacketKind};
use event_proto::{
    AnyParser, Decoder, Limits, Message, MsgPackDecoder, MsgPackParser, Parser, Str, Value,
};
use wsio_server::{AckSender, Config, Server, Socket};
use wsio_ws::Message as WsMessage;

/// `/` with `echo` (emitted back and acknowledged) and `shout` (broadcast to everyone).
fn msgpack_server() -> Server {
    let io = Server::new(Config {
        parser: AnyParser::MsgPack,
        ..Config::default()
    });
    io.ns("/", |socket: Socket| {
        on_echo(&socket);
        socket.on(
            "shout",
            |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| async move {
                socket.namespace().emit("shouted", &args).await.unwrap();
                if let Some(ack) = ack {
                    ack.send(&("done",)).unwrap();
                }
            },
        );
    });
    io
}

/// The test client's decoder: it trusts the server under test with any size.
fn decoder() -> MsgPackDecoder {
    MsgPackParser.decoder(Limits {
        max_payload: usize::MAX,
        max_attachments: usize::MAX,
        max_attachment_bytes: usize::MAX,
    })
}

/// The next Socket.IO packet on `ws`: a binary message, never text.
async fn next_packet(ws: &mut Ws) -> Packet {
    match next(ws).await {
        WsMessage::Binary(bytes) => decoder().push(Message::Binary(bytes)).unwrap().unwrap(),
        other => panic!("expected a binary MessagePack packet, got {other:?}"),
    }
}

async fn send(ws: &mut Ws, packet: &Packet) {
    let encoded = MsgPackParser.encode(packet).unwrap();
    assert!(encoded.attachments.is_empty());
    let Message::Binary(bytes) = encoded.head else {
        panic!("MessagePack packets are binary");
    };
    ws.send(WsMessage::Binary(bytes)).await.unwrap();
}

fn event(name: &str, args: Vec<Value>, id: Option<u64>) -> Packet {
    let mut packet = Packet::event(Str::from("/"), name, args);
    packet.id = id;
    packet
}

async fn joined_ws(addr: std::net::SocketAddr) -> Ws {
    let mut ws = ws(addr, None).await;
    assert!(
        next_text(&mut ws).await.starts_with('0'),
        "the open packet stays JSON text"
    );
    send(&mut ws, &Packet::connect(Str::from("/"), None)).await;
    let reply = next_packet(&mut ws).await;
    assert_eq!(reply.kind, PacketKind::Connect);
    assert!(reply.data.as_ref().and_then(|d| d.get("sid")).is_some());
    ws
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_events_acks_and_broadcasts_with_inline_binary() {
    let addr = start(&msgpack_server()).await;
    let mut a = joined_ws(addr).await;
    let mut b = joined_ws(addr).await;
    let blob = Value::Binary(Bytes::from(vec![7u8; 100_000]));
    let args = vec![Value::from("hi"), Value::from(42), blob.clone()];
    send(&mut a, &event("echo", args.clone(), Some(5))).await;
    let echoed = next_packet(&mut a).await;
    assert_eq!(
        echoed.kind,
        PacketKind::Event,
        "binary inline: never BINARY_EVENT"
    );
    let mut expected = vec![Value::from("echo")];
    expected.extend(args.clone());
    assert_eq!(echoed.data, Some(Value::Array(expected)));
    let acked = next_packet(&mut a).await;
    assert_eq!((acked.kind, acked.id), (PacketKind::Ack, Some(5)));
    assert_eq!(acked.data, Some(Value::Array(args)));

    send(&mut a, &event("shout", vec![blob.clone()], Some(6))).await;
    for ws in [&mut a, &mut b] {
        let shouted = next_packet(ws).await;
        assert_eq!(
            shouted.data,
            Some(Value::Array(vec![Value::from("shouted"), blob.clone()]))
        );
    }
    let done = next_packet(&mut a).await;
    assert_eq!((done.kind, done.id), (PacketKind::Ack, Some(6)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_may_be_as_large_as_max_payload() {
    let io = Server::new(Config {
        parser: AnyParser::MsgPack,
        max_payload: 4 * 1024 * 1024,
        ..Config::default()
    });
    io.ns("/", |socket: Socket| on_echo(&socket));
    let addr = start(&io).await;
    let mut ws = joined_ws(addr).await;
    let text = Value::from("x".repeat(2 * 1024 * 1024));
    send(&mut ws, &event("echo", vec![text.clone()], None)).await;
    let echoed = next_packet(&mut ws).await;
    assert_eq!(
        echoed.data,
        Some(Value::Array(vec![Value::from("echo"), text]))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_carries_each_packet_as_base64() {
    let addr = start(&msgpack_server()).await;
    let polling = Polling::open(addr).await;
    let body = |packets: Vec<Packet>| {
        let messages: Vec<engine::Packet> = packets
            .iter()
            .map(|p| match MsgPackParser.encode(p).unwrap().head {
                Message::Binary(bytes) => engine::Packet::Binary(bytes),
                Message::Text(_) => unreachable!("MessagePack packets are binary"),
            })
            .collect();
        encode_payload(&messages)
    };
    let connect = body(vec![Packet::connect(Str::from("/"), None)]);
    assert_eq!(
        connect[0], b'b',
        "a binary packet over polling is base64 with a `b`"
    );
    assert_eq!(polling.post(&connect).await, 200);
    let mut received = Vec::new();
    while received.is_empty() {
        received.extend(read_packets(&polling).await);
    }
    assert_eq!(received[0].kind, PacketKind::Connect);

    let blob = Value::Binary(Bytes::from_static(b"\x00\x01\xfe\xff"));
    let post = body(vec![
        event("echo", vec![Value::from(1), blob.clone()], None),
        event("echo", vec![Value::from(2)], Some(9)),
    ]);
    assert_eq!(polling.post(&post).await, 200);
    let mut received = Vec::new();
    while received.len() < 3 {
        received.extend(read_packets(&polling).await);
    }
    let first = vec![Value::from("echo"), Value::from(1), blob];
    assert_eq!(received[0].data, Some(Value::Array(first)));
    assert_eq!(
        received[1].data,
        Some(Value::Array(vec![Value::from("echo"), Value::from(2)]))
    );
    assert_eq!(
        (received[2].kind, received[2].id),
        (PacketKind::Ack, Some(9))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_packet_to_a_msgpack_server_closes_the_connection() {
    let addr = start(&msgpack_server()).await;
    let mut ws = ws(addr, None).await;
    assert!(next_text(&mut ws).await.starts_with('0'));
    ws.send("40").await.unwrap();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match ws.recv().await {
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server closes a connection it cannot parse"
    );
}

/// One GET's Socket.IO packets (pings answered, noops skipped).
async fn read_packets(polling: &Polling) -> Vec<Packet> {
    let (status, body) = polling.get().await;
    assert_eq!(status, 200, "{body}");
    let mut out = Vec::new();
    for packet in decode_payload(Bytes::from(body), usize::MAX).unwrap() {
        match packet {
            engine::Packet::Binary(bytes) => {
                out.push(decoder().push(Message::Binary(bytes)).unwrap().unwrap());
            }
            engine::Packet::Ping(_) => {
                polling.post(b"3").await;
            }
            engine::Packet::Noop => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    out
}

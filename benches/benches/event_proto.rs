//! Engine.IO / Socket.IO packet benchmarks: event-proto's JSON parser side by side with
//! socketioxide's common parser, its MessagePack parser side by side with socketioxide's
//! msgpack parser (groups `<workload>/msgpack encode` and `/msgpack decode`, same data), plus
//! Engine.IO polling payloads.
//!
//! Each workload is measured as "encode" (user data → wire text; event-proto also through its
//! `Value` tree and from an already built packet) and "decode" (wire → packet), and for decode
//! also "typed" (wire → packet → user type), since socketioxide keeps the payload as raw JSON
//! until the user asks for it while event-proto builds a value tree.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use event_proto::engine::{self, decode_payload, encode_payload};
use event_proto::socket::Packet;
use event_proto::{
    Decoder, Encoded, JsonParser, Limits, Message, MsgPackParser, Parser, Str, Value,
};
use serde_json::json;
use socketioxide_core::packet::{Packet as SPacket, PacketData};
use socketioxide_core::parser::{Parse, ParseConfig, ParserState};
use socketioxide_core::{Str as SStr, Value as SValue};
use socketioxide_parser_common::CommonParser;
use socketioxide_parser_msgpack::MsgPackParser as SMsgPackParser;

/// `["chat",{"user":"a","text":"hello"}]`
fn small() -> serde_json::Value {
    json!({"user": "a", "text": "hello"})
}

/// An array of records whose JSON is about 16 KiB.
fn json_16k() -> serde_json::Value {
    let rows: Vec<_> = (0..230)
        .map(|i| json!({"id": i, "name": format!("user-{i}"), "tags": ["a", "b"], "score": i as f64 * 1.5}))
        .collect();
    serde_json::Value::Array(rows)
}

const ROOT: Str = Str::from_static("/");

fn ours_emit(name: &str, data: &serde_json::Value) -> Encoded {
    JsonParser
        .encode_event(&ROOT, name, &(data,), None)
        .expect("encodes")
}

fn ours_emit_via_value(name: &str, data: &serde_json::Value) -> Encoded {
    let packet = Packet::event_from("/", name, &(data,)).expect("converts");
    JsonParser.encode(&packet).expect("encodes")
}

fn theirs_emit(name: &str, data: &serde_json::Value) -> SValue {
    let value = CommonParser
        .encode_value(&(data,), Some(name))
        .expect("converts");
    CommonParser.encode(SPacket::event("/", value))
}

fn ours_decode(messages: &[Message]) -> Packet {
    let mut decoder = JsonParser.decoder(Limits::default());
    let mut out = None;
    for m in messages {
        out = decoder.push(m.clone()).expect("decodes");
    }
    out.expect("complete")
}

fn theirs_decode(text: &str, attachments: &[Bytes]) -> SPacket {
    let config = ParseConfig::default();
    let state = ParserState::default();
    let head = CommonParser.decode_str(&config, &state, SStr::from(text.to_owned()));
    match head {
        Ok(packet) => packet,
        Err(_) => {
            let mut out = None;
            for a in attachments {
                out = CommonParser.decode_bin(&config, &state, a.clone()).ok();
            }
            out.expect("complete")
        }
    }
}

fn theirs_args(packet: SPacket) -> serde_json::Value {
    match packet.inner {
        PacketData::Event(mut v, _) | PacketData::BinaryEvent(mut v, _) => {
            CommonParser.decode_value(&mut v, true).expect("typed")
        }
        _ => unreachable!("an event"),
    }
}

fn json_workload(c: &mut Criterion, group_name: &str, data: serde_json::Value) {
    let encoded = ours_emit("chat", &data);
    let text = encoded.text().expect("text").to_owned();
    let messages: Vec<Message> = encoded.messages().collect();
    let prebuilt = Packet::event_from("/", "chat", &(&data,)).expect("converts");

    let mut group = c.benchmark_group(format!("{group_name}/encode"));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| ours_emit("chat", black_box(&data)))
    });
    group.bench_function("event-proto via Value", |b| {
        b.iter(|| ours_emit_via_value("chat", black_box(&data)))
    });
    group.bench_function("event-proto prebuilt Value", |b| {
        b.iter(|| JsonParser.encode(black_box(&prebuilt)).expect("encodes"))
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| theirs_emit("chat", black_box(&data)))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{group_name}/decode"));
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| ours_decode(black_box(&messages)))
    });
    group.bench_function("event-proto typed", |b| {
        b.iter(|| {
            let p = ours_decode(black_box(&messages));
            p.deserialize_args::<(serde_json::Value,)>().expect("typed")
        })
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| theirs_decode(black_box(&text), &[]))
    });
    group.bench_function("socketioxide typed", |b| {
        b.iter(|| theirs_args(theirs_decode(black_box(&text), &[])))
    });
    group.finish();
}

fn msgpack_bytes(encoded: &Encoded) -> Bytes {
    match &encoded.head {
        Message::Binary(bytes) => bytes.clone(),
        Message::Text(_) => unreachable!("MessagePack packets are binary"),
    }
}

fn ours_msgpack_decode(bytes: &Bytes) -> Packet {
    let mut decoder = MsgPackParser.decoder(Limits::default());
    let packet = decoder.push(Message::Binary(bytes.clone()));
    packet.expect("decodes").expect("complete")
}

fn theirs_msgpack_emit<T: serde::Serialize + ?Sized>(name: &str, args: &T) -> SValue {
    let value = SMsgPackParser
        .encode_value(args, Some(name))
        .expect("converts");
    SMsgPackParser.encode(SPacket::event("/", value))
}

fn theirs_msgpack_decode(bytes: &Bytes) -> SPacket {
    let config = ParseConfig::default();
    let state = ParserState::default();
    SMsgPackParser
        .decode_bin(&config, &state, bytes.clone())
        .expect("decodes")
}

/// The same workload through both MessagePack parsers: "event-proto" serializes the serde
/// arguments straight to MessagePack, "prebuilt Value" encodes an already built packet.
fn msgpack_workload(c: &mut Criterion, group_name: &str, data: serde_json::Value) {
    let bytes = msgpack_bytes(
        &MsgPackParser
            .encode_event(&ROOT, "chat", &(&data,), None)
            .expect("encodes"),
    );
    let prebuilt = Packet::event_from("/", "chat", &(&data,)).expect("converts");
    // Both parsers read each other's bytes (socketioxide writes 3.0 as a float, we as 3).
    let theirs = match theirs_msgpack_emit("chat", &(&data,)) {
        SValue::Bytes(b) => b,
        SValue::Str(..) => unreachable!("msgpack is binary"),
    };
    let canonical = |b: &Bytes| event_proto::msgpack::encode(&ours_msgpack_decode(b));
    assert_eq!(canonical(&theirs), canonical(&bytes));
    theirs_msgpack_decode(&bytes);

    let mut group = c.benchmark_group(format!("{group_name}/msgpack encode"));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| {
            MsgPackParser
                .encode_event(&ROOT, "chat", &(black_box(&data),), None)
                .expect("encodes")
        })
    });
    group.bench_function("event-proto prebuilt Value", |b| {
        b.iter(|| MsgPackParser.encode(black_box(&prebuilt)).expect("encodes"))
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| theirs_msgpack_emit("chat", &(black_box(&data),)))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{group_name}/msgpack decode"));
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| ours_msgpack_decode(black_box(&bytes)))
    });
    group.bench_function("event-proto typed", |b| {
        b.iter(|| {
            let p = ours_msgpack_decode(black_box(&bytes));
            p.deserialize_args::<(serde_json::Value,)>().expect("typed")
        })
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| theirs_msgpack_decode(black_box(&bytes)))
    });
    group.bench_function("socketioxide typed", |b| {
        b.iter(|| match theirs_msgpack_decode(black_box(&bytes)).inner {
            PacketData::Event(mut v, _) => SMsgPackParser
                .decode_value::<(serde_json::Value,)>(&mut v, true)
                .expect("typed"),
            _ => unreachable!("an event"),
        })
    });
    group.finish();
}

fn small_event(c: &mut Criterion) {
    json_workload(c, "small_event", small());
    msgpack_workload(c, "small_event", small());
}

fn json_event_16k(c: &mut Criterion) {
    json_workload(c, "json_16k", json_16k());
    msgpack_workload(c, "json_16k", json_16k());
}

fn binary_64k(c: &mut Criterion) {
    let data = Bytes::from(wsio_benches::pattern(64 * 1024));
    let encoded = JsonParser
        .encode(&Packet::event(
            "/",
            "file",
            vec![Value::Binary(data.clone())],
        ))
        .expect("encodes");
    let text = encoded.text().expect("text").to_owned();
    let messages: Vec<Message> = encoded.messages().collect();

    let mut group = c.benchmark_group("binary_64k/encode");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| {
            let p = Packet::event("/", "file", vec![Value::Binary(black_box(&data).clone())]);
            JsonParser.encode(&p).expect("encodes")
        })
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| {
            let value = CommonParser
                .encode_value(black_box(&data), Some("file"))
                .expect("converts");
            CommonParser.encode(SPacket::event("/", value))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("binary_64k/decode");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| ours_decode(black_box(&messages)))
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| theirs_decode(black_box(&text), &encoded.attachments))
    });
    group.finish();

    let packet = Packet::event("/", "file", vec![Value::Binary(data.clone())]);
    let bytes = msgpack_bytes(&MsgPackParser.encode(&packet).expect("encodes"));
    let mut group = c.benchmark_group("binary_64k/msgpack encode");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| {
            let p = Packet::event("/", "file", vec![Value::Binary(black_box(&data).clone())]);
            MsgPackParser.encode(&p).expect("encodes")
        })
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| theirs_msgpack_emit("file", black_box(&data)))
    });
    group.finish();

    let mut group = c.benchmark_group("binary_64k/msgpack decode");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("event-proto", |b| {
        b.iter(|| ours_msgpack_decode(black_box(&bytes)))
    });
    group.bench_function("socketioxide", |b| {
        b.iter(|| theirs_msgpack_decode(black_box(&bytes)))
    });
    group.finish();
}

fn polling_100(c: &mut Criterion) {
    let packets: Vec<engine::Packet> = (0..100)
        .map(|i| {
            let text = format!("2[\"chat\",{{\"user\":\"u{i}\",\"text\":\"hello\"}}]");
            engine::Packet::Message(Str::from(text))
        })
        .collect();
    let body = encode_payload(&packets);

    let mut group = c.benchmark_group("polling_100");
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("encode", |b| b.iter(|| encode_payload(black_box(&packets))));
    group.bench_function("decode", |b| {
        b.iter(|| decode_payload(black_box(&body).clone(), 1_000_000).expect("decodes"))
    });
    group.bench_function("decode + socket packets", |b| {
        b.iter(|| {
            let mut decoder = JsonParser.decoder(Limits::default());
            let mut count = 0;
            for p in decode_payload(black_box(&body).clone(), 1_000_000).expect("decodes") {
                if let engine::Packet::Message(text) = p {
                    count += usize::from(decoder.push(Message::Text(text)).expect("ok").is_some());
                }
            }
            count
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = small_event, json_event_16k, binary_64k, polling_100
}
criterion_main!(benches);

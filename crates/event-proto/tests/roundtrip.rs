//! Property tests: every packet survives encode → decode unchanged.

use bytes::Bytes;
use event_proto::engine::{self, decode_payload, encode_payload};
use event_proto::socket::{Packet, PacketKind};
use event_proto::value::Number;
use event_proto::{Decoder, JsonParser, Limits, Message, MsgPackParser, Parser, Str, Value};
use proptest::prelude::*;

fn leaf(binary: bool) -> BoxedStrategy<Value> {
    let mut options = vec![
        Just(Value::Null).boxed(),
        any::<bool>().prop_map(Value::Bool).boxed(),
        any::<i64>().prop_map(|n| Value::Number(n.into())).boxed(),
        any::<u64>().prop_map(|n| Value::Number(n.into())).boxed(),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(Value::Number)
            .boxed(),
        any::<String>().prop_map(Value::String).boxed(),
    ];
    if binary {
        let bytes = proptest::collection::vec(any::<u8>(), 0..64);
        options.push(bytes.prop_map(|b| Value::Binary(Bytes::from(b))).boxed());
    }
    proptest::strategy::Union::new(options).boxed()
}

/// Nested JSON, with binary at any depth when `binary` is set. Keys never spell the
/// placeholder marker.
fn value(binary: bool) -> BoxedStrategy<Value> {
    leaf(binary)
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec(("[a-z]{0,6}|\\PC{0,4}", inner), 0..6)
                    .prop_filter("no placeholder key", |m| m
                        .iter()
                        .all(|(k, _)| k != "_placeholder"))
                    .prop_map(Value::Object),
            ]
        })
        .boxed()
}

fn object(binary: bool) -> BoxedStrategy<Value> {
    proptest::collection::vec(("[a-z]{1,6}", value(binary)), 0..4)
        .prop_map(Value::Object)
        .boxed()
}

fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![Just("/".to_owned()), "/[^,]{0,12}"]
}

fn packet() -> impl Strategy<Value = Packet> {
    let data = prop_oneof![
        proptest::option::of(object(false)).prop_map(|d| (PacketKind::Connect, d)),
        Just((PacketKind::Disconnect, None)),
        ("\\PC{0,10}", proptest::collection::vec(value(true), 0..4)).prop_map(|(name, args)| {
            let mut items = vec![Value::String(name)];
            items.extend(args);
            (PacketKind::Event, Some(Value::Array(items)))
        }),
        proptest::collection::vec(value(true), 0..4)
            .prop_map(|args| (PacketKind::Ack, Some(Value::Array(args)))),
        ("\\PC{0,20}", proptest::option::of(value(false))).prop_map(|(message, data)| {
            let mut members = vec![("message".to_owned(), Value::String(message))];
            members.extend(data.map(|d| ("data".to_owned(), d)));
            (PacketKind::ConnectError, Some(Value::Object(members)))
        }),
    ];
    (namespace(), proptest::option::of(any::<u64>()), data).prop_map(|(ns, id, (kind, data))| {
        Packet {
            kind,
            ns: Str::from(ns),
            id,
            data,
        }
    })
}

fn decode(messages: impl Iterator<Item = Message>) -> Packet {
    let mut decoder = JsonParser.decoder(Limits {
        max_attachments: usize::MAX,
        max_attachment_bytes: usize::MAX,
        ..Limits::default()
    });
    let mut out = None;
    for m in messages {
        assert!(out.is_none(), "packet completed before its last message");
        out = decoder.push(m).expect("decodes");
    }
    out.expect("complete")
}

/// Integral floats as the integers MessagePack writes them as (JavaScript has one number type).
fn integral_floats_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0) {
                if (0.0..1.8e19).contains(&f) {
                    *n = (f as u64).into();
                } else if (-9.2e18..0.0).contains(&f) {
                    *n = (f as i64).into();
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(members) => members
            .iter_mut()
            .for_each(|(_, v)| integral_floats_as_integers(v)),
        _ => {}
    }
}

fn msgpack_decode(bytes: Bytes) -> event_proto::Result<Option<Packet>> {
    MsgPackParser
        .decoder(Limits {
            max_attachments: usize::MAX,
            max_attachment_bytes: usize::MAX,
            max_payload: usize::MAX,
        })
        .push(Message::Binary(bytes))
}

fn engine_packet() -> impl Strategy<Value = engine::Packet> {
    let text = || "[^\\x1e]{0,24}".prop_map(Str::from);
    prop_oneof![
        text().prop_map(engine::Packet::Open),
        Just(engine::Packet::Close),
        text().prop_map(engine::Packet::Ping),
        text().prop_map(engine::Packet::Pong),
        text().prop_map(engine::Packet::Message),
        proptest::collection::vec(any::<u8>(), 0..48)
            .prop_map(|b| engine::Packet::Binary(Bytes::from(b))),
        Just(engine::Packet::Upgrade),
        Just(engine::Packet::Noop),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn socket_packets_round_trip(p in packet()) {
        let encoded = JsonParser.encode(&p).expect("encodes");
        let decoded = decode(encoded.messages());
        let mut expected = p.clone();
        if p.has_binary() {
            expected.kind = p.kind.with_binary();
        }
        prop_assert_eq!(&decoded, &expected);
        prop_assert_eq!(JsonParser.encode(&decoded).expect("re-encodes"), encoded);
    }

    #[test]
    fn serde_fast_path_matches_value_path(
        ns in namespace(),
        name in "\\PC{0,8}",
        id in proptest::option::of(any::<u64>()),
        args in proptest::collection::vec(value(true), 0..4),
    ) {
        let ns = Str::from(ns);
        let direct = JsonParser.encode_event(&ns, &name, &args, id).expect("encodes");
        let mut packet = Packet::event(ns.clone(), &name, args.clone());
        packet.id = id;
        prop_assert_eq!(&direct, &JsonParser.encode(&packet).expect("encodes"));
        let ack = JsonParser.encode_ack(&ns, 1, &args).expect("encodes");
        prop_assert_eq!(ack, JsonParser.encode(&Packet::ack(ns, 1, args)).expect("encodes"));
    }

    #[test]
    fn polling_payloads_round_trip(packets in proptest::collection::vec(engine_packet(), 1..24)) {
        let body = encode_payload(&packets);
        prop_assert_eq!(decode_payload(body, usize::MAX), Ok(packets));
    }

    #[test]
    fn engine_frames_round_trip(p in engine_packet()) {
        prop_assert_eq!(engine::Packet::decode_ws(p.encode_ws()), Ok(p));
    }

    #[test]
    fn msgpack_packets_round_trip(mut p in packet()) {
        if let Some(data) = p.data.as_mut() {
            integral_floats_as_integers(data);
        }
        let encoded = MsgPackParser.encode(&p).expect("encodes");
        prop_assert!(encoded.attachments.is_empty());
        let Message::Binary(bytes) = encoded.head.clone() else {
            panic!("a binary message");
        };
        let decoded = msgpack_decode(bytes).expect("decodes").expect("a packet");
        prop_assert_eq!(&decoded, &p);
        prop_assert_eq!(MsgPackParser.encode(&decoded).expect("re-encodes"), encoded);
        let direct = match p.event_name() {
            Some(name) => MsgPackParser.encode_event(&p.ns, name, p.args(), p.id),
            None => return Ok(()),
        };
        prop_assert_eq!(direct.expect("encodes"), MsgPackParser.encode(&p).expect("encodes"));
    }

    #[test]
    fn msgpack_garbage_never_panics(
        p in packet(),
        cut in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        garbage in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let _ = msgpack_decode(Bytes::from(garbage));
        // Valid packets cut short or with bytes changed: errors or packets that re-encode.
        let mut bytes = event_proto::msgpack::encode(&p).expect("encodes").to_vec();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let mutated = Bytes::from(bytes.clone());
        if let Ok(Some(decoded)) = msgpack_decode(mutated) {
            let again = event_proto::msgpack::encode(&decoded).expect("a decoded packet encodes");
            prop_assert_eq!(msgpack_decode(again), Ok(Some(decoded)));
        }
        bytes.truncate(cut.index(bytes.len()));
        prop_assert!(msgpack_decode(Bytes::from(bytes)).is_err(), "a cut packet is an error");
    }

    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut decoder = JsonParser.decoder(Limits::default());
        if let Ok(text) = Str::from_utf8(Bytes::from(bytes.clone())) {
            let _ = decoder.push(Message::Text(text.clone()));
            let _ = engine::Packet::decode_text(text);
        }
        let _ = decoder.push(Message::Binary(Bytes::from(bytes.clone())));
        let _ = decode_payload(Bytes::from(bytes), 32);
    }
}

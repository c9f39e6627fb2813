//! Every encoded example of the Engine.IO v4 and Socket.IO v5 protocol documents, checked
//! byte-exact in both directions.

use bytes::Bytes;
use event_proto::engine::{self, Handshake, decode_payload, encode_payload};
use event_proto::socket::{Packet, PacketKind};
use event_proto::{Decoder, JsonParser, Limits, Message, Parser, Str, Value};
use serde_json::json;

fn bin(data: &'static [u8]) -> Value {
    Value::Binary(Bytes::from_static(data))
}

fn obj(j: serde_json::Value) -> Option<Value> {
    Some(Value::from(j))
}

fn packet(kind: PacketKind, ns: &str, id: Option<u64>, data: Option<Value>) -> Packet {
    Packet {
        kind,
        ns: Str::from(ns),
        id,
        data,
    }
}

fn decode_all(text: &str, attachments: &[&'static [u8]]) -> Packet {
    let mut decoder = JsonParser.decoder(Limits::default());
    let mut out = decoder
        .push(Message::Text(Str::from(text)))
        .expect("head decodes");
    for (i, a) in attachments.iter().enumerate() {
        assert!(out.is_none(), "complete before attachment {i}");
        out = decoder
            .push(Message::Binary(Bytes::from_static(a)))
            .expect("attachment decodes");
    }
    out.expect("complete after all attachments")
}

/// Encodes `p` and expects `text` + `attachments`; decodes them and expects `p` back.
fn both_ways(p: Packet, text: &str, attachments: &[&'static [u8]]) {
    let encoded = JsonParser.encode(&p).expect("encodes");
    assert_eq!(encoded.text(), Some(text));
    let expected: Vec<Bytes> = attachments.iter().map(|a| Bytes::from_static(a)).collect();
    assert_eq!(encoded.attachments, expected, "{text}");
    assert_eq!(decode_all(text, attachments), p, "{text}");
}

#[test]
fn socket_connect_examples() {
    use PacketKind::*;
    both_ways(packet(Connect, "/", None, None), "0", &[]);
    both_ways(
        packet(
            Connect,
            "/admin",
            None,
            obj(json!({"sid": "oSO0OpakMV_3jnilAAAA"})),
        ),
        r#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
        &[],
    );
    both_ways(
        packet(
            ConnectError,
            "/",
            None,
            obj(json!({"message": "Not authorized"})),
        ),
        r#"4{"message":"Not authorized"}"#,
        &[],
    );
}

#[test]
fn socket_event_examples() {
    use PacketKind::*;
    both_ways(
        packet(Event, "/", None, obj(json!(["foo"]))),
        r#"2["foo"]"#,
        &[],
    );
    both_ways(
        packet(Event, "/admin", None, obj(json!(["bar"]))),
        r#"2/admin,["bar"]"#,
        &[],
    );
    let data = Some(Value::Array(vec![Value::from("baz"), bin(&[1, 2, 3, 4])]));
    both_ways(
        packet(BinaryEvent, "/", None, data),
        r#"51-["baz",{"_placeholder":true,"num":0}]"#,
        &[&[1, 2, 3, 4]],
    );
    let data = Some(Value::Array(vec![
        Value::from("baz"),
        bin(&[1, 2]),
        bin(&[3, 4]),
    ]));
    both_ways(
        packet(BinaryEvent, "/admin", None, data),
        r#"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#,
        &[&[1, 2], &[3, 4]],
    );
}

#[test]
fn socket_ack_examples() {
    use PacketKind::*;
    both_ways(
        packet(Event, "/", Some(12), obj(json!(["foo"]))),
        r#"212["foo"]"#,
        &[],
    );
    both_ways(packet(Ack, "/", Some(12), obj(json!([]))), "312[]", &[]);
    both_ways(
        packet(Event, "/admin", Some(13), obj(json!(["foo"]))),
        r#"2/admin,13["foo"]"#,
        &[],
    );
    both_ways(
        packet(Ack, "/admin", Some(13), obj(json!(["bar"]))),
        r#"3/admin,13["bar"]"#,
        &[],
    );
    let data = Some(Value::Array(vec![Value::from("bar"), bin(&[1, 2, 3, 4])]));
    both_ways(
        packet(BinaryAck, "/", Some(15), data),
        r#"61-15["bar",{"_placeholder":true,"num":0}]"#,
        &[&[1, 2, 3, 4]],
    );
}

#[test]
fn socket_disconnect_examples() {
    both_ways(packet(PacketKind::Disconnect, "/", None, None), "1", &[]);
    both_ways(
        packet(PacketKind::Disconnect, "/admin", None, None),
        "1/admin,",
        &[],
    );
}

#[test]
fn plain_kinds_with_binary_are_sent_as_binary_kinds() {
    let p = Packet::event("/", "baz", vec![bin(&[1, 2, 3, 4])]);
    let encoded = JsonParser.encode(&p).expect("encodes");
    assert_eq!(
        encoded.text(),
        Some(r#"51-["baz",{"_placeholder":true,"num":0}]"#)
    );
}

#[test]
fn sample_session_socket_packets() {
    let cases = [
        ("0", packet(PacketKind::Connect, "/", None, None)),
        (
            r#"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
            packet(
                PacketKind::Connect,
                "/",
                None,
                obj(json!({"sid": "wZX3oN0bSVIhsaknAAAI"})),
            ),
        ),
        (
            r#"2["hey","Jude"]"#,
            Packet::event("/", "hey", vec![Value::from("Jude")]),
        ),
        (
            "0/admin,",
            packet(PacketKind::Connect, "/admin", None, None),
        ),
        (
            r#"0/admin,{"sid":"-G5j-67EZFp-q59rADQM"}"#,
            packet(
                PacketKind::Connect,
                "/admin",
                None,
                obj(json!({"sid": "-G5j-67EZFp-q59rADQM"})),
            ),
        ),
        (
            r#"2/admin,1["tellme"]"#,
            Packet::event("/admin", "tellme", vec![]).with_ack(1),
        ),
    ];
    for (text, p) in cases {
        assert_eq!(decode_all(text, &[]), p, "{text}");
    }
    let p = decode_all(
        r#"61-/admin,1[{"_placeholder":true,"num":0}]"#,
        &[b"\x00\x01"],
    );
    assert_eq!(
        (p.kind, p.id, p.ns.as_str()),
        (PacketKind::BinaryAck, Some(1), "/admin")
    );
    assert_eq!(p.args(), &[bin(b"\x00\x01")]);
}

#[test]
fn engine_payload_examples() {
    let hello = engine::Packet::Message(Str::from("hello"));
    let cases: [(&[u8], Vec<engine::Packet>); 3] = [
        (
            b"4hello\x1e2\x1e4world",
            vec![
                hello.clone(),
                engine::Packet::Ping(Str::from("")),
                engine::Packet::Message(Str::from("world")),
            ],
        ),
        (
            b"4hello\x1ebAQIDBA==",
            vec![
                hello,
                engine::Packet::Binary(Bytes::from_static(&[1, 2, 3, 4])),
            ],
        ),
        (
            b"42[\"hello\"]\x1e42[\"world\"]",
            vec![
                engine::Packet::Message(Str::from(r#"2["hello"]"#)),
                engine::Packet::Message(Str::from(r#"2["world"]"#)),
            ],
        ),
    ];
    for (body, packets) in cases {
        let body = Bytes::from_static(body);
        assert_eq!(decode_payload(body.clone(), 1_000_000), Ok(packets.clone()));
        assert_eq!(encode_payload(&packets), body);
    }
}

#[test]
fn engine_websocket_examples() {
    let frames = [
        ("4hello", engine::Packet::Message(Str::from("hello"))),
        ("2probe", engine::Packet::probe_ping()),
        ("3probe", engine::Packet::probe_pong()),
        ("5", engine::Packet::Upgrade),
        ("2", engine::Packet::Ping(Str::from(""))),
        ("3", engine::Packet::Pong(Str::from(""))),
        ("1", engine::Packet::Close),
        ("40", engine::Packet::Message(Str::from("0"))),
    ];
    for (text, p) in frames {
        assert_eq!(
            engine::Packet::decode_ws(Message::Text(Str::from(text))),
            Ok(p.clone())
        );
        assert_eq!(p.encode_ws(), Message::Text(Str::from(text)));
    }
    let raw = Bytes::from_static(&[0, 1, 2, 3, 4, 5]);
    assert_eq!(
        engine::Packet::decode_ws(Message::Binary(raw.clone())),
        Ok(engine::Packet::Binary(raw))
    );
}

#[test]
fn engine_handshake_example() {
    let text = r#"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#;
    let hs = Handshake {
        sid: "lv_VI97HAXpY6yYWAAAC".into(),
        upgrades: vec!["websocket".into()],
        ping_interval: 25000,
        ping_timeout: 5000,
        max_payload: 1_000_000,
    };
    assert_eq!(hs.to_packet().encode_ws(), Message::Text(Str::from(text)));
    let p = engine::Packet::decode_text(Str::from(text)).expect("decodes");
    assert_eq!(Handshake::from_packet(&p), Ok(hs));
}

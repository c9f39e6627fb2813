//! The MessagePack parser against vectors written by the reference implementations:
//! `socket.io-msgpack-parser` 3.0.2 (fixtures/msgpack/npm.jsonl, from
//! interop/msgpack/generate.js) and python-socketio 5.18.1 (python.jsonl, from generate.py).
//!
//! Every vector must decode to the packet the default (JSON) parser decodes from the same
//! implementation's JSON encoding of it, survive encode → decode → encode, and — where the reference
//! wrote its keys in our order and nothing JavaScript-specific — encode to the very same bytes.
//! Vectors the reference decoder refuses must be refused too.

use bytes::Bytes;
use event_proto::socket::{Packet, PacketKind};
use event_proto::{Decoder, JsonParser, Limits, Message, MsgPackParser, Parser, Str};
use serde_json::Value as Json;

/// One vector of a fixture file.
struct Vector {
    name: String,
    msgpack: Bytes,
    /// The JSON parser's text and attachments, for a vector the reference accepts.
    json: Option<(String, Vec<Bytes>)>,
    /// The reference decoder's error, for a vector it refuses.
    error: Option<String>,
    exact: bool,
}

fn hex(text: &str) -> Bytes {
    let digits = text.as_bytes();
    assert!(digits.len().is_multiple_of(2), "odd hex length");
    let value = |d: u8| match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        _ => panic!("not a hex digit: {d}"),
    };
    digits
        .chunks(2)
        .map(|pair| value(pair[0]) << 4 | value(pair[1]))
        .collect::<Vec<u8>>()
        .into()
}

fn vectors(file: &str) -> Vec<Vector> {
    let path = format!(
        "{}/tests/fixtures/msgpack/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|line| {
            let v: Json = serde_json::from_str(line).expect("a JSON line");
            let field = |k: &str| v.get(k).and_then(Json::as_str).map(str::to_owned);
            let json = field("json").map(|head| {
                let attachments = v["attachments"].as_array().expect("attachments");
                (
                    head,
                    attachments
                        .iter()
                        .map(|a| hex(a.as_str().expect("hex")))
                        .collect(),
                )
            });
            Vector {
                name: field("name").expect("name"),
                msgpack: hex(&field("msgpack").expect("msgpack")),
                json,
                error: field("error"),
                exact: v.get("exact").and_then(Json::as_bool).unwrap_or(false),
            }
        })
        .collect()
}

fn limits() -> Limits {
    Limits {
        max_payload: 1 << 20,
        max_attachments: 16,
        max_attachment_bytes: 1 << 20,
    }
}

fn msgpack(bytes: &Bytes) -> event_proto::Result<Packet> {
    let packet = MsgPackParser
        .decoder(limits())
        .push(Message::Binary(bytes.clone()))?;
    Ok(packet.expect("one message is one packet"))
}

/// The packet the JSON parser reads, with the binary kinds as the plain ones MessagePack uses.
fn json(head: &str, attachments: &[Bytes]) -> event_proto::Result<Packet> {
    let mut decoder = JsonParser.decoder(limits());
    let mut packet = decoder.push(Message::Text(Str::from(head)))?;
    for a in attachments {
        packet = decoder.push(Message::Binary(a.clone()))?;
    }
    let mut packet = packet.expect("complete");
    packet.kind = match packet.kind {
        PacketKind::BinaryEvent => PacketKind::Event,
        PacketKind::BinaryAck => PacketKind::Ack,
        other => other,
    };
    Ok(packet)
}

/// Checks every vector of `file`; returns how many were accepted and refused.
fn check(file: &str) -> (usize, usize) {
    let (mut accepted, mut refused) = (0, 0);
    for v in vectors(file) {
        let name = &v.name;
        if let Some(error) = &v.error {
            assert!(
                msgpack(&v.msgpack).is_err(),
                "{file} {name}: the reference refuses it ({error}), so must we"
            );
            refused += 1;
            continue;
        }
        let packet = msgpack(&v.msgpack).unwrap_or_else(|e| panic!("{file} {name}: {e}"));
        let (head, attachments) = v.json.as_ref().expect("json");
        match json(head, attachments) {
            Ok(expected) => {
                if !name.starts_with("quirk_") {
                    assert_eq!(packet, expected, "{file} {name}: same packet as JSON");
                }
            }
            // The JSON parser wants CONNECT_ERROR data to be an object; a string becomes
            // `{message}` in MessagePack (python-socketio's "Unable to connect").
            Err(_) if name == "connect_error_string" => {
                let expected = Packet::connect_error(packet.ns.clone(), "Unable to connect", None);
                assert_eq!(packet, expected, "{file} {name}");
            }
            Err(e) => panic!("{file} {name}: the JSON twin does not decode: {e}"),
        }
        let encoded = MsgPackParser.encode(&packet).expect("encodes");
        let Message::Binary(ours) = &encoded.head else {
            panic!("{file} {name}: a text head");
        };
        // Integral floats (python-socketio's 1.0) come back as integers, so the fixpoint is
        // the second encoding.
        let again = msgpack(ours).unwrap_or_else(|e| panic!("{file} {name}: ours: {e}"));
        let twice = MsgPackParser.encode(&again).expect("encodes");
        assert_eq!(twice, encoded, "{file} {name}: round trip");
        if v.exact {
            assert_eq!(ours, &v.msgpack, "{file} {name}: byte for byte");
        }
        accepted += 1;
    }
    (accepted, refused)
}

#[test]
fn npm_vectors() {
    let (accepted, refused) = check("npm.jsonl");
    assert!(
        accepted >= 30 && refused >= 15,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn python_vectors() {
    let (accepted, refused) = check("python.jsonl");
    assert!(
        accepted >= 15 && refused == 0,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn npm_quirks() {
    let find = |name: &str| {
        vectors("npm.jsonl")
            .into_iter()
            .find(|v| v.name == name)
            .unwrap_or_else(|| panic!("no vector {name}"))
    };
    // notepack writes integral numbers of 2^64 and more as a wrapped uint64.
    let huge = msgpack(&find("quirk_huge_integral").msgpack).expect("decodes");
    assert_eq!(
        huge.args(),
        [0u64, 4096]
            .map(|n| n.into())
            .map(event_proto::Value::Number)
    );
    // socket.io-client adds `options: {compress: true}` to its events: skipped.
    let options = find("client_03_event");
    assert!(options.msgpack.windows(7).any(|w| w == b"options"));
    assert_eq!(
        msgpack(&options.msgpack).map(|p| p.event_name().map(str::to_owned)),
        Ok(Some("ask".into()))
    );
    // socket.io writes `pid: undefined` in CONNECT: the member is left out.
    let connect = msgpack(&find("server_01_connect").msgpack).expect("decodes");
    let data = connect.data.expect("data");
    assert!(data.get("sid").is_some() && data.get("pid").is_none());
    // A typed array (ext type 0) and an ArrayBuffer are binary; a Date is its ISO text.
    let ab = msgpack(&find("event_arraybuffer").msgpack).expect("decodes");
    assert!(ab.args().iter().all(|a| a.as_binary().is_some()));
    let date = msgpack(&find("event_date_undefined").msgpack).expect("decodes");
    assert_eq!(date.args()[0].as_str(), Some("2021-01-01T00:00:00.123Z"));
}

// ---------------------------------------------------------------------------------------------
// The other direction: the reference decoders read what we write. These run the reference
// implementations, so they are skipped (with a message) where those are not installed.

/// Packets covering every kind and the value formats, plus every fixture packet.
fn ours() -> Vec<Packet> {
    use event_proto::Value;
    let bin = |n: usize| Value::Binary(Bytes::from(vec![0xa5u8; n]));
    let many = |n: u64| Value::Array((0..n).map(|i| Value::Number(i.into())).collect());
    let members = (0..20)
        .map(|i| (format!("k{i}"), Value::from(format!("v{i}"))))
        .collect();
    let numbers = serde_json::json!([
        0,
        127,
        128,
        65_536,
        9_007_199_254_740_991u64,
        -1,
        -33,
        -129,
        -2_147_483_649i64,
        1.5,
        -0.25,
        1e300,
        2.0
    ]);
    let mut packets = vec![
        Packet::connect("/", None),
        Packet::connect(
            "/admin",
            Some(Value::from(serde_json::json!({"token": "t"}))),
        ),
        Packet::disconnect("/chat"),
        Packet::event("/", "hello", vec![]),
        Packet::event("/ns", "n", vec![Value::from(numbers)]).with_ack(0),
        Packet::event(
            "/",
            "s",
            vec![Value::from("é✓😀"), Value::from("x".repeat(300))],
        ),
        Packet::event(
            "/",
            "c",
            vec![many(16), Value::Object(members), Value::Null],
        )
        .with_ack(300),
        Packet::event(
            "/up",
            "file",
            vec![bin(3), Value::Object(vec![("f".into(), bin(300))])],
        ),
        Packet::ack("/", 4_294_967_296, vec![bin(0), Value::Bool(true)]),
        Packet::ack("/", 9_007_199_254_740_991, vec![]),
        Packet::connect_error(
            "/",
            "Not authorized",
            Some(Value::from(serde_json::json!({"c": 1}))),
        ),
    ];
    for file in ["npm.jsonl", "python.jsonl"] {
        packets.extend(
            vectors(file)
                .iter()
                .filter_map(|v| msgpack(&v.msgpack).ok()),
        );
    }
    packets
}

/// True if every integer in `value` is one JavaScript holds exactly.
fn js_safe(value: &event_proto::Value) -> bool {
    use event_proto::Value;
    match value {
        Value::Number(n) => n
            .as_f64()
            .is_some_and(|f| f.fract() != 0.0 || f.abs() < 9.0e15),
        Value::Array(items) => items.iter().all(js_safe),
        Value::Object(members) => members.iter().all(|(_, v)| js_safe(v)),
        _ => true,
    }
}

/// Writes `packets` as hex lines, runs `program args.. <file>`, and checks that each output
/// line (the reference's JSON rendering of what it decoded) is the same packet.
fn reference_reads(reference: &str, mut command: std::process::Command, packets: &[Packet]) {
    let path = std::env::temp_dir().join(format!("msgpack-{reference}-{}.hex", std::process::id()));
    let lines: Vec<String> = packets
        .iter()
        .map(|p| {
            let bytes = event_proto::msgpack::encode(p).expect("encodes");
            bytes.iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect();
    std::fs::write(&path, lines.join("\n")).expect("writes the input");
    let output = command.arg(&path).output().expect("runs");
    let _ = std::fs::remove_file(&path);
    assert!(
        output.status.success(),
        "{reference}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let answers: Vec<Json> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(
        answers.len(),
        packets.len(),
        "{reference}: one answer per packet"
    );
    for (packet, answer) in packets.iter().zip(answers) {
        if let Some(error) = answer.get("error") {
            panic!("{reference} refuses {packet:?}: {error}");
        }
        let head = answer["json"].as_str().expect("json");
        let attachments: Vec<Bytes> = answer["attachments"]
            .as_array()
            .expect("attachments")
            .iter()
            .map(|a| hex(a.as_str().expect("hex")))
            .collect();
        let theirs =
            json(head, &attachments).unwrap_or_else(|e| panic!("{reference}: {head}: {e}"));
        // Compared through our encoding, where 2.0 and 2 are the same number (as in JavaScript).
        assert_eq!(
            event_proto::msgpack::encode(&theirs),
            event_proto::msgpack::encode(packet),
            "{reference} read {packet:?} as {theirs:?}"
        );
    }
}

#[test]
fn npm_decodes_ours() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/msgpack");
    if !std::path::Path::new(dir)
        .join("node_modules/socket.io-msgpack-parser")
        .is_dir()
    {
        eprintln!("skipped: interop/msgpack/node_modules is missing (npm ci there to run this)");
        return;
    }
    let packets: Vec<Packet> = ours()
        .into_iter()
        .filter(|p| p.data.as_ref().is_none_or(js_safe))
        .collect();
    let mut node = std::process::Command::new("node");
    node.current_dir(dir).arg("check.js");
    reference_reads("socket.io-msgpack-parser", node, &packets);
}

#[test]
fn python_decodes_ours() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/msgpack");
    let python = std::env::var("WSIO_MSGPACK_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let probe = std::process::Command::new(&python)
        .args(["-c", "import msgpack, socketio.msgpack_packet"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "skipped: {python} cannot import python-socketio and msgpack (install \
             interop/msgpack/requirements.txt, or point WSIO_MSGPACK_PYTHON at a python that has them)"
        );
        return;
    }
    let mut py = std::process::Command::new(python);
    py.current_dir(dir).arg("check.py");
    reference_reads("python-socketio", py, &ours());
}

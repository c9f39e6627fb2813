//! The WebTransport stream framing against engine.io-parser 5.2.3: the vectors its encoder
//! and decoder streams wrote (fixtures/webtransport/npm.jsonl, from
//! interop/webtransport/generate.js), its decoder reading what `engine::webtransport` writes
//! (interop/webtransport/check.js, when that folder's node_modules is installed), and
//! encode → decode over random chunkings.

use bytes::{Bytes, BytesMut};
use event_proto::engine::Packet;
use event_proto::engine::webtransport::{self, MAX_LENGTH, StreamDecoder};
use event_proto::{Error, Str};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The fixture's `{"fill": n}` bodies, as generate.js makes them.
fn fill_text(n: usize) -> String {
    (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect()
}

fn fill_binary(n: usize) -> Vec<u8> {
    (0..n).map(|i| (7 * i + 3) as u8).collect()
}

fn fill(value: &Json) -> Option<usize> {
    value.get("fill").and_then(Json::as_u64).map(|n| n as usize)
}

/// A fixture's packet description as a packet.
fn packet(d: &Json) -> Packet {
    if let Some(binary) = d.get("binary") {
        let data =
            fill(binary).map_or_else(|| unhex(binary.as_str().expect("binary hex")), fill_binary);
        return Packet::Binary(Bytes::from(data));
    }
    let data = d.get("data").map_or_else(String::new, |v| {
        fill(v).map_or_else(|| v.as_str().expect("text").to_owned(), fill_text)
    });
    let text = Str::from(data);
    match d["type"].as_str().expect("type") {
        "open" => Packet::Open(text),
        "close" => Packet::Close,
        "ping" => Packet::Ping(text),
        "pong" => Packet::Pong(text),
        "message" => Packet::Message(text),
        "upgrade" => Packet::Upgrade,
        "noop" => Packet::Noop,
        other => panic!("unknown type {other}"),
    }
}

/// A packet described as the reference decoder describes what it read.
fn describe(p: &Packet) -> Json {
    let name = match p {
        Packet::Open(_) => "open",
        Packet::Close => "close",
        Packet::Ping(_) => "ping",
        Packet::Pong(_) => "pong",
        Packet::Message(_) | Packet::Binary(_) => "message",
        Packet::Upgrade => "upgrade",
        Packet::Noop => "noop",
    };
    match p {
        Packet::Binary(data) => json!({"type": name, "binary": hex(data)}),
        _ => match p.text_data().filter(|t| !t.is_empty()) {
            Some(text) => json!({"type": name, "data": text.as_str()}),
            None => json!({"type": name}),
        },
    }
}

fn encode_all(packets: &[Packet]) -> Vec<u8> {
    let mut out = BytesMut::new();
    for p in packets {
        webtransport::encode(p, &mut out);
    }
    out.to_vec()
}

/// Reads `wire` in pieces of the given sizes (cycled): the packets up to the first error, and
/// that error.
fn decode_pieces(wire: &[u8], max: usize, sizes: &[usize]) -> (Vec<Packet>, Option<Error>) {
    let mut decoder = StreamDecoder::new(max);
    let mut buf = BytesMut::new();
    let mut packets = Vec::new();
    let mut rest = wire;
    let mut sizes = sizes.iter().cycle();
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at((*sizes.next().expect("sizes")).clamp(1, rest.len()));
        rest = tail;
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(p)) => packets.push(p),
                Ok(None) => break,
                Err(e) => return (packets, Some(e)),
            }
        }
    }
    (packets, None)
}

fn vectors() -> Vec<Json> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/webtransport/npm.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn writes_what_the_npm_encoder_writes_and_reads_it_back() {
    let mut count = 0;
    for v in vectors().iter().filter(|v| v.get("maxPayload").is_none()) {
        let name = v["name"].as_str().expect("name");
        let packets: Vec<Packet> = v["packets"]
            .as_array()
            .expect("packets")
            .iter()
            .map(packet)
            .collect();
        let wire = match v.get("wire") {
            Some(w) => unhex(w.as_str().expect("wire")),
            None => {
                // One large packet: the header, then its body.
                let mut wire = unhex(v["header"].as_str().expect("header"));
                let (_, body) = webtransport::encode_parts(&packets[0]);
                wire.extend_from_slice(&body);
                wire
            }
        };
        assert_eq!(hex(&encode_all(&packets)), hex(&wire), "{name}");
        // engine.io-parser refuses an empty binary message (any empty body); it is read here.
        let refused = v.get("refused").is_some();
        assert_eq!(refused, name == "binary_empty", "{name}");
        for sizes in [&[wire.len()][..], &[1], &[2, 7, 1, 300], &[65_536]] {
            let (got, error) = decode_pieces(&wire, 1 << 20, sizes);
            assert_eq!(
                (&got, error),
                (&packets, None),
                "{name} in pieces {sizes:?}"
            );
        }
        count += 1;
    }
    assert!(count >= 20, "only {count} encoder vectors");
}

/// What this decoder does where it knowingly differs from engine.io-parser (see the module's
/// docs), and the error it gives where both fail.
fn expected_error(name: &str) -> Option<Error> {
    let too_large = |size: u64, max: u64| Error::PayloadTooLarge {
        size: usize::try_from(size).unwrap_or(usize::MAX),
        max: max as usize,
    };
    Some(match name {
        "over_limit_7bit" => too_large(11, 10),
        "over_limit_16bit" => too_large(1001, 1000),
        "over_limit_64bit_no_body" => too_large(2_000_001, 1_000_000),
        "length_2_pow_53" => too_large(1 << 53, MAX_LENGTH),
        "length_u64_max" => too_large(u64::MAX, MAX_LENGTH),
        "zero_text" | "message_then_zero" => Error::Empty,
        "unknown_type" => Error::UnknownType(b'9'),
        // Where engine.io-parser reads U+FFFD, and the polling form of a binary message.
        "invalid_utf8" | "truncated_utf8" => Error::InvalidUtf8,
        "base64_in_text" => Error::UnknownType(b'b'),
        _ => return None,
    })
}

#[test]
fn reads_like_the_npm_decoder() {
    let mut count = 0;
    for v in vectors().iter().filter(|v| v.get("maxPayload").is_some()) {
        let name = v["name"].as_str().expect("name");
        let wire = unhex(v["wire"].as_str().expect("wire"));
        let max = usize::try_from(v["maxPayload"].as_u64().expect("maxPayload")).expect("usize");
        let theirs: Vec<Json> = v["packets"].as_array().expect("packets").clone();
        let their_error = v["error"].as_bool().expect("error");
        for sizes in [&[wire.len()][..], &[1], &[3, 1]] {
            let (got, error) = decode_pieces(&wire, max, sizes);
            let ours: Vec<Json> = got.iter().map(describe).collect();
            assert_eq!(error, expected_error(name), "{name}");
            match name {
                // engine.io-parser fails on an empty body; an empty binary message is read here.
                "zero_binary" => {
                    assert!(their_error && theirs.is_empty());
                    assert_eq!(got, [Packet::Binary(Bytes::new())]);
                }
                "invalid_utf8" | "truncated_utf8" | "base64_in_text" => {
                    assert!(!their_error && theirs.len() == 1, "{name}");
                    assert!(ours.is_empty(), "{name}");
                }
                _ => {
                    assert_eq!(ours, theirs, "{name}");
                    assert_eq!(error.is_some(), their_error, "{name}");
                }
            }
        }
        count += 1;
    }
    assert!(count >= 15, "only {count} decoder vectors");
}

/// Packets covering every type, both kinds of body and the three header forms.
fn ours() -> Vec<Vec<Packet>> {
    let text = |s: &str| Str::from(s);
    let mut lists = vec![
        vec![webtransport::StreamStart::New.to_packet()],
        vec![
            webtransport::StreamStart::Upgrade {
                sid: "AbC-_12".into(),
            }
            .to_packet(),
            Packet::probe_ping(),
            Packet::Upgrade,
        ],
        vec![
            Packet::Ping(text("")),
            Packet::Pong(text("")),
            Packet::Close,
            Packet::Noop,
            Packet::probe_pong(),
        ],
        vec![
            Packet::Message(text("42[\"é ✓ 🦀\"]")),
            Packet::Message(text("")),
            Packet::Binary(Bytes::from_static(&[0, 0x80, 0xff])),
        ],
    ];
    for len in [125, 126, 65_535, 65_536, 70_000] {
        lists.push(vec![
            Packet::Binary(Bytes::from(fill_binary(len))),
            Packet::Message(Str::from(fill_text(len - 1))),
        ]);
    }
    lists
}

#[test]
fn the_npm_decoder_reads_ours() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../interop/webtransport");
    if !std::path::Path::new(dir)
        .join("node_modules/engine.io-parser")
        .is_dir()
    {
        eprintln!(
            "skipped: interop/webtransport/node_modules is missing (npm ci there to run this)"
        );
        return;
    }
    let lists = ours();
    let input: String = lists
        .iter()
        .map(|packets| hex(&encode_all(packets)) + "\n")
        .collect();
    let file = std::env::temp_dir().join(format!("wsio-webtransport-{}.hex", std::process::id()));
    std::fs::write(&file, input).expect("write the input");
    let output = std::process::Command::new("node")
        .current_dir(dir)
        .arg("check.js")
        .arg(&file)
        .output()
        .expect("run node");
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "check.js failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let answers: Vec<Json> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(answers.len(), lists.len());
    for (packets, answer) in lists.iter().zip(&answers) {
        let want: Vec<Json> = packets.iter().map(describe).collect();
        assert_eq!(answer, &json!({"packets": want, "error": false}));
    }
}

fn any_packet() -> impl Strategy<Value = Packet> {
    let text = || any::<String>().prop_map(Str::from);
    prop_oneof![
        text().prop_map(Packet::Open),
        Just(Packet::Close),
        text().prop_map(Packet::Ping),
        text().prop_map(Packet::Pong),
        text().prop_map(Packet::Message),
        "[a-z]{0,300}".prop_map(|s| Packet::Message(Str::from(s))),
        proptest::collection::vec(any::<u8>(), 0..400).prop_map(|b| Packet::Binary(b.into())),
        (0usize..3, any::<u8>())
            .prop_map(|(i, b)| Packet::Binary(vec![b; [125, 126, 65_536][i]].into())),
        Just(Packet::Upgrade),
        Just(Packet::Noop),
    ]
}

proptest! {
    #[test]
    fn encode_then_decode_in_any_pieces_is_the_identity(
        packets in proptest::collection::vec(any_packet(), 0..12),
        sizes in proptest::collection::vec(1usize..200, 1..16),
    ) {
        let wire = encode_all(&packets);
        let want: usize = packets.iter().map(webtransport::encoded_len).sum();
        prop_assert_eq!(wire.len(), want);
        let (got, error) = decode_pieces(&wire, 1 << 17, &sizes);
        prop_assert_eq!(error, None);
        prop_assert_eq!(got, packets);
    }
}

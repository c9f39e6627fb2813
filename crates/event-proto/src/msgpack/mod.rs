//! The MessagePack parser, wire-compatible with `socket.io-msgpack-parser` 3 (npm) and
//! python-socketio's `msgpack` serializer.
//!
//! Every Socket.IO packet is one binary message holding one MessagePack map:
//!
//! | key | value | when |
//! |---|---|---|
//! | `type` | the kind, an integer from 0 (`CONNECT`) to 4 (`CONNECT_ERROR`) | always |
//! | `data` | the payload | when the packet has one |
//! | `id` | the ack id, an integer | when the packet has one |
//! | `nsp` | the namespace, a string (`"/"` included) | always |
//!
//! Binary data is MessagePack `bin`, inline wherever it appears in `data`: there are no
//! attachments or placeholders, and so no `BINARY_EVENT` or `BINARY_ACK` kinds on the wire
//! (packets of those kinds are written as `EVENT` and `ACK`). Over WebSocket each packet is one
//! binary frame; over HTTP long-polling the Engine.IO layer carries it as a binary packet (`b`
//! and base64). [`crate::Encoded::head`] is [`crate::Message::Binary`], and
//! [`crate::Encoded::engine_packets`] yields [`crate::engine::Packet::Binary`].
//!
//! # Writing
//!
//! Keys are written in the order `type`, `data`, `id`, `nsp` — the order the reference server
//! (`socket.io` 4) writes an emitted event in — and absent fields are left out (the reference
//! decoder refuses a `DISCONNECT` whose `data` is present, even as `nil`). Values are written
//! as notepack writes JavaScript values: see [`write_value`]. [`Parser::encode_event`] and
//! [`Parser::encode_ack`] serialize serde arguments straight to MessagePack, to the same bytes
//! as encoding the packet built from them.
//!
//! # Reading
//!
//! The reference decoder's checks apply: `type` must be an integer from 0 to 4 (an integral
//! float counts), `nsp` a string, `id` absent or a non-negative integer, and `data` must suit
//! the kind — absent or an object for `CONNECT`, absent for `DISCONNECT`, an array for `EVENT`
//! and `ACK`, an object or a string for `CONNECT_ERROR`. Then [`Packet::validate`] runs, as for
//! JSON packets (the namespace starts with `/`, an event has a name). Beyond the reference:
//!
//! * `data: nil` counts as absent for `CONNECT` and `DISCONNECT` (python-socketio writes
//!   `data` always, `nil` when there is none), as does `id: nil`.
//! * A `CONNECT_ERROR` whose data is a string (python-socketio's `"Unable to connect"`)
//!   becomes `{"message": <string>}`, the shape [`Packet::validate`] expects.
//! * Other keys are skipped: `socket.io-client` adds `options` (`{"compress": true}`) to its
//!   events. A repeated key counts once, with its last value, as in JavaScript.
//!
//! Values are read as [`read_value`] describes: notepack's `undefined` leaves an object member
//! out (and a `data` or `id` absent), dates become ISO 8601 text.
//!
//! # Limits
//!
//! [`Limits`] applies as to a JSON packet and its attachments: the `bin` values (and binary
//! extensions) of one packet count as its attachments, bounded in number by
//! [`Limits::max_attachments`] and in total size by [`Limits::max_attachment_bytes`]; the rest
//! of the message is bounded by [`Limits::max_payload`]. Arrays and maps nest at most
//! [`MAX_DEPTH`] deep (the packet map counts), the JSON parser's bound. Declared lengths are
//! checked against the bytes that remain before anything is stored, so every item costs at
//! least one byte of input.
//!
//! # Example
//!
//! ```
//! use bytes::Bytes;
//! use event_proto::socket::Packet;
//! use event_proto::{Decoder, Limits, Message, MsgPackParser, Parser, Value};
//!
//! let file = Value::Binary(Bytes::from_static(&[1, 2, 3]));
//! let packet = Packet::event("/", "upload", vec![file]).with_ack(7);
//! let encoded = MsgPackParser.encode(&packet).unwrap();
//! assert!(encoded.attachments.is_empty(), "binary data is inline");
//! let Message::Binary(bytes) = &encoded.head else { panic!("a binary message") };
//! assert_eq!(
//!     &bytes[..],
//!     b"\x84\xa4type\x02\xa4data\x92\xa6upload\xc4\x03\x01\x02\x03\xa2id\x07\xa3nsp\xa1/"
//! );
//!
//! let mut decoder = MsgPackParser.decoder(Limits::default());
//! let decoded = decoder.push(encoded.head).unwrap().unwrap();
//! assert_eq!(decoded, packet);
//! ```

mod codec;
mod emit;

pub use codec::{Bounds, MAX_DEPTH, read_value, write_str, write_uint, write_value};

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::message::Message;
use crate::parser::{Decoder, Encoded, Parser};
use crate::socket::{Packet, PacketKind, ROOT_NAMESPACE};
use crate::text::Str;
use crate::value::Value;
use codec::Reader;
use serde::Serialize;

/// The MessagePack parser: one binary message per packet, binary data inline.
///
/// See the [module documentation](self) for the format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgPackParser;

impl Parser for MsgPackParser {
    type Decoder = MsgPackDecoder;

    fn encode(&self, packet: &Packet) -> Result<Encoded> {
        Ok(Encoded {
            head: Message::Binary(encode(packet)?),
            attachments: Vec::new(),
        })
    }

    fn encode_event<T: Serialize + ?Sized>(
        &self,
        ns: &Str,
        event: &str,
        args: &T,
        ack: Option<u64>,
    ) -> Result<Encoded> {
        emit::encode_args(ns, Some(event), ack, args)
    }

    fn encode_ack<T: Serialize + ?Sized>(&self, ns: &Str, id: u64, args: &T) -> Result<Encoded> {
        emit::encode_args(ns, None, Some(id), args)
    }

    fn decoder(&self, limits: Limits) -> MsgPackDecoder {
        MsgPackDecoder { limits }
    }
}

/// Per-connection state of [`MsgPackParser`]: none besides the limits, since every packet is
/// one message.
#[derive(Debug, Clone)]
pub struct MsgPackDecoder {
    limits: Limits,
}

impl Decoder for MsgPackDecoder {
    fn push(&mut self, message: Message) -> Result<Option<Packet>> {
        match message {
            Message::Binary(bytes) => decode(&bytes, &self.limits).map(Some),
            Message::Text(_) => Err(Error::ExpectedBinary),
        }
    }

    fn is_pending(&self) -> bool {
        false
    }
}

/// Writes `packet` as one MessagePack map.
pub fn encode(packet: &Packet) -> Result<Bytes> {
    packet.validate()?;
    let kind = match packet.kind {
        PacketKind::BinaryEvent => PacketKind::Event,
        PacketKind::BinaryAck => PacketKind::Ack,
        other => other,
    };
    let fields = 2 + usize::from(packet.data.is_some()) + usize::from(packet.id.is_some());
    let mut out = Vec::with_capacity(32);
    out.push(0x80 | fields as u8);
    write_str("type", &mut out);
    out.push(kind as u8);
    if let Some(data) = &packet.data {
        write_str("data", &mut out);
        write_value(data, &mut out);
    }
    if let Some(id) = packet.id {
        write_str("id", &mut out);
        write_uint(id, &mut out);
    }
    write_str("nsp", &mut out);
    write_str(packet.ns.as_str(), &mut out);
    Ok(Bytes::from(out))
}

/// Reads one packet from `input`, enforcing `limits`.
pub fn decode(input: &Bytes, limits: &Limits) -> Result<Packet> {
    let most = limits
        .max_payload
        .saturating_add(limits.max_attachment_bytes);
    if input.len() > most {
        return Err(Error::PayloadTooLarge {
            size: input.len(),
            max: most,
        });
    }
    let bounds = Bounds {
        max_depth: MAX_DEPTH,
        max_binaries: limits.max_attachments,
        max_binary_bytes: limits.max_attachment_bytes,
    };
    let mut reader = Reader::new(input, bounds);
    let Some((true, len)) = reader.container_head()? else {
        return Err(Error::InvalidMsgPack("a packet is a map"));
    };
    reader.enter(1, len, 2)?;
    let (mut kind, mut ns, mut data, mut id) = (None, None, None, None);
    // The namespace when it is a string (always, in a valid packet): shared with the input.
    let mut ns_text: Option<Bytes> = None;
    for _ in 0..len {
        // The four keys are short strings; any other key is read (and checked) in full.
        let slot = match reader.short_str() {
            Some(b"type") => &mut kind,
            Some(b"nsp") => {
                ns = None;
                ns_text = reader.shared_str()?;
                if ns_text.is_some() {
                    continue;
                }
                &mut ns
            }
            Some(b"data") => &mut data,
            Some(b"id") => &mut id,
            Some(other) => {
                std::str::from_utf8(other).map_err(|_| Error::InvalidUtf8)?;
                // Such as socket.io-client's `options: {compress: true}`.
                reader.skip(1)?;
                continue;
            }
            None => {
                let key = reader.key(1)?;
                let item = reader.item(1)?;
                match key.as_str() {
                    "type" => kind = item.into_value(),
                    "nsp" => {
                        ns_text = None;
                        ns = item.into_value();
                    }
                    "data" => data = item.into_value(),
                    "id" => id = item.into_value(),
                    _ => {}
                }
                continue;
            }
        };
        let item = reader.item(1)?;
        *slot = item.into_value();
    }
    reader.finish()?;
    let structure = input.len() - reader.binary_bytes();
    if structure > limits.max_payload {
        return Err(Error::PayloadTooLarge {
            size: structure,
            max: limits.max_payload,
        });
    }

    let kind = match kind.as_ref().and_then(integer) {
        Some(n @ 0..=4) => PacketKind::from_ascii(b'0' + n as u8)?,
        Some(n) => return Err(Error::UnknownType(u8::try_from(n).unwrap_or(u8::MAX))),
        None => return Err(Error::InvalidMsgPack("the packet type is not an integer")),
    };
    let ns = match (ns_text, ns) {
        (Some(text), _) if text.as_ref() == ROOT_NAMESPACE.as_bytes() => {
            Str::from_static(ROOT_NAMESPACE)
        }
        (Some(text), _) => Str::from_utf8_trusted(text),
        (None, Some(Value::String(ns))) => Str::from(ns),
        _ => return Err(Error::InvalidNamespace),
    };
    let id = match id {
        None | Some(Value::Null) => None,
        Some(n) => Some(
            integer(&n)
                .and_then(|n| u64::try_from(n).ok())
                .ok_or(Error::InvalidAckId)?,
        ),
    };
    let data = match (kind, data) {
        (PacketKind::Connect | PacketKind::Disconnect, Some(Value::Null)) => None,
        (PacketKind::ConnectError, Some(Value::String(message))) => Some(Value::Object(vec![(
            "message".to_owned(),
            Value::String(message),
        )])),
        (_, data) => data,
    };
    let packet = Packet { kind, ns, id, data };
    packet.validate()?;
    Ok(packet)
}

/// The value of an integral number (JavaScript's `Number.isInteger`).
fn integer(value: &Value) -> Option<i128> {
    let Value::Number(n) = value else {
        return None;
    };
    if let Some(u) = n.as_u64() {
        Some(i128::from(u))
    } else if let Some(i) = n.as_i64() {
        Some(i128::from(i))
    } else {
        let f = n.as_f64()?;
        // Beyond ±2¹²⁶ the value does not matter: it is out of every range checked.
        (f.fract() == 0.0 && f.abs() < 8.5e37).then_some(f as i128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn packet_bytes(fields: &[(&str, &[u8])]) -> Bytes {
        let mut out = vec![0x80 | fields.len() as u8];
        for (key, value) in fields {
            write_str(key, &mut out);
            out.extend_from_slice(value);
        }
        Bytes::from(out)
    }

    fn dec(fields: &[(&str, &[u8])]) -> Result<Packet> {
        decode(&packet_bytes(fields), &Limits::default())
    }

    #[test]
    fn writes_fields_in_order_and_leaves_absent_ones_out() {
        let d = encode(&Packet::disconnect("/")).expect("encodes");
        assert_eq!(&d[..], b"\x82\xa4type\x01\xa3nsp\xa1/");
        let a = encode(&Packet::ack("/a", 300, vec![])).expect("encodes");
        assert_eq!(
            &a[..],
            b"\x84\xa4type\x03\xa4data\x90\xa2id\xcd\x01\x2c\xa3nsp\xa2/a"
        );
        let mut binary = Packet::ack("/", 1, vec![Value::Binary(Bytes::new())]);
        binary.kind = PacketKind::BinaryAck;
        assert_eq!(encode(&binary).expect("encodes")[6], 3, "written as ACK");
        assert_eq!(
            encode(&Packet::disconnect("x")),
            Err(Error::InvalidNamespace)
        );
    }

    #[test]
    fn reads_what_the_references_write() {
        let ns: &[u8] = b"\xa1/";
        // socket.io-client: `options` after `data`, ack id last but one.
        let p = dec(&[
            ("type", &[2]),
            ("data", b"\x91\xa1e"),
            ("options", b"\x81\xa8compress\xc3"),
            ("id", &[5]),
            ("nsp", ns),
        ]);
        assert_eq!(p, Ok(Packet::event("/", "e", vec![]).with_ack(5)));
        // python-socketio: `data: nil` on a DISCONNECT, a string CONNECT_ERROR.
        assert_eq!(
            dec(&[("type", &[1]), ("data", &[0xc0]), ("nsp", ns)]),
            Ok(Packet::disconnect("/"))
        );
        assert_eq!(
            dec(&[("type", &[4]), ("data", b"\xa1m"), ("nsp", ns)]),
            Ok(Packet::connect_error("/", "m", None))
        );
        // socket.io: `pid: undefined` in CONNECT, undefined data.
        let connect = dec(&[
            ("type", &[0]),
            ("data", b"\x82\xa3sid\xa1x\xa3pid\xd4\x00\x00"),
            ("nsp", ns),
        ]);
        assert_eq!(
            connect,
            Ok(Packet::connect("/", Some(Value::from(json!({"sid": "x"})))))
        );
        assert_eq!(
            dec(&[("type", &[0]), ("data", &[0xd4, 0, 0]), ("nsp", ns)]),
            Ok(Packet::connect("/", None))
        );
        // Integral floats are integers; the last of repeated keys wins.
        let float_two = [0xcb, 0x40, 0, 0, 0, 0, 0, 0, 0];
        let p = dec(&[
            ("type", &[1]),
            ("type", &float_two),
            ("data", b"\x91\xa1e"),
            ("id", &[0xc0]),
            ("nsp", ns),
        ]);
        assert_eq!(p, Ok(Packet::event("/", "e", vec![])));
    }

    #[test]
    fn namespace_in_any_string_format_and_the_last_one_given() {
        let root = dec(&[("type", b"\x01"), ("nsp", b"\xd9\x01/")]);
        assert_eq!(root, Ok(Packet::disconnect("/")));
        let wide = dec(&[("type", b"\x01"), ("nsp", b"\xda\x00\x03/ab")]);
        assert_eq!(wide, Ok(Packet::disconnect("/ab")));
        // A repeated key: the last value counts, whatever the formats.
        let twice = dec(&[("type", b"\x01"), ("nsp", b"\xa2/a"), ("nsp", b"\x07")]);
        assert_eq!(twice, Err(Error::InvalidNamespace));
        let twice = dec(&[("type", b"\x01"), ("nsp", b"\x07"), ("nsp", b"\xa2/a")]);
        assert_eq!(twice, Ok(Packet::disconnect("/a")));
        let not_text = dec(&[("type", b"\x01"), ("nsp", b"\xc4\x01/")]);
        assert_eq!(not_text, Err(Error::InvalidNamespace));
        let bad_utf8 = dec(&[("type", b"\x01"), ("nsp", b"\xa2/\xff")]);
        assert_eq!(bad_utf8, Err(Error::InvalidUtf8));
        let cut = decode(
            &Bytes::from_static(b"\x82\xa4type\x01\xa3nsp\xa3/a"),
            &Limits::default(),
        );
        assert!(matches!(cut, Err(Error::InvalidMsgPack(_))), "{cut:?}");
    }

    #[test]
    fn keys_in_any_string_format() {
        // `type` as str 8, `nsp` as str 16, an unknown key as str 8: the same packet.
        let bytes = b"\x83\xd9\x04type\x01\xda\x00\x03nsp\xa1/\xd9\x01x\xc0";
        let p = decode(&Bytes::from_static(bytes), &Limits::default());
        assert_eq!(p, Ok(Packet::disconnect("/")));
        let bad_key = b"\x83\xa4type\x01\xa3nsp\xa1/\xa1\xff\xc0";
        let p = decode(&Bytes::from_static(bad_key), &Limits::default());
        assert_eq!(p, Err(Error::InvalidUtf8));
    }

    #[test]
    fn applies_the_reference_checks() {
        let ns: &[u8] = b"\xa1/";
        assert_eq!(
            dec(&[("type", &[5]), ("data", &[0x90]), ("nsp", ns)]),
            Err(Error::UnknownType(5))
        );
        assert_eq!(
            dec(&[("type", &[0xff]), ("nsp", ns)]),
            Err(Error::UnknownType(u8::MAX))
        );
        assert!(matches!(
            dec(&[("type", b"\xa12"), ("nsp", ns)]),
            Err(Error::InvalidMsgPack(_))
        ));
        assert!(matches!(dec(&[("nsp", ns)]), Err(Error::InvalidMsgPack(_))));
        assert_eq!(dec(&[("type", &[1])]), Err(Error::InvalidNamespace));
        assert_eq!(
            dec(&[("type", &[1]), ("nsp", &[0x01])]),
            Err(Error::InvalidNamespace)
        );
        assert_eq!(
            dec(&[("type", &[1]), ("nsp", b"\xa1a")]),
            Err(Error::InvalidNamespace)
        );
        assert_eq!(
            dec(&[("type", &[1]), ("data", &[0x90]), ("nsp", ns)]),
            Err(Error::InvalidPayload("DISCONNECT"))
        );
        assert_eq!(
            dec(&[("type", &[2]), ("data", &[0x80]), ("nsp", ns)]),
            Err(Error::InvalidPayload("EVENT"))
        );
        assert_eq!(
            dec(&[("type", &[3]), ("nsp", ns)]),
            Err(Error::InvalidPayload("ACK"))
        );
        for bad_id in [&[0xff][..], b"\xa11", &[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]] {
            assert_eq!(
                dec(&[
                    ("type", &[3]),
                    ("data", &[0x90]),
                    ("id", bad_id),
                    ("nsp", ns)
                ]),
                Err(Error::InvalidAckId)
            );
        }
        let not_a_map = Bytes::from_static(&[0x92, 0x02, 0xa1, b'/']);
        assert!(matches!(
            decode(&not_a_map, &Limits::default()),
            Err(Error::InvalidMsgPack(_))
        ));
        let trailing = [&packet_bytes(&[("type", &[1]), ("nsp", ns)])[..], &[0]].concat();
        assert!(decode(&Bytes::from(trailing), &Limits::default()).is_err());
    }

    #[test]
    fn limits_apply_like_attachments() {
        let limits = Limits {
            max_payload: 64,
            max_attachments: 2,
            max_attachment_bytes: 100,
        };
        let bin = |n: usize| Value::Binary(Bytes::from(vec![0u8; n]));
        let ok = encode(&Packet::event("/", "e", vec![bin(50), bin(50)])).expect("encodes");
        assert!(
            decode(&ok, &limits).is_ok(),
            "binary does not count against max_payload"
        );
        let three =
            encode(&Packet::event("/", "e", vec![bin(1), bin(1), bin(1)])).expect("encodes");
        assert_eq!(
            decode(&three, &limits),
            Err(Error::TooManyAttachments { count: 3, max: 2 })
        );
        let large = encode(&Packet::event("/", "e", vec![bin(60), bin(41)])).expect("encodes");
        assert_eq!(
            decode(&large, &limits),
            Err(Error::AttachmentsTooLarge { max: 100 })
        );
        let text =
            encode(&Packet::event("/", "e", vec![Value::from("x".repeat(60))])).expect("encodes");
        assert!(matches!(
            decode(&text, &limits),
            Err(Error::PayloadTooLarge { max: 64, .. })
        ));
        let huge = Bytes::from(vec![0u8; 165]);
        assert_eq!(
            decode(&huge, &limits),
            Err(Error::PayloadTooLarge {
                size: 165,
                max: 164
            })
        );
    }

    #[test]
    fn decoder_takes_binary_messages_only() {
        let mut d = MsgPackParser.decoder(Limits::default());
        assert_eq!(
            d.push(Message::Text(Str::from("2[\"e\"]"))),
            Err(Error::ExpectedBinary)
        );
        let e = MsgPackParser
            .encode_event(&Str::from("/"), "e", &(1, "two"), Some(3))
            .expect("encodes");
        assert!(e.text().is_none());
        let p = d.push(e.head).expect("decodes").expect("a packet");
        assert_eq!(
            p.deserialize_args::<(u8, String)>(),
            Ok((1, "two".to_owned()))
        );
        assert!(!d.is_pending());
        let a = MsgPackParser
            .encode_ack(&Str::from("/x"), 9, &("ok",))
            .expect("encodes");
        assert_eq!(
            MsgPackParser.decoder(Limits::default()).push(a.head),
            Ok(Some(Packet::ack("/x", 9, vec![Value::from("ok")])))
        );
    }
}

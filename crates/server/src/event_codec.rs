//! Conversions between encoded broadcast packets and their `[event, ...args]` values, for
//! adapters that carry packets between servers, and the recovery offset appended to events.
//!
//! Packets come from either parser: a JSON packet's first message is text, a MessagePack
//! packet is one binary message, so the encoding tells which parser wrote it.

use event_proto::socket::{Packet, PacketKind};
use event_proto::{AnyParser, Decoder, Encoded, Limits, Message, Parser, Value};

/// The parser that wrote `encoded`, told by its first message.
fn parser_of(encoded: &Encoded) -> AnyParser {
    match encoded.head {
        Message::Text(_) => AnyParser::Json,
        Message::Binary(_) => AnyParser::MsgPack,
    }
}

/// The packet `encoded` holds, decoded by the parser that wrote it. It was encoded here, or
/// accepted within the limits already, so no limit applies (announced counts never allocate).
fn decode_packet(encoded: &Encoded) -> Result<Option<Packet>, event_proto::Error> {
    let limits = Limits {
        max_payload: usize::MAX,
        max_attachments: usize::MAX,
        max_attachment_bytes: usize::MAX,
    };
    let mut decoder = parser_of(encoded).decoder(limits);
    let mut packet = None;
    for message in encoded.messages() {
        packet = decoder.push(message)?;
    }
    Ok(packet)
}

/// The `[event, ...args]` array of an encoded EVENT, binary values in place, whichever parser
/// wrote it.
///
/// ```
/// use event_proto::{AnyParser, JsonParser, MsgPackParser, Parser, Str, Value};
/// use wsio_server::adapter::{decode_event, encode_event};
///
/// let encoded = JsonParser.encode_event(&Str::from("/"), "chat", &("hi", 2), None).unwrap();
/// let data = decode_event(&encoded).unwrap();
/// assert_eq!(data[0], Value::from("chat"));
/// assert_eq!(encode_event(AnyParser::Json, "/", data.clone()).unwrap(), encoded);
///
/// let packed = MsgPackParser.encode_event(&Str::from("/"), "chat", &("hi", 2), None).unwrap();
/// assert_eq!(decode_event(&packed).unwrap(), data);
/// assert_eq!(encode_event(AnyParser::MsgPack, "/", data).unwrap(), packed);
/// ```
pub fn decode_event(encoded: &Encoded) -> Result<Vec<Value>, event_proto::Error> {
    match decode_packet(encoded)? {
        Some(Packet {
            kind: PacketKind::Event | PacketKind::BinaryEvent,
            data: Some(Value::Array(items)),
            ..
        }) => Ok(items),
        _ => Err(event_proto::Error::InvalidPayload("not an event packet")),
    }
}

/// Encodes `data` (`[event, ...args]`, binary values in place) as an EVENT of namespace `ns`
/// with `parser` (with JSON, a BINARY_EVENT with attachments when it holds binary data).
/// Adapters pass the server's parser ([`AdapterContext::parser`](crate::AdapterContext::parser)).
pub fn encode_event(
    parser: AnyParser,
    ns: &str,
    data: Vec<Value>,
) -> Result<Encoded, event_proto::Error> {
    let mut packet = Packet::event(ns, "", Vec::new());
    packet.data = Some(Value::Array(data));
    parser.encode(&packet)
}

/// `encoded` with `offset` appended as the event's last argument, as connection state
/// recovery sends it (`42["event",arg,"<offset>"]`). With JSON the text is edited in place
/// and the attachments are shared, not copied; a MessagePack packet is decoded and written
/// again.
pub fn with_offset(encoded: &Encoded, offset: &str) -> Encoded {
    let head = match &encoded.head {
        Message::Text(head) => head,
        Message::Binary(_) => return msgpack_with_offset(encoded, offset),
    };
    let text = head.as_str();
    let Some(end) = text.rfind(']') else {
        return encoded.clone();
    };
    let mut out = String::with_capacity(text.len() + offset.len() + 3);
    out.push_str(&text[..end]);
    if !text[..end].trim_end().ends_with('[') {
        out.push(',');
    }
    // Offsets are made of characters that need no JSON escaping; escape anyway for safety.
    out.push_str(&serde_json::Value::from(offset).to_string());
    out.push_str(&text[end..]);
    Encoded {
        head: Message::Text(event_proto::Str::from(out.as_str())),
        attachments: encoded.attachments.clone(),
    }
}

/// [`with_offset`] for a MessagePack packet: decoded, extended, written again. A packet that
/// does not decode as an event is returned as is.
fn msgpack_with_offset(encoded: &Encoded, offset: &str) -> Encoded {
    let Ok(Some(mut packet)) = decode_packet(encoded) else {
        return encoded.clone();
    };
    let Some(Value::Array(items)) = packet.data.as_mut() else {
        return encoded.clone();
    };
    items.push(Value::from(offset));
    AnyParser::MsgPack
        .encode(&packet)
        .unwrap_or_else(|_| encoded.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use event_proto::Str;

    #[test]
    fn round_trips_binary_events() {
        let data = vec![
            Value::from("bin"),
            Value::Binary(Bytes::from_static(&[1, 2, 3])),
        ];
        let encoded = encode_event(AnyParser::Json, "/chat", data.clone()).unwrap();
        assert_eq!(
            encoded.text(),
            Some(r#"51-/chat,["bin",{"_placeholder":true,"num":0}]"#)
        );
        assert_eq!(decode_event(&encoded).unwrap(), data);
    }

    #[test]
    fn refuses_non_events() {
        for parser in [AnyParser::Json, AnyParser::MsgPack] {
            let ack = parser.encode_ack(&Str::from("/"), 1, &("x",)).unwrap();
            assert!(decode_event(&ack).is_err());
        }
    }

    #[test]
    fn msgpack_events_round_trip_and_take_offsets() {
        let data = vec![
            Value::from("bin"),
            Value::Binary(Bytes::from_static(&[1, 2, 3])),
        ];
        let encoded = encode_event(AnyParser::MsgPack, "/chat", data.clone()).unwrap();
        assert!(encoded.text().is_none(), "one binary message");
        assert!(encoded.attachments.is_empty());
        assert_eq!(decode_event(&encoded).unwrap(), data);
        let with = with_offset(&encoded, "Xy-1");
        let mut expected = data;
        expected.push(Value::from("Xy-1"));
        assert_eq!(decode_event(&with).unwrap(), expected);
        let packet = decode_packet(&with).unwrap().unwrap();
        assert_eq!(packet.ns.as_str(), "/chat");
    }

    #[test]
    fn appends_offsets() {
        let e = encode_event(
            AnyParser::Json,
            "/",
            vec![Value::from("a"), Value::from(serde_json::json!(1))],
        )
        .unwrap();
        assert_eq!(with_offset(&e, "Xy-1").text(), Some(r#"2["a",1,"Xy-1"]"#));
        let bin = encode_event(
            AnyParser::Json,
            "/",
            vec![Value::from("b"), Value::Binary(Bytes::new())],
        )
        .unwrap();
        let with = with_offset(&bin, "o");
        assert_eq!(
            with.text(),
            Some(r#"51-["b",{"_placeholder":true,"num":0},"o"]"#)
        );
        assert_eq!(with.attachments, bin.attachments);
        let decoded = decode_event(&with).unwrap();
        assert_eq!(decoded.last(), Some(&Value::from("o")));
    }
}

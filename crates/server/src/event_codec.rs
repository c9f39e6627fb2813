//! Conversions between encoded broadcast packets and their `[event, ...args]` values, for
//! adapters that carry packets between servers, and the recovery offset appended to events.

use event_proto::socket::{Packet, PacketKind};
use event_proto::{Decoder, Encoded, JsonParser, Limits, Message, Parser, Str, Value};

/// The `[event, ...args]` array of an encoded EVENT, binary values in place.
///
/// ```
/// use event_proto::{JsonParser, Parser, Str, Value};
/// use wsio_server::adapter::{decode_event, encode_event};
///
/// let encoded = JsonParser.encode_event(&Str::from("/"), "chat", &("hi", 2), None).unwrap();
/// let data = decode_event(&encoded).unwrap();
/// assert_eq!(data[0], Value::from("chat"));
/// assert_eq!(encode_event("/", data).unwrap(), encoded);
/// ```
pub fn decode_event(encoded: &Encoded) -> Result<Vec<Value>, event_proto::Error> {
    let limits = Limits {
        max_payload: usize::MAX,
        max_attachments: encoded.attachments.len(),
        max_attachment_bytes: encoded.attachments.iter().map(|a| a.len()).sum(),
    };
    let mut decoder = JsonParser.decoder(limits);
    let mut packet = None;
    for message in encoded.messages() {
        packet = decoder.push(message)?;
    }
    match packet {
        Some(Packet {
            kind: PacketKind::Event | PacketKind::BinaryEvent,
            data: Some(Value::Array(items)),
            ..
        }) => Ok(items),
        _ => Err(event_proto::Error::InvalidPayload("not an event packet")),
    }
}

/// Encodes `data` (`[event, ...args]`, binary values in place) as an EVENT of namespace `ns`
/// (a BINARY_EVENT with attachments when it holds binary data).
pub fn encode_event(ns: &str, data: Vec<Value>) -> Result<Encoded, event_proto::Error> {
    let mut packet = Packet::event(ns, "", Vec::new());
    packet.data = Some(Value::Array(data));
    JsonParser.encode(&packet)
}

/// `encoded` with `offset` appended as the event's last argument, as connection state
/// recovery sends it (`42["event",arg,"<offset>"]`). The attachments are shared, not copied.
pub fn with_offset(encoded: &Encoded, offset: &str) -> Encoded {
    let Message::Text(head) = &encoded.head else {
        return encoded.clone();
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
        head: Message::Text(Str::from(out.as_str())),
        attachments: encoded.attachments.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn round_trips_binary_events() {
        let data = vec![
            Value::from("bin"),
            Value::Binary(Bytes::from_static(&[1, 2, 3])),
        ];
        let encoded = encode_event("/chat", data.clone()).unwrap();
        assert_eq!(
            encoded.text(),
            Some(r#"51-/chat,["bin",{"_placeholder":true,"num":0}]"#)
        );
        assert_eq!(decode_event(&encoded).unwrap(), data);
    }

    #[test]
    fn refuses_non_events() {
        let ack = JsonParser.encode_ack(&Str::from("/"), 1, &("x",)).unwrap();
        assert!(decode_event(&ack).is_err());
    }

    #[test]
    fn appends_offsets() {
        let e = encode_event(
            "/",
            vec![Value::from("a"), Value::from(serde_json::json!(1))],
        )
        .unwrap();
        assert_eq!(with_offset(&e, "Xy-1").text(), Some(r#"2["a",1,"Xy-1"]"#));
        let bin = encode_event("/", vec![Value::from("b"), Value::Binary(Bytes::new())]).unwrap();
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

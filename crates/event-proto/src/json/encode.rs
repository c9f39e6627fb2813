//! Writing Socket.IO packets in the default text format.

use std::io;

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::message::Message;
use crate::parser::Encoded;
use crate::socket::{Packet, PacketKind, ROOT_NAMESPACE, write_placeholder};
use crate::text::Str;
use crate::value::Value;

/// Encodes `<kind>[<count>-][<ns>,][<id>][<json>]` plus the extracted attachments.
pub(crate) fn encode(packet: &Packet) -> Result<Encoded> {
    packet.validate()?;
    let count = packet.data.as_ref().map_or(0, count_binary);
    let kind = if count > 0 {
        match packet.kind {
            PacketKind::Event | PacketKind::Ack => packet.kind.with_binary(),
            PacketKind::BinaryEvent | PacketKind::BinaryAck => packet.kind,
            _ => return Err(Error::InvalidPayload("non-binary")),
        }
    } else {
        packet.kind
    };

    let mut out = Vec::with_capacity(64);
    write_header(&mut out, kind, count, &packet.ns, packet.id);
    let mut attachments = Vec::with_capacity(count);
    if let Some(data) = &packet.data {
        write_json(data, &mut out, &mut attachments).map_err(|e| Error::Serde(e.to_string()))?;
    }
    Ok(Encoded {
        head: Message::Text(Str::from_utf8_trusted(Bytes::from(out))),
        attachments,
    })
}

/// Writes `<kind>[<count>-][<ns>,][<id>]`.
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    kind: PacketKind,
    count: usize,
    ns: &Str,
    id: Option<u64>,
) {
    out.push(kind.as_ascii());
    let mut num = itoa::Buffer::new();
    if kind.is_binary() {
        out.extend_from_slice(num.format(count).as_bytes());
        out.push(b'-');
    }
    if *ns != ROOT_NAMESPACE {
        out.extend_from_slice(ns.as_bytes());
        out.push(b',');
    }
    if let Some(id) = id {
        out.extend_from_slice(num.format(id).as_bytes());
    }
}

fn count_binary(value: &Value) -> usize {
    match value {
        Value::Binary(_) => 1,
        Value::Array(items) => items.iter().map(count_binary).sum(),
        Value::Object(members) => members.iter().map(|(_, v)| count_binary(v)).sum(),
        _ => 0,
    }
}

/// Writes compact JSON, replacing binary values with placeholders numbered in order.
fn write_json(value: &Value, out: &mut Vec<u8>, attachments: &mut Vec<Bytes>) -> io::Result<()> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => serde_json::to_writer(&mut *out, n)?,
        Value::String(s) => serde_json::to_writer(&mut *out, s)?,
        Value::Binary(data) => {
            write_placeholder(attachments.len(), out);
            attachments.push(data.clone());
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(item, out, attachments)?;
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key)?;
                out.push(b':');
                write_json(item, out, attachments)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_matches_serde_json() {
        let j = json!({"s": "q\"\n\u{1}é", "n": [1, -2, 0.25, 1e300], "b": [true, false, null], "o": {}});
        let mut out = Vec::new();
        write_json(&Value::from(j.clone()), &mut out, &mut Vec::new()).expect("writes");
        assert_eq!(out, serde_json::to_vec(&j).expect("json"));
    }

    #[test]
    fn upgrades_kinds_with_binary() {
        let bin = Value::Binary(Bytes::from_static(b"x"));
        let e = encode(&Packet::ack("/", 1, vec![bin.clone()])).expect("encodes");
        assert_eq!(e.text(), Some(r#"61-1[{"_placeholder":true,"num":0}]"#));
        let mut c = Packet::connect("/", Some(Value::Object(vec![("k".into(), bin)])));
        assert_eq!(encode(&c), Err(Error::InvalidPayload("non-binary")));
        c.data = None;
        c.kind = PacketKind::BinaryEvent;
        assert!(encode(&c).is_err(), "validation runs first");
    }
}

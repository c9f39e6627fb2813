//! Encoding events and acks straight from serde arguments, without building a `Value`.

use std::cell::RefCell;

use bytes::Bytes;
use serde::Serialize;

use super::encode::write_header;
use super::intercept::Wrap;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::parser::Encoded;
use crate::socket::{PacketKind, validate_event_name, validate_namespace};
use crate::text::Str;

/// Encodes an `EVENT` (when `name` is set) or an `ACK` whose arguments are `args`, which must
/// serialize as a sequence (a tuple, array or `Vec`; `()` for none). Byte values anywhere in `args` become
/// attachments and turn the packet into its binary kind.
pub(crate) fn encode_args<T: Serialize + ?Sized>(
    ns: &Str,
    name: Option<&str>,
    id: Option<u64>,
    args: &T,
) -> Result<Encoded> {
    validate_namespace(ns.as_bytes())?;
    if let Some(name) = name {
        validate_event_name(name)?;
    }
    let kind = if name.is_some() {
        PacketKind::Event
    } else {
        PacketKind::Ack
    };
    let mut out = Vec::with_capacity(64);
    write_header(&mut out, kind, 0, ns, id);
    let header_len = out.len();
    if let Some(name) = name {
        out.push(b'[');
        serde_json::to_writer(&mut out, name).map_err(serde_error)?;
    }
    let args_at = out.len();
    let attachments = RefCell::new(Vec::new());
    let wrapped = Wrap {
        value: args,
        attachments: &attachments,
    };
    serde_json::to_writer(&mut out, &wrapped).map_err(serde_error)?;
    if out[args_at..] == *b"null" {
        // `()` means no arguments.
        out.truncate(args_at);
        out.extend_from_slice(b"[]");
    }
    if out.get(args_at) != Some(&b'[') {
        return Err(Error::Serde(
            "arguments must serialize as a sequence".into(),
        ));
    }
    if name.is_some() {
        // Splice the arguments after the name: `["name"` + `[a,b]` → `["name",a,b]`.
        if out.get(args_at + 1) == Some(&b']') {
            out.remove(args_at);
        } else {
            out[args_at] = b',';
        }
    }
    let attachments = attachments.into_inner();
    if !attachments.is_empty() {
        let mut binary = Vec::with_capacity(out.len() + 8);
        write_header(&mut binary, kind.with_binary(), attachments.len(), ns, id);
        binary.extend_from_slice(&out[header_len..]);
        out = binary;
    }
    Ok(Encoded {
        head: Message::Text(Str::from_utf8_trusted(Bytes::from(out))),
        attachments,
    })
}

fn serde_error(e: serde_json::Error) -> Error {
    Error::Serde(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::encode::encode;
    use crate::socket::Packet;
    use crate::value::Value;
    use serde_json::json;

    fn text(e: &Encoded) -> &str {
        e.text().unwrap_or_default()
    }

    #[test]
    fn matches_the_value_path() {
        let ns = Str::from("/admin");
        let args = (json!({"user": "a", "text": "hello"}), 5, "x");
        let direct = encode_args(&ns, Some("chat"), Some(3), &args).expect("encodes");
        let via_value = Packet::event_from("/admin", "chat", &args)
            .expect("converts")
            .with_ack(3);
        assert_eq!(Ok(direct), encode(&via_value));
    }

    #[test]
    fn empty_arguments_and_acks() {
        let root = Str::from_static("/");
        let e = encode_args(&root, Some("ping"), None, &()).expect("encodes");
        assert_eq!(text(&e), r#"2["ping"]"#);
        let a = encode_args(&root, None, Some(7), &Vec::<u8>::new()).expect("encodes");
        assert_eq!(text(&a), "37[]");
        let a = encode_args(&root, None, Some(7), &("ok",)).expect("encodes");
        assert_eq!(text(&a), r#"37["ok"]"#);
    }

    #[test]
    fn bytes_become_attachments_at_any_depth() {
        let data = Value::Binary(Bytes::from_static(&[1, 2]));
        let args = Value::Array(vec![Value::Object(vec![("f".into(), data.clone())]), data]);
        let e = encode_args(&Str::from("/a"), Some("up"), Some(1), &args).expect("encodes");
        assert_eq!(
            text(&e),
            r#"52-/a,1["up",{"f":{"_placeholder":true,"num":0}},{"_placeholder":true,"num":1}]"#
        );
        assert_eq!(e.attachments.len(), 2);
        let value_path = Packet::event(
            "/a",
            "up",
            match args {
                Value::Array(items) => items,
                _ => vec![],
            },
        );
        assert_eq!(Ok(e), encode(&value_path.with_ack(1)));
    }

    #[test]
    fn rejects_bad_input() {
        let root = Str::from_static("/");
        assert!(matches!(
            encode_args(&root, Some("e"), None, &5),
            Err(Error::Serde(_))
        ));
        assert_eq!(
            encode_args(&Str::from("nope"), Some("e"), None, &()),
            Err(Error::InvalidNamespace)
        );
    }
}

//! Binary placeholders: how text parsers stand in for attachments inside the payload.
//!
//! On the wire each binary value becomes `{"_placeholder":true,"num":N}`, where `N` indexes the
//! attachments sent after the packet, in order of appearance.

use bytes::Bytes;

use crate::error::{Error, Result};
use crate::value::Value;

/// The member that marks an object as a placeholder.
pub const PLACEHOLDER_KEY: &str = "_placeholder";

/// Appends the placeholder JSON for attachment `num`.
pub(crate) fn write_placeholder(num: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"_placeholder\":true,\"num\":");
    out.extend_from_slice(itoa::Buffer::new().format(num).as_bytes());
    out.push(b'}');
}

/// Replaces every placeholder in `value` with the attachment it points to.
///
/// Any object whose `_placeholder` member is `true` is a placeholder; its `num` must index
/// `attachments`, otherwise the packet is rejected. Attachments are shared, not copied.
///
/// ```
/// use bytes::Bytes;
/// use event_proto::socket::rebuild;
/// use event_proto::Value;
///
/// let mut v = Value::from(serde_json::json!(["a", {"_placeholder": true, "num": 0}]));
/// rebuild(&mut v, &[Bytes::from_static(b"\x01")]).unwrap();
/// assert_eq!(v.as_array().unwrap()[1], Value::Binary(Bytes::from_static(b"\x01")));
/// ```
pub fn rebuild(value: &mut Value, attachments: &[Bytes]) -> Result<()> {
    match value {
        Value::Array(items) => items.iter_mut().try_for_each(|v| rebuild(v, attachments)),
        Value::Object(_) if value.get(PLACEHOLDER_KEY) == Some(&Value::Bool(true)) => {
            let num = value
                .get("num")
                .and_then(|n| match n {
                    Value::Number(n) => n.as_u64(),
                    _ => None,
                })
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(Error::InvalidPlaceholder)?;
            let data = attachments.get(num).ok_or(Error::InvalidPlaceholder)?;
            *value = Value::Binary(data.clone());
            Ok(())
        }
        Value::Object(members) => members
            .iter_mut()
            .try_for_each(|(_, v)| rebuild(v, attachments)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn att() -> Vec<Bytes> {
        vec![Bytes::from_static(&[1, 2]), Bytes::from_static(&[3, 4])]
    }

    #[test]
    fn writes_the_reference_form() {
        let mut out = Vec::new();
        write_placeholder(12, &mut out);
        assert_eq!(out, br#"{"_placeholder":true,"num":12}"#);
    }

    #[test]
    fn rebuilds_at_any_depth_and_shares() {
        let attachments = att();
        let mut v = Value::from(json!({"a": [{"b": {"_placeholder": true, "num": 1}}],
            "c": {"_placeholder": true, "num": 0}}));
        rebuild(&mut v, &attachments).expect("rebuilds");
        let inner = v
            .get("a")
            .and_then(Value::as_array)
            .and_then(|a| a[0].get("b"));
        let b = inner.and_then(Value::as_binary).expect("binary");
        assert_eq!(b.as_ptr(), attachments[1].as_ptr());
        assert_eq!(v.get("c").and_then(Value::as_binary), Some(&attachments[0]));
    }

    #[test]
    fn rejects_bad_placeholders() {
        for bad in [
            json!({"_placeholder": true, "num": 2}),
            json!({"_placeholder": true, "num": -1}),
            json!({"_placeholder": true, "num": 0.5}),
            json!({"_placeholder": true}),
            json!([{"_placeholder": true, "num": "0"}]),
        ] {
            let mut v = Value::from(bad);
            assert_eq!(rebuild(&mut v, &att()), Err(Error::InvalidPlaceholder));
        }
        let mut not_a_placeholder = Value::from(json!({"_placeholder": false, "num": 9}));
        assert_eq!(rebuild(&mut not_a_placeholder, &att()), Ok(()));
    }
}

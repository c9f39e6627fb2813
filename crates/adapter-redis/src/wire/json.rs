//! JSON as `JSON.stringify` writes it for the classic adapter's requests and responses.
//!
//! JSON can't carry binary: a Node `Buffer` turns into `{"type":"Buffer","data":[bytes…]}`
//! through its `toJSON`, and so does a [`Value::Binary`] here. Reading takes any JSON text;
//! nesting is bounded by `serde_json`'s recursion limit (128).

use bytes::Bytes;
use event_proto::Value;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::WireError;

/// `value` as JSON text, binary written the way a Node `Buffer` is.
pub fn to_vec(value: &Value) -> Vec<u8> {
    // Serializing a tree of plain values into memory cannot fail.
    serde_json::to_vec(&NodeJson(value)).unwrap_or_default()
}

/// Parses JSON text into a [`Value`].
pub fn decode(input: &Bytes) -> Result<Value, WireError> {
    serde_json::from_slice::<Value>(input).map_err(|_| WireError::Malformed("invalid JSON"))
}

struct NodeJson<'a>(&'a Value);

impl Serialize for NodeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Binary(bytes) => {
                let mut map = s.serialize_map(Some(2))?;
                map.serialize_entry("type", "Buffer")?;
                map.serialize_entry("data", &ByteList(bytes))?;
                map.end()
            }
            Value::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&NodeJson(item))?;
                }
                seq.end()
            }
            Value::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (key, item) in members {
                    map.serialize_entry(key, &NodeJson(item))?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}

struct ByteList<'a>(&'a [u8]);

impl Serialize for ByteList<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binary_is_written_as_a_node_buffer() {
        let v = Value::Array(vec![
            Value::from("e"),
            Value::Binary(Bytes::from_static(&[1, 2])),
        ]);
        assert_eq!(
            String::from_utf8(to_vec(&v)).ok().as_deref(),
            Some(r#"["e",{"type":"Buffer","data":[1,2]}]"#)
        );
    }

    #[test]
    fn keeps_member_order_and_reads_back() {
        let v = Value::Object(vec![
            ("uid".into(), Value::from("abc")),
            ("requestId".into(), Value::from("x")),
            ("type".into(), Value::from(json!(5))),
        ]);
        let text = to_vec(&v);
        assert_eq!(text, br#"{"uid":"abc","requestId":"x","type":5}"#);
        assert_eq!(decode(&Bytes::from(text)), Ok(v));
        assert!(decode(&Bytes::from_static(b"{")).is_err());
    }
}

//! `Value`: a JSON-like tree that can also hold binary data.

mod de;
mod impls;
mod ser;

use bytes::Bytes;
pub use serde_json::Number;

pub(crate) use de::from_args;
pub use de::{from_value, from_value_ref};
pub use ser::to_value;

/// A dynamically typed payload value: JSON plus binary.
///
/// Binary data stays a [`Bytes`] handle, so attachments are never copied between the
/// WebSocket read buffer, the decoded packet and an encoded broadcast. Object members keep
/// their order, which makes decode→encode byte-exact.
///
/// Convert user types with [`to_value`], [`from_value`] and [`from_value_ref`]. Serde byte
/// fields map to [`Value::Binary`]: borrowed ones (`&[u8]`, `serde_bytes::Bytes`) point into the
/// attachment without copying; owned ones (`Vec<u8>`, `bytes::Bytes` with its `serde` feature)
/// get a copy, since serde cannot hand over a `Bytes` handle as is.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null`.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A string.
    String(String),
    /// Binary data, sent as an attachment.
    Binary(Bytes),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in order.
    Object(Vec<(String, Value)>),
}

impl Value {
    /// True if a [`Value::Binary`] appears anywhere in the tree.
    pub fn has_binary(&self) -> bool {
        match self {
            Value::Binary(_) => true,
            Value::Array(items) => items.iter().any(Value::has_binary),
            Value::Object(members) => members.iter().any(|(_, v)| v.has_binary()),
            _ => false,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The bytes, if this is binary.
    pub fn as_binary(&self) -> Option<&Bytes> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The first member named `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(a.into_iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Value {
        Value::Binary(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_binary_at_any_depth() {
        let v = Value::Array(vec![
            Value::from("a"),
            Value::Object(vec![(
                "k".into(),
                Value::Array(vec![Value::Binary(Bytes::new())]),
            )]),
        ]);
        assert!(v.has_binary());
        assert!(!Value::from("x").has_binary());
    }

    #[test]
    fn accessors() {
        let v = Value::from(serde_json::json!({"a": [1, "s"], "b": null}));
        assert_eq!(v.get("b"), Some(&Value::Null));
        assert_eq!(
            v.get("a").and_then(Value::as_array).map(<[_]>::len),
            Some(2)
        );
        assert_eq!(v.get("zz"), None);
        assert_eq!(Value::from("s").as_str(), Some("s"));
        assert_eq!(
            Value::from(Bytes::from_static(b"x"))
                .as_binary()
                .map(|b| b.len()),
            Some(1)
        );
        assert_eq!(Value::Null.as_str(), None);
    }
}

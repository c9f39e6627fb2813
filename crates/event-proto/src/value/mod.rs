//! `Value`: a JSON-like tree that can also hold binary data.

mod build;
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

    /// True if this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as an `i64`, if this is an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as a `u64`, if this is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as an `f64` (integers converted), if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The members in order, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    /// The first member named `key`, mutably, if this is an object.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self {
            Value::Object(members) => members.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets member `key` of an object to `value` (replacing the first member of that name,
    /// or appending one) and returns the value it replaced. A value that is not an object
    /// becomes an empty object first, so `set` on `null` starts one.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        if !matches!(self, Value::Object(_)) {
            *self = Value::Object(Vec::new());
        }
        let Value::Object(members) = self else {
            return None;
        };
        let (key, value) = (key.into(), value.into());
        match members.iter_mut().find(|(k, _)| *k == key) {
            Some((_, slot)) => Some(std::mem::replace(slot, value)),
            None => {
                members.push((key, value));
                None
            }
        }
    }

    /// Removes the first member named `key` of an object and returns it.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let Value::Object(members) = self else {
            return None;
        };
        let index = members.iter().position(|(k, _)| k == key)?;
        Some(members.remove(index).1)
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

//! Deserializing any `T: Deserialize` out of a [`Value`].

use serde::de::value::{
    BorrowedStrDeserializer, MapAccessDeserializer, MapDeserializer, SeqDeserializer,
};
use serde::de::{self, Deserialize, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::Value;
use crate::error::{Error, Result};

/// Converts a [`Value`] into a serde type; [`Value::Binary`] feeds byte fields and `Vec<u8>`.
///
/// ```
/// use event_proto::value::{from_value, Value};
///
/// #[derive(serde::Deserialize, PartialEq, Debug)]
/// struct Chat { user: String }
///
/// let v = Value::from(serde_json::json!({"user": "a"}));
/// assert_eq!(from_value::<Chat>(v).unwrap(), Chat { user: "a".into() });
/// ```
pub fn from_value<T: de::DeserializeOwned>(value: Value) -> Result<T> {
    T::deserialize(&value)
}

/// Deserializes a serde type that may borrow from `value`: `&str` fields borrow strings and
/// `&[u8]` fields (or `serde_bytes::Bytes`) borrow binary data, without copying.
///
/// ```
/// use bytes::Bytes;
/// use event_proto::value::{from_value_ref, Value};
///
/// let v = Value::Array(vec![Value::from("name"), Value::Binary(Bytes::from_static(b"\x01\x02"))]);
/// let (name, data): (&str, &[u8]) = from_value_ref(&v).unwrap();
/// assert_eq!((name, data), ("name", &b"\x01\x02"[..]));
/// ```
pub fn from_value_ref<'de, T: Deserialize<'de>>(value: &'de Value) -> Result<T> {
    T::deserialize(value)
}

/// Deserializes a list of event arguments as one sequence (usually a tuple); `()` takes an
/// event without arguments.
pub(crate) fn from_args<'de, T: Deserialize<'de>>(args: &'de [Value]) -> Result<T> {
    T::deserialize(Args(args))
}

/// Event arguments: a sequence, or the unit when there are none.
struct Args<'de>(&'de [Value]);

impl<'de> de::Deserializer<'de> for Args<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        SeqDeserializer::<_, Error>::new(self.0.iter()).deserialize_any(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.0.is_empty() {
            visitor.visit_unit()
        } else {
            self.deserialize_any(visitor)
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

impl<'de> IntoDeserializer<'de, Error> for &'de Value {
    type Deserializer = &'de Value;
    fn into_deserializer(self) -> &'de Value {
        self
    }
}

fn object_access<'de>(
    members: &'de [(String, Value)],
) -> MapDeserializer<
    'de,
    impl Iterator<Item = (BorrowedStrDeserializer<'de, Error>, &'de Value)>,
    Error,
> {
    MapDeserializer::new(
        members
            .iter()
            .map(|(k, v)| (BorrowedStrDeserializer::new(k.as_str()), v)),
    )
}

fn visit_seq<'de, V, I>(items: I, visitor: V) -> Result<V::Value>
where
    V: Visitor<'de>,
    I: Iterator,
    I::Item: IntoDeserializer<'de, Error>,
{
    let mut seq = SeqDeserializer::new(items);
    let out = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(out)
}

impl<'de> de::Deserializer<'de> for &'de Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Binary(b) => visitor.visit_borrowed_bytes(b),
            Value::Array(items) => visit_seq(items.iter(), visitor),
            Value::Object(members) => {
                let mut map = object_access(members);
                let out = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Binary(b) => visit_seq(b.iter().copied(), visitor),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            Value::Object(members) if members.len() == 1 => {
                visitor.visit_enum(MapAccessDeserializer::new(object_access(members)))
            }
            _ => Err(de::Error::custom(
                "expected an enum as a string or a one-member object",
            )),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

impl Value {
    /// Deserializes this value into `T`, borrowing where `T` allows it.
    pub fn to<'de, T: Deserialize<'de>>(&'de self) -> Result<T> {
        T::deserialize(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    enum Shape {
        Unit,
        New(u8),
        Pair(i32, f64),
        Named { x: Option<bool> },
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct All {
        shapes: Vec<Shape>,
        neg: i64,
        big: u64,
        f: f32,
        s: String,
        o: Option<String>,
        raw: Vec<u8>,
        json: serde_json::Value,
    }

    #[test]
    fn converts_like_serde_json() {
        let mut v = Value::from(serde_json::json!({
            "shapes": ["Unit", {"New": 7}, {"Pair": [-1, 0.5]}, {"Named": {"x": null}}],
            "neg": -5, "big": 18446744073709551615u64, "f": 1.5, "s": "x", "o": null,
            "raw": null, "json": {"k": [1, 2]}
        }));
        if let Value::Object(members) = &mut v {
            for (k, v) in members.iter_mut() {
                if k == "raw" {
                    *v = Value::Binary(Bytes::from_static(&[9, 8]));
                }
            }
        }
        let all: All = from_value(v.clone()).expect("converts");
        assert_eq!(all.shapes.len(), 4);
        assert_eq!(all.shapes[2], Shape::Pair(-1, 0.5));
        assert_eq!(all.big, u64::MAX);
        assert_eq!(all.raw, [9, 8]);
        assert_eq!(all.o, None);
        assert_eq!(v.to::<All>().map(|a| a.neg), Ok(-5));
    }

    #[test]
    fn borrows_strings_and_bytes() {
        let data = Bytes::from_static(b"bin");
        let v = Value::Array(vec![Value::from("s"), Value::Binary(data.clone())]);
        let (s, b): (&str, &[u8]) = v.to().expect("borrows");
        assert_eq!(s, "s");
        assert_eq!(b.as_ptr(), data.as_ptr(), "no copy");
        let args = [Value::Number(1u64.into()), Value::Null];
        assert_eq!(from_args::<(u8, Option<bool>)>(&args), Ok((1, None)));
        assert!(
            from_args::<(u8,)>(&args).is_err(),
            "extra arguments are an error"
        );
        assert_eq!(from_args::<()>(&[]), Ok(()), "no arguments fit ()");
        assert!(from_args::<()>(&args).is_err(), "arguments do not fit ()");
    }

    #[test]
    fn errors_instead_of_panicking() {
        assert!(from_value::<u8>(Value::from("x")).is_err());
        assert!(from_value::<(u8,)>(Value::Array(vec![])).is_err());
        assert!(from_value::<Shape>(Value::Null).is_err());
        assert!(from_value::<[u8; 1]>(Value::Array(vec![Value::Null, Value::Null])).is_err());
    }
}

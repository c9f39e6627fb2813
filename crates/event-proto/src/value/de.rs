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
/// event without arguments. The error's message names `event` (an acknowledgement's
/// arguments have none) and says how many arguments there are against how many the type
/// takes, or which argument did not fit and why.
pub(crate) fn from_args<'de, T: Deserialize<'de>>(
    args: &'de [Value],
    event: Option<&str>,
) -> Result<T> {
    T::deserialize(Args(args)).map_err(|mismatch| {
        let what = match event {
            Some(event) => format!("event {event:?}"),
            None => "the acknowledgement".to_owned(),
        };
        Error::Arguments(mismatch.describe(&what))
    })
}

/// Why event arguments did not fit the type they were converted into.
#[derive(Debug)]
enum Mismatch {
    /// `got` arguments where the type takes exactly `takes`.
    Count { got: usize, takes: usize },
    /// Argument `index` (from 1) did not convert.
    Argument { index: usize, error: Error },
    /// Anything else the type's visitor said.
    Other(Error),
}

impl Mismatch {
    /// The message, about the arguments of `what`.
    fn describe(&self, what: &str) -> String {
        match self {
            Mismatch::Count { got, takes } => {
                let got = match got {
                    0 => "no arguments".to_owned(),
                    1 => "1 argument".to_owned(),
                    n => format!("{n} arguments"),
                };
                let takes = match takes {
                    0 => "none".to_owned(),
                    n => n.to_string(),
                };
                format!("{what} has {got}, the handler takes {takes}")
            }
            Mismatch::Argument { index, error } => {
                format!("{what}: argument {index}: {}", error.detail())
            }
            Mismatch::Other(error) => format!("{what}: {}", error.detail()),
        }
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe("the event"))
    }
}

impl std::error::Error for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Mismatch::Other(Error::custom(msg))
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Mismatch::Other(Error::invalid_type(unexp, exp))
    }
}

/// Event arguments: a sequence, or the unit when there are none. A tuple takes exactly its
/// number of arguments.
struct Args<'de>(&'de [Value]);

impl<'de> Args<'de> {
    /// Fails unless there are exactly `takes` arguments.
    fn expect_count(&self, takes: usize) -> Result<(), Mismatch> {
        match self.0.len() {
            got if got == takes => Ok(()),
            got => Err(Mismatch::Count { got, takes }),
        }
    }
}

impl<'de> de::Deserializer<'de> for Args<'de> {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        let mut access = ArgsAccess {
            items: self.0,
            taken: 0,
        };
        let out = visitor.visit_seq(&mut access)?;
        match access.items.len() - access.taken {
            0 => Ok(out),
            _ => Err(Mismatch::Count {
                got: access.items.len(),
                takes: access.taken,
            }),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        self.expect_count(0)?;
        visitor.visit_unit()
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.expect_count(len)?;
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Mismatch> {
        self.deserialize_tuple(len, visitor)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit_struct newtype_struct seq map struct enum identifier ignored_any
    }
}

/// The arguments one by one, an argument's error marked with its position.
struct ArgsAccess<'de> {
    items: &'de [Value],
    taken: usize,
}

impl<'de> de::SeqAccess<'de> for ArgsAccess<'de> {
    type Error = Mismatch;

    fn next_element_seed<S: de::DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Mismatch> {
        let Some(item) = self.items.get(self.taken) else {
            return Ok(None);
        };
        self.taken += 1;
        seed.deserialize(item)
            .map(Some)
            .map_err(|error| Mismatch::Argument {
                index: self.taken,
                error,
            })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.taken)
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
        assert_eq!(from_args::<(u8, Option<bool>)>(&args, None), Ok((1, None)));
        assert!(
            from_args::<(u8,)>(&args, None).is_err(),
            "extra arguments are an error"
        );
        assert_eq!(from_args::<()>(&[], None), Ok(()), "no arguments fit ()");
        assert!(
            from_args::<()>(&args, None).is_err(),
            "arguments do not fit ()"
        );
    }

    #[test]
    fn arguments_that_do_not_fit_are_described_in_the_events_terms() {
        let args = [Value::from("lobby"), Value::from(2u64)];
        let message = |result: Result<()>| result.unwrap_err().to_string();
        let join = Some("join");
        assert_eq!(
            message(from_args::<()>(&args, join)),
            r#"event "join" has 2 arguments, the handler takes none"#
        );
        assert_eq!(
            message(from_args::<(String,)>(&args, join).map(drop)),
            r#"event "join" has 2 arguments, the handler takes 1"#
        );
        assert_eq!(
            message(from_args::<(String, u8, bool)>(&args[..1], join).map(drop)),
            r#"event "join" has 1 argument, the handler takes 3"#
        );
        assert_eq!(
            message(from_args::<(String,)>(&[], join).map(drop)),
            r#"event "join" has no arguments, the handler takes 1"#
        );
        assert_eq!(
            message(from_args::<(u8, u8)>(&args, join).map(drop)),
            r#"event "join": argument 1: expected u8, got the string "lobby""#
        );
        assert_eq!(
            message(from_args::<(String, String)>(&args, None).map(drop)),
            "the acknowledgement: argument 2: expected a string, got the number 2"
        );
        let extra = from_args::<Vec<String>>(&args, join).unwrap_err();
        assert!(matches!(extra, Error::Arguments(_)), "{extra:?}");
        assert_eq!(
            extra.to_string(),
            r#"event "join": argument 2: expected a string, got the number 2"#
        );
    }

    #[test]
    fn errors_instead_of_panicking() {
        assert!(from_value::<u8>(Value::from("x")).is_err());
        assert!(from_value::<(u8,)>(Value::Array(vec![])).is_err());
        assert!(from_value::<Shape>(Value::Null).is_err());
        assert!(from_value::<[u8; 1]>(Value::Array(vec![Value::Null, Value::Null])).is_err());
    }
}

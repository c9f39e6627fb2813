//! Building a [`Value`] by hand: the [`value!`](crate::value!) macro, conversions from Rust
//! scalars, byte buffers, options and iterators, and indexing by key or position.

use bytes::Bytes;
use serde_json::Number;

use super::Value;

/// Builds a [`Value`] with JSON-like syntax, where every leaf is any Rust expression
/// converted with [`Value::from`]: strings, numbers, booleans, [`Bytes`] and `Vec<u8>` (which
/// become [`Value::Binary`], sent as attachments), options (`None` is `null`), other
/// `Value`s, and `serde_json::Value`s.
///
/// Object keys are string literals, or any expression in parentheses that converts into a
/// `String`. Members keep the order they are written in.
///
/// ```
/// use bytes::Bytes;
/// use event_proto::{Value, value};
///
/// let avatar = Bytes::from_static(b"\x89PNG...");
/// let user = "ada";
/// let reply = value!({
///     "user": user,
///     "age": 36,
///     "admin": false,
///     "avatar": avatar,
///     "tags": ["math", "engines"],
///     (format!("seen-{}", 2)): null,
///     "nested": { "score": 1.5, "none": Option::<i32>::None },
/// });
/// assert_eq!(reply["user"].as_str(), Some("ada"));
/// assert_eq!(reply["age"].as_i64(), Some(36));
/// assert_eq!(reply["tags"][1].as_str(), Some("engines"));
/// assert!(reply["avatar"].as_binary().is_some());
/// assert!(reply["seen-2"].is_null());
/// assert_eq!(reply["nested"]["score"].as_f64(), Some(1.5));
/// assert!(reply["missing"].is_null());
/// assert!(reply.has_binary());
/// ```
#[macro_export]
macro_rules! value {
    // Object members: `key: tokens of the value` up to a comma at this level.
    (@object [$($done:tt)*]) => { ::std::vec![$($done)*] };
    (@object [$($done:tt)*] $key:tt : $($rest:tt)+) => {
        $crate::value!(@member [$($done)*] $key [] $($rest)+)
    };
    (@member [$($done:tt)*] $key:tt [$($value:tt)+] , $($rest:tt)*) => {
        $crate::value!(@object [$($done)*
            (::std::string::String::from($key), $crate::value!($($value)+)),] $($rest)*)
    };
    (@member [$($done:tt)*] $key:tt [$($value:tt)+]) => {
        $crate::value!(@object [$($done)*
            (::std::string::String::from($key), $crate::value!($($value)+)),])
    };
    (@member [$($done:tt)*] $key:tt [$($value:tt)*] $next:tt $($rest:tt)*) => {
        $crate::value!(@member [$($done)*] $key [$($value)* $next] $($rest)*)
    };
    // Array items: tokens up to a comma at this level.
    (@array [$($done:tt)*]) => { ::std::vec![$($done)*] };
    (@array [$($done:tt)*] $($rest:tt)+) => {
        $crate::value!(@item [$($done)*] [] $($rest)+)
    };
    (@item [$($done:tt)*] [$($value:tt)+] , $($rest:tt)*) => {
        $crate::value!(@array [$($done)* $crate::value!($($value)+),] $($rest)*)
    };
    (@item [$($done:tt)*] [$($value:tt)+]) => {
        $crate::value!(@array [$($done)* $crate::value!($($value)+),])
    };
    (@item [$($done:tt)*] [$($value:tt)*] $next:tt $($rest:tt)*) => {
        $crate::value!(@item [$($done)*] [$($value)* $next] $($rest)*)
    };
    (null) => { $crate::Value::Null };
    ([ $($items:tt)* ]) => { $crate::Value::Array($crate::value!(@array [] $($items)*)) };
    ({ $($members:tt)* }) => { $crate::Value::Object($crate::value!(@object [] $($members)*)) };
    ($other:expr) => { $crate::Value::from($other) };
}

macro_rules! from_integer {
    ($($int:ty),*) => {$(
        impl From<$int> for Value {
            fn from(n: $int) -> Value {
                Value::Number(Number::from(n))
            }
        }
    )*};
}

from_integer!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl From<f64> for Value {
    /// A number; NaN and the infinities, which JSON cannot carry, become `null`.
    fn from(n: f64) -> Value {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

impl From<f32> for Value {
    /// A number; NaN and the infinities become `null`.
    fn from(n: f32) -> Value {
        Value::from(f64::from(n))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Vec<u8>> for Value {
    /// Binary data (an attachment), not an array of numbers.
    fn from(bytes: Vec<u8>) -> Value {
        Value::Binary(Bytes::from(bytes))
    }
}

impl From<&[u8]> for Value {
    /// Binary data (an attachment), copied.
    fn from(bytes: &[u8]) -> Value {
        Value::Binary(Bytes::copy_from_slice(bytes))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `null` for `None`.
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> FromIterator<T> for Value {
    /// An array.
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Value {
        Value::Array(items.into_iter().map(Into::into).collect())
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Value {
    /// An object, members in iteration order.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(members: I) -> Value {
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// What indexing yields when the key or position is absent.
static NULL: Value = Value::Null;

impl std::ops::Index<&str> for Value {
    type Output = Value;

    /// The first member named `key`, or `null` when this is not an object or has no such
    /// member (as `serde_json::Value` indexes).
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl std::ops::Index<usize> for Value {
    type Output = Value;

    /// The item at `index`, or `null` when this is not an array or is shorter.
    fn index(&self, index: usize) -> &Value {
        self.as_array()
            .and_then(|items| items.get(index))
            .unwrap_or(&NULL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_macro_builds_what_the_variants_spell() {
        let name = String::from("ada");
        let built = value!({
            "name": name.clone(),
            "sum": [1, 2].iter().sum::<i32>(),
            "pair": (format!("{}-{}", 1, 2)),
            "list": [{ "a": 1 }, [], {}, null, true],
            "blob": vec![1u8, 2],
        });
        let spelled = Value::Object(vec![
            ("name".into(), Value::String("ada".into())),
            ("sum".into(), Value::Number(3.into())),
            ("pair".into(), Value::String("1-2".into())),
            (
                "list".into(),
                Value::Array(vec![
                    Value::Object(vec![("a".into(), Value::Number(1.into()))]),
                    Value::Array(Vec::new()),
                    Value::Object(Vec::new()),
                    Value::Null,
                    Value::Bool(true),
                ]),
            ),
            ("blob".into(), Value::Binary(Bytes::from_static(&[1, 2]))),
        ]);
        assert_eq!(built, spelled);
        assert_eq!(value!([]), Value::Array(Vec::new()));
        assert_eq!(value!({}), Value::Object(Vec::new()));
        assert_eq!(value!(null), Value::Null);
        assert_eq!(value!("x"), Value::from("x"));
    }

    #[test]
    fn scalars_options_and_iterators_convert() {
        assert_eq!(Value::from(f64::NAN), Value::Null);
        assert_eq!(Value::from(2.5f32).as_f64(), Some(2.5));
        assert_eq!(Value::from(u64::MAX).as_u64(), Some(u64::MAX));
        assert_eq!(Value::from(-3i8).as_i64(), Some(-3));
        assert_eq!(Value::from(None::<&str>), Value::Null);
        assert_eq!(Value::from(Some(true)).as_bool(), Some(true));
        let array: Value = (1..=3).collect();
        assert_eq!(array[2].as_i64(), Some(3));
        let object: Value = [("a", 1), ("b", 2)].into_iter().collect();
        assert_eq!(object["b"].as_i64(), Some(2));
        assert!(Value::from(&b"raw"[..]).as_binary().is_some());
    }

    #[test]
    fn indexing_a_missing_member_or_item_gives_null() {
        let v = value!({ "a": [1] });
        assert!(v["b"].is_null());
        assert!(v["a"][5].is_null());
        assert!(v[0].is_null(), "an object has no positions");
        assert!(v["a"]["x"].is_null(), "an array has no members");
    }

    #[test]
    fn set_replaces_or_appends_and_remove_takes_out() {
        let mut v = Value::Null;
        assert_eq!(v.set("user", "ada"), None);
        assert_eq!(v.set("score", 1), None);
        assert_eq!(v.set("user", "grace"), Some(Value::from("ada")));
        assert_eq!(v["user"].as_str(), Some("grace"));
        if let Some(score) = v.get_mut("score") {
            *score = Value::from(2);
        }
        assert_eq!(v.remove("score"), Some(Value::from(2)));
        assert_eq!(v.as_object().map(<[_]>::len), Some(1));
        assert_eq!(v.remove("score"), None);
    }
}

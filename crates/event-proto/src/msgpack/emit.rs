//! Encoding events and acks straight from serde arguments into MessagePack, without building a
//! `Value`: the bytes are those [`super::encode`] writes for the same packet.

use bytes::Bytes;
use serde::ser::{self, Serialize};

use super::codec::{
    ARRAY, ARRAY_WIDE, MAP, MAP_WIDE, write_bin, write_float, write_head, write_int, write_str,
    write_uint,
};
use crate::error::{Error, Result};
use crate::message::Message;
use crate::parser::Encoded;
use crate::socket::{PacketKind, validate_event_name, validate_namespace};
use crate::text::Str;

/// Encodes an `EVENT` (when `name` is set) or an `ACK` whose arguments are `args`, a value that
/// serializes as a sequence (`()` for none).
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
    out.push(0x83 + u8::from(id.is_some()));
    write_str("type", &mut out);
    out.push(kind as u8);
    write_str("data", &mut out);
    args.serialize(Arguments {
        out: &mut out,
        name,
    })?;
    if let Some(id) = id {
        write_str("id", &mut out);
        write_uint(id, &mut out);
    }
    write_str("nsp", &mut out);
    write_str(ns.as_str(), &mut out);
    Ok(Encoded {
        head: Message::Binary(Bytes::from(out)),
        attachments: Vec::new(),
    })
}

fn not_a_sequence() -> Error {
    Error::Serde("arguments must serialize as a sequence".into())
}

/// An array or map being written: its header declares `declared` items, rewritten at the end
/// if a different number arrived.
struct Container<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
    declared: usize,
    count: usize,
    map: bool,
}

impl<'a> Container<'a> {
    fn open(out: &'a mut Vec<u8>, declared: usize, map: bool) -> Container<'a> {
        let start = out.len();
        let (fix, wide) = if map {
            (MAP, MAP_WIDE)
        } else {
            (ARRAY, ARRAY_WIDE)
        };
        write_head(out, declared, fix, wide);
        Container {
            out,
            start,
            declared,
            count: 0,
            map,
        }
    }

    /// Opens `{variant: <container>}`.
    fn variant(out: &'a mut Vec<u8>, variant: &str, declared: usize, map: bool) -> Container<'a> {
        out.push(0x81);
        write_str(variant, out);
        Container::open(out, declared, map)
    }

    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.count += 1;
        v.serialize(Writer { out: self.out })
    }

    fn close(self) -> Result<()> {
        if self.count != self.declared {
            let (fix, wide) = if self.map {
                (MAP, MAP_WIDE)
            } else {
                (ARRAY, ARRAY_WIDE)
            };
            let mut old = Vec::new();
            write_head(&mut old, self.declared, fix, wide);
            let mut new = Vec::new();
            write_head(&mut new, self.count, fix, wide);
            self.out.splice(self.start..self.start + old.len(), new);
        }
        Ok(())
    }
}

/// `Some(v)` and newtype structs serialize as `v`, as in `to_value`.
macro_rules! transparent {
    () => {
        fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<()> {
            v.serialize(self)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            v: &T,
        ) -> Result<()> {
            v.serialize(self)
        }
    };
}

/// Refuses a newtype variant (`{variant: value}`) with `$error`.
macro_rules! refuse_newtype_variant {
    ($error:expr) => {
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<()> {
            Err($error)
        }
    };
}

/// The top level: the arguments, a sequence, become the payload array after the event name.
struct Arguments<'a> {
    out: &'a mut Vec<u8>,
    name: Option<&'a str>,
}

impl<'a> Arguments<'a> {
    fn array(self, len: usize) -> Container<'a> {
        let extra = usize::from(self.name.is_some());
        let mut c = Container::open(self.out, len + extra, false);
        if let Some(name) = self.name {
            write_str(name, c.out);
            c.count = 1;
        }
        c
    }
}

/// Refuses a serializer method: only sequences (and "nothing") are arguments.
macro_rules! refuse {
    ($($method:ident($($ty:ty),*)),* $(,)?) => {$(
        fn $method(self, $(_: $ty),*) -> Result<()> {
            Err(not_a_sequence())
        }
    )*};
}

impl<'a> ser::Serializer for Arguments<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Container<'a>;
    type SerializeTuple = Container<'a>;
    type SerializeTupleStruct = Container<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    refuse!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_variant(&'static str, u32, &'static str),
    );

    // `()` and `None` mean no arguments, as for the JSON parser.
    fn serialize_none(self) -> Result<()> {
        self.array(0).close()
    }
    fn serialize_unit(self) -> Result<()> {
        self.array(0).close()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.array(0).close()
    }
    transparent!();
    refuse_newtype_variant!(not_a_sequence());
    fn serialize_seq(self, len: Option<usize>) -> Result<Container<'a>> {
        Ok(self.array(len.unwrap_or(0)))
    }
    fn serialize_tuple(self, len: usize) -> Result<Container<'a>> {
        Ok(self.array(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Container<'a>> {
        Ok(self.array(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_a_sequence())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_sequence())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_sequence())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_a_sequence())
    }
}

/// Forwards a narrow number to the method of its widest kind.
macro_rules! widen {
    ($($method:ident($ty:ty) => $wide:ident),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<()> {
            self.$wide(v.into())
        }
    )*};
}

/// Any value, written as [`super::write_value`] writes its [`crate::Value`].
struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Container<'a>;
    type SerializeTuple = Container<'a>;
    type SerializeTupleStruct = Container<'a>;
    type SerializeTupleVariant = Container<'a>;
    type SerializeMap = Container<'a>;
    type SerializeStruct = Container<'a>;
    type SerializeStructVariant = Container<'a>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out.push(if v { 0xc3 } else { 0xc2 });
        Ok(())
    }
    widen!(
        serialize_i8(i8) => serialize_i64,
        serialize_i16(i16) => serialize_i64,
        serialize_i32(i32) => serialize_i64,
        serialize_u8(u8) => serialize_u64,
        serialize_u16(u16) => serialize_u64,
        serialize_u32(u32) => serialize_u64,
        serialize_f32(f32) => serialize_f64,
    );
    fn serialize_i64(self, v: i64) -> Result<()> {
        write_int(v, self.out);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        write_uint(v, self.out);
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        // Like JSON, non-finite floats become null.
        if v.is_finite() {
            write_float(v, self.out);
        } else {
            self.out.push(0xc0);
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        write_str(v.encode_utf8(&mut [0; 4]), self.out);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        write_str(v, self.out);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        write_bin(v, self.out);
        Ok(())
    }
    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<()> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.out.push(0xc0);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<()> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<()> {
        self.out.push(0x81);
        write_str(variant, self.out);
        v.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Container<'a>> {
        Ok(Container::open(self.out, len.unwrap_or(0), false))
    }
    fn serialize_tuple(self, len: usize) -> Result<Container<'a>> {
        Ok(Container::open(self.out, len, false))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Container<'a>> {
        Ok(Container::open(self.out, len, false))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Container<'a>> {
        Ok(Container::variant(self.out, variant, len, false))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Container<'a>> {
        Ok(Container::open(self.out, len.unwrap_or(0), true))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Container<'a>> {
        Ok(Container::open(self.out, len, true))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Container<'a>> {
        Ok(Container::variant(self.out, variant, len, true))
    }
}

/// Implements serde's sequence-like compound traits on [`Container`].
macro_rules! seq_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Container<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
                self.element(v)
            }
            fn end(self) -> Result<()> {
                self.close()
            }
        }
    )*};
}

seq_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Implements serde's struct compound traits on [`Container`].
macro_rules! struct_like {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Container<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                v: &T,
            ) -> Result<()> {
                write_str(key, self.out);
                self.element(v)
            }
            fn end(self) -> Result<()> {
                self.close()
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Container<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        key.serialize(Key { out: self.out })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.element(v)
    }
    fn end(self) -> Result<()> {
        self.close()
    }
}

/// A map key, written as text the way `to_value` makes it: strings as they are, numbers and
/// booleans as JSON writes them; anything else is refused.
struct Key<'a> {
    out: &'a mut Vec<u8>,
}

impl Key<'_> {
    fn text(self, text: &str) -> Result<()> {
        write_str(text, self.out);
        Ok(())
    }

    fn number(self, n: serde_json::Number) -> Result<()> {
        self.text(&n.to_string())
    }
}

/// Refuses a key serializer method: compound and empty values are not keys.
macro_rules! not_a_key {
    ($($method:ident($($ty:ty),*) -> $ok:ty),* $(,)?) => {$(
        fn $method(self, $(_: $ty),*) -> Result<$ok> {
            Err(Error::Serde("object keys must be strings".into()))
        }
    )*};
}

impl ser::Serializer for Key<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<()> {
        self.text(v)
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_bool(self, v: bool) -> Result<()> {
        self.text(if v { "true" } else { "false" })
    }
    widen!(
        serialize_i8(i8) => serialize_i64,
        serialize_i16(i16) => serialize_i64,
        serialize_i32(i32) => serialize_i64,
        serialize_u8(u8) => serialize_u64,
        serialize_u16(u16) => serialize_u64,
        serialize_u32(u32) => serialize_u64,
        serialize_f32(f32) => serialize_f64,
    );
    fn serialize_i64(self, v: i64) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<()> {
        self.number(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.number(n),
            None => Err(Error::Serde("object keys must be strings".into())),
        }
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.text(variant)
    }
    transparent!();
    refuse_newtype_variant!(Error::Serde("object keys must be strings".into()));
    not_a_key!(
        serialize_bytes(&[u8]) -> (),
        serialize_none() -> (),
        serialize_unit() -> (),
        serialize_unit_struct(&'static str) -> (),
        serialize_seq(Option<usize>) -> Self::SerializeSeq,
        serialize_tuple(usize) -> Self::SerializeTuple,
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct,
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant,
        serialize_map(Option<usize>) -> Self::SerializeMap,
        serialize_struct(&'static str, usize) -> Self::SerializeStruct,
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::Packet;
    use crate::value::to_value;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        New(u8),
        Pair(i32, f64),
        Named { x: Option<bool> },
    }

    #[derive(serde::Serialize)]
    struct Record {
        id: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        gone: Option<u8>,
        #[serde(with = "serde_bytes_like")]
        raw: Vec<u8>,
        keys: BTreeMap<i32, &'static str>,
        ratio: f32,
    }

    mod serde_bytes_like {
        pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(v)
        }
    }

    fn via_value<T: Serialize + ?Sized>(name: Option<&str>, id: Option<u64>, args: &T) -> Encoded {
        let items = match to_value(args).expect("converts") {
            crate::Value::Array(items) => items,
            _ => Vec::new(),
        };
        let ns = "/n";
        let packet = match (name, id) {
            (Some(name), id) => {
                let mut p = Packet::event(ns, name, items);
                p.id = id;
                p
            }
            (None, id) => Packet::ack(ns, id.unwrap_or(0), items),
        };
        Encoded {
            head: Message::Binary(super::super::encode(&packet).expect("encodes")),
            attachments: Vec::new(),
        }
    }

    #[derive(serde::Serialize, PartialEq, Eq, PartialOrd, Ord)]
    enum UnitKey {
        A,
    }

    struct FloatKeys;
    impl Serialize for FloatKeys {
        fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = s.serialize_map(Some(3))?;
            map.serialize_entry(&1.5f64, &1)?;
            map.serialize_entry(&2.0f32, &2)?;
            map.serialize_entry(&Some(-3i8), &3)?;
            map.end()
        }
    }

    #[test]
    fn matches_the_value_path() {
        let ns = Str::from("/n");
        let record = Record {
            id: 7,
            gone: None,
            raw: vec![1, 2],
            keys: BTreeMap::from([(-1, "minus"), (2, "two")]),
            ratio: 0.5,
        };
        let args = (
            (
                Shape::Unit,
                Shape::New(3),
                Shape::Pair(-9, 2.0),
                Shape::Named { x: None },
            ),
            record,
            'é',
            f64::NAN,
            "x".repeat(40),
            vec![1u64 << 40; 20],
        );
        let direct = encode_args(&ns, Some("e"), Some(5), &args).expect("encodes");
        assert_eq!(direct, via_value(Some("e"), Some(5), &args));
        let ack = encode_args(&ns, None, Some(0), &args).expect("encodes");
        assert_eq!(ack, via_value(None, Some(0), &args));
        let none = encode_args(&ns, Some("e"), None, &()).expect("encodes");
        assert_eq!(none, via_value(Some("e"), None, &()));
        // A sequence of unknown length: its header is rewritten.
        struct Unsized;
        impl Serialize for Unsized {
            fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.collect_seq((0..20).filter(|i| i % 2 == 0))
            }
        }
        let unsized_args = (Unsized,);
        let direct = encode_args(&ns, Some("e"), None, &unsized_args).expect("encodes");
        assert_eq!(direct, via_value(Some("e"), None, &unsized_args));
        let keys = (
            BTreeMap::from([(true, 1)]),
            BTreeMap::from([('c', 1)]),
            BTreeMap::from([(UnitKey::A, 1)]),
            FloatKeys,
        );
        let direct = encode_args(&ns, Some("k"), None, &keys).expect("encodes");
        assert_eq!(direct, via_value(Some("k"), None, &keys));
        let top = encode_args(&ns, Some("e"), None, &Unsized).expect("encodes");
        assert_eq!(top, via_value(Some("e"), None, &Unsized));
    }

    #[test]
    fn refuses_what_is_not_a_sequence() {
        let ns = Str::from("/");
        for result in [
            encode_args(&ns, Some("e"), None, &5),
            encode_args(&ns, Some("e"), None, &"x"),
            encode_args(&ns, Some("e"), None, &BTreeMap::from([("k", 1)])),
            encode_args(&ns, Some("e"), None, &(BTreeMap::from([((1, 2), 1)]),)),
        ] {
            assert!(matches!(result, Err(Error::Serde(_))), "{result:?}");
        }
        assert_eq!(
            encode_args(&Str::from("x"), Some("e"), None, &()),
            Err(Error::InvalidNamespace)
        );
    }
}

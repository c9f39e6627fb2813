//! MessagePack as `notepack.io` 3 writes and reads it, to and from [`Value`].
//!
//! Encoding picks the smallest format for every integer, writes any other number as float64
//! (`0xcb`), [`Value::Binary`] as `bin 8/16/32`, [`Value::Null`] as `nil` and objects as maps
//! with their members in order. Decoding accepts every MessagePack format: `bin` becomes
//! [`Value::Binary`] (a slice of the input, not a copy), float32 and float64 become numbers
//! (NaN and infinities become `null`, as in JSON), integer map keys become strings, the
//! timestamp extension (type −1, a JavaScript `Date`) becomes its ISO 8601 text as
//! `Date.toJSON` would give, and any other extension becomes `null`.
//!
//! Decoding never panics. Every declared length is checked against the bytes that remain
//! before anything is allocated, and nesting is bounded by [`MAX_DEPTH`].

use bytes::Bytes;
use event_proto::Value;
use serde_json::Number;

use super::WireError;

/// How deeply arrays and maps may nest in a decoded message.
pub const MAX_DEPTH: usize = 64;

/// Encodes `value` at the end of `out`.
pub fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(false) => out.push(0xc2),
        Value::Bool(true) => out.push(0xc3),
        Value::Number(n) => encode_number(n, out),
        Value::String(s) => encode_str(s, out),
        Value::Binary(b) => {
            let len = b.len();
            if len < 0x100 {
                out.extend_from_slice(&[0xc4, len as u8]);
            } else if len < 0x1_0000 {
                out.push(0xc5);
                out.extend_from_slice(&(len as u16).to_be_bytes());
            } else {
                out.push(0xc6);
                out.extend_from_slice(&(len as u32).to_be_bytes());
            }
            out.extend_from_slice(b);
        }
        Value::Array(items) => {
            write_len(out, items.len(), 0x90, 0xdc);
            for item in items {
                encode(item, out);
            }
        }
        Value::Object(members) => {
            write_len(out, members.len(), 0x80, 0xde);
            for (key, item) in members {
                encode_str(key, out);
                encode(item, out);
            }
        }
    }
}

/// Encodes `value` into a new buffer.
pub fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    encode(value, &mut out);
    out
}

/// A fix-format (length < 16) or 16/32-bit length header; `fix` is the fix-format base and
/// `wide` the 16-bit marker (the 32-bit marker follows it).
fn write_len(out: &mut Vec<u8>, len: usize, fix: u8, wide: u8) {
    if len < 16 {
        out.push(fix | len as u8);
    } else if len < 0x1_0000 {
        out.push(wide);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(wide + 1);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

fn encode_str(s: &str, out: &mut Vec<u8>) {
    let len = s.len();
    if len < 0x20 {
        out.push(0xa0 | len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len < 0x1_0000 {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

/// JavaScript has one number type: integral values take the smallest integer format,
/// anything else float64.
fn encode_number(n: &Number, out: &mut Vec<u8>) {
    if let Some(u) = n.as_u64() {
        encode_uint(u, out);
    } else if let Some(i) = n.as_i64() {
        encode_int(i, out);
    } else {
        let f = n.as_f64().unwrap_or(f64::NAN);
        // Integral floats within the integer range are integers to JavaScript.
        if f.fract() == 0.0 && (-9.223_372_036_854_776e18..1.844_674_407_370_955_2e19).contains(&f)
        {
            if f >= 0.0 {
                encode_uint(f as u64, out);
            } else {
                encode_int(f as i64, out);
            }
        } else {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
    }
}

fn encode_uint(u: u64, out: &mut Vec<u8>) {
    if u < 0x80 {
        out.push(u as u8);
    } else if u < 0x100 {
        out.extend_from_slice(&[0xcc, u as u8]);
    } else if u < 0x1_0000 {
        out.push(0xcd);
        out.extend_from_slice(&(u as u16).to_be_bytes());
    } else if u < 0x1_0000_0000 {
        out.push(0xce);
        out.extend_from_slice(&(u as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn encode_int(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        encode_uint(i as u64, out);
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= -128 {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= -32_768 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= -2_147_483_648 {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

/// Decodes exactly one value filling all of `input`.
pub fn decode(input: &Bytes) -> Result<Value, WireError> {
    let mut reader = Reader { input, pos: 0 };
    let value = reader.value(0)?;
    if reader.pos != input.len() {
        return Err(WireError::Malformed(
            "trailing bytes after the MessagePack value",
        ));
    }
    Ok(value)
}

struct Reader<'a> {
    input: &'a Bytes,
    pos: usize,
}

impl Reader<'_> {
    fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&[u8], WireError> {
        if n > self.remaining() {
            return Err(WireError::Malformed("MessagePack value cut short"));
        }
        let start = self.pos;
        self.pos += n;
        Ok(&self.input[start..self.pos])
    }

    fn byte(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn len(&mut self, width: usize) -> Result<usize, WireError> {
        Ok(match width {
            1 => usize::from(self.byte()?),
            2 => usize::from(u16::from_be_bytes(self.array()?)),
            _ => u32::from_be_bytes(self.array()?) as usize,
        })
    }

    fn value(&mut self, depth: usize) -> Result<Value, WireError> {
        let marker = self.byte()?;
        Ok(match marker {
            0x00..=0x7f => Value::Number(u64::from(marker).into()),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f), depth)?,
            0x90..=0x9f => self.seq(usize::from(marker & 0x0f), depth)?,
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f))?,
            0xc0 => Value::Null,
            0xc1 => {
                return Err(WireError::Malformed(
                    "MessagePack marker 0xc1 is never used",
                ));
            }
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let len = self.len(1 << (marker - 0xc4))?;
                if len > self.remaining() {
                    return Err(WireError::Malformed("MessagePack value cut short"));
                }
                let start = self.pos;
                self.pos += len;
                Value::Binary(self.input.slice(start..self.pos))
            }
            0xc7..=0xc9 => {
                let len = self.len(1 << (marker - 0xc7))?;
                self.ext(len)?
            }
            0xca => float(f64::from(f32::from_be_bytes(self.array()?))),
            0xcb => float(f64::from_be_bytes(self.array()?)),
            0xcc => Value::Number(u64::from(self.byte()?).into()),
            0xcd => Value::Number(u64::from(u16::from_be_bytes(self.array()?)).into()),
            0xce => Value::Number(u64::from(u32::from_be_bytes(self.array()?)).into()),
            0xcf => Value::Number(u64::from_be_bytes(self.array()?).into()),
            0xd0 => Value::Number(i64::from(self.byte()? as i8).into()),
            0xd1 => Value::Number(i64::from(i16::from_be_bytes(self.array()?)).into()),
            0xd2 => Value::Number(i64::from(i32::from_be_bytes(self.array()?)).into()),
            0xd3 => Value::Number(i64::from_be_bytes(self.array()?).into()),
            0xd4..=0xd8 => self.ext(1 << (marker - 0xd4))?,
            0xd9..=0xdb => {
                let len = self.len(1 << (marker - 0xd9))?;
                self.string(len)?
            }
            0xdc | 0xdd => {
                let len = self.len(2 << (marker - 0xdc))?;
                self.seq(len, depth)?
            }
            0xde | 0xdf => {
                let len = self.len(2 << (marker - 0xde))?;
                self.map(len, depth)?
            }
            0xe0..=0xff => Value::Number(i64::from(marker as i8).into()),
        })
    }

    fn string(&mut self, len: usize) -> Result<Value, WireError> {
        let bytes = self.take(len)?;
        Ok(Value::String(String::from_utf8_lossy(bytes).into_owned()))
    }

    fn seq(&mut self, len: usize, depth: usize) -> Result<Value, WireError> {
        if depth >= MAX_DEPTH {
            return Err(WireError::Malformed("MessagePack nested too deeply"));
        }
        // Every item takes at least one byte: a count beyond the input is a lie.
        if len > self.remaining() {
            return Err(WireError::Malformed("MessagePack value cut short"));
        }
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            items.push(self.value(depth + 1)?);
        }
        Ok(Value::Array(items))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<Value, WireError> {
        if depth >= MAX_DEPTH {
            return Err(WireError::Malformed("MessagePack nested too deeply"));
        }
        if len > self.remaining() / 2 {
            return Err(WireError::Malformed("MessagePack value cut short"));
        }
        let mut members = Vec::with_capacity(len);
        for _ in 0..len {
            let key = match self.value(depth + 1)? {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => "null".to_owned(),
                _ => return Err(WireError::Malformed("MessagePack map key is not a scalar")),
            };
            let value = self.value(depth + 1)?;
            members.push((key, value));
        }
        Ok(Value::Object(members))
    }

    /// An extension of `len` data bytes (its type byte comes first).
    fn ext(&mut self, len: usize) -> Result<Value, WireError> {
        let kind = self.byte()? as i8;
        let data = self.take(len)?;
        if kind != -1 {
            // notepack's legacy `undefined` (fixext 1, type 0) and unknown extensions.
            return Ok(Value::Null);
        }
        let (seconds, nanos) = match *data {
            [a, b, c, d] => (i64::from(u32::from_be_bytes([a, b, c, d])), 0),
            [a, b, c, d, e, f, g, h] => {
                let both = u64::from_be_bytes([a, b, c, d, e, f, g, h]);
                ((both & 0x3_ffff_ffff) as i64, (both >> 34) as u32)
            }
            [a, b, c, d, e, f, g, h, i, j, k, l] => (
                i64::from_be_bytes([e, f, g, h, i, j, k, l]),
                u32::from_be_bytes([a, b, c, d]),
            ),
            _ => return Ok(Value::Null),
        };
        Ok(iso_time(seconds, nanos).map_or(Value::Null, Value::String))
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, as JavaScript's `Date.prototype.toJSON`; `None` outside the
/// years 0 to 9999.
fn iso_time(seconds: i64, nanos: u32) -> Option<String> {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Days since 1970-01-01 to a civil date (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return None;
    }
    Some(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        nanos.min(999_999_999) / 1_000_000
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc(v: serde_json::Value) -> Vec<u8> {
        to_vec(&Value::from(v))
    }

    fn round_trip(v: &Value) -> Value {
        decode(&Bytes::from(to_vec(v))).expect("decodes")
    }

    #[test]
    fn integers_take_the_smallest_format() {
        assert_eq!(enc(json!(0)), [0x00]);
        assert_eq!(enc(json!(127)), [0x7f]);
        assert_eq!(enc(json!(128)), [0xcc, 0x80]);
        assert_eq!(enc(json!(255)), [0xcc, 0xff]);
        assert_eq!(enc(json!(256)), [0xcd, 0x01, 0x00]);
        assert_eq!(enc(json!(3000)), [0xcd, 0x0b, 0xb8]);
        assert_eq!(enc(json!(65536)), [0xce, 0, 1, 0, 0]);
        assert_eq!(
            enc(json!(4_294_967_296_u64)),
            [0xcf, 0, 0, 0, 1, 0, 0, 0, 0]
        );
        assert_eq!(enc(json!(-1)), [0xff]);
        assert_eq!(enc(json!(-32)), [0xe0]);
        assert_eq!(enc(json!(-33)), [0xd0, 0xdf]);
        assert_eq!(enc(json!(-129)), [0xd1, 0xff, 0x7f]);
        assert_eq!(enc(json!(-32769)), [0xd2, 0xff, 0xff, 0x7f, 0xff]);
        assert_eq!(enc(json!(-2_147_483_649_i64))[0], 0xd3);
        // 2.0 is an integer to JavaScript.
        assert_eq!(enc(json!(2.0)), [0x02]);
        assert_eq!(enc(json!(-2.0)), [0xfe]);
    }

    #[test]
    fn fractions_are_float64() {
        let mut expected = vec![0xcb];
        expected.extend_from_slice(&1.5f64.to_be_bytes());
        assert_eq!(enc(json!(1.5)), expected);
    }

    #[test]
    fn strings_binary_and_containers() {
        assert_eq!(enc(json!("")), [0xa0]);
        assert_eq!(enc(json!("bcast")), b"\xa5bcast");
        let s32 = "x".repeat(32);
        assert_eq!(&enc(json!(s32))[..2], [0xd9, 32]);
        let s256 = "x".repeat(256);
        assert_eq!(&enc(json!(s256))[..3], [0xda, 1, 0]);
        let bin = Value::Binary(Bytes::from_static(&[1, 2, 3]));
        assert_eq!(to_vec(&bin), [0xc4, 3, 1, 2, 3]);
        let big = Value::Binary(Bytes::from(vec![0u8; 300]));
        assert_eq!(&to_vec(&big)[..3], [0xc5, 1, 44]);
        assert_eq!(enc(json!([])), [0x90]);
        assert_eq!(enc(json!({})), [0x80]);
        assert_eq!(&enc(json!(vec![0; 16]))[..3], [0xdc, 0, 16]);
        assert_eq!(enc(json!(null)), [0xc0]);
        assert_eq!(enc(json!([true, false])), [0x92, 0xc3, 0xc2]);
    }

    #[test]
    fn objects_keep_their_order() {
        let v = Value::Object(vec![
            ("z".into(), Value::from("1")),
            ("a".into(), Value::Null),
        ]);
        assert_eq!(to_vec(&v), b"\x82\xa1z\xa11\xa1a\xc0");
        assert_eq!(round_trip(&v), v);
    }

    #[test]
    fn round_trips() {
        let v = Value::Array(vec![
            Value::from(json!({"x": 1, "neg": -300, "f": 0.25, "big": u64::MAX, "s": "é"})),
            Value::Binary(Bytes::from(vec![7u8; 70_000])),
            Value::from(json!([null, true, [[[]]], "x".repeat(70_000)])),
        ]);
        assert_eq!(round_trip(&v), v);
    }

    #[test]
    fn decodes_other_formats() {
        let f32_one = Bytes::from_static(&[0xca, 0x3f, 0x80, 0, 0]);
        assert_eq!(decode(&f32_one), Ok(Value::from(json!(1.0))));
        let nan = Bytes::from([&[0xcb][..], &f64::NAN.to_be_bytes()[..]].concat());
        assert_eq!(decode(&nan), Ok(Value::Null));
        // Integer keys become strings; notepack's legacy undefined is null.
        let map = Bytes::from_static(&[0x81, 0x01, 0xd4, 0x00, 0x00]);
        assert_eq!(decode(&map), Ok(Value::from(json!({"1": null}))));
        let str8 = Bytes::from_static(b"\xd9\x02hi");
        assert_eq!(decode(&str8), Ok(Value::from("hi")));
        let array16 = Bytes::from_static(&[0xdc, 0, 1, 0x05]);
        assert_eq!(decode(&array16), Ok(Value::from(json!([5]))));
    }

    #[test]
    fn dates_become_iso_text() {
        // 2021-01-01T00:00:00.123Z as timestamp 64: nanos << 34 | seconds.
        let both: u64 = (123_000_000u64 << 34) | 1_609_459_200;
        let mut bytes = vec![0xd7, 0xff];
        bytes.extend_from_slice(&both.to_be_bytes());
        assert_eq!(
            decode(&Bytes::from(bytes)),
            Ok(Value::from("2021-01-01T00:00:00.123Z"))
        );
        let ts32 = Bytes::from_static(&[0xd6, 0xff, 0, 0, 0, 0]);
        assert_eq!(decode(&ts32), Ok(Value::from("1970-01-01T00:00:00.000Z")));
        assert_eq!(
            iso_time(951_782_400, 0).as_deref(),
            Some("2000-02-29T00:00:00.000Z")
        );
    }

    #[test]
    fn binary_is_a_slice_of_the_input() {
        let input = Bytes::from_static(&[0x91, 0xc4, 2, 9, 9]);
        let Ok(Value::Array(items)) = decode(&input) else {
            panic!("not an array")
        };
        let Some(Value::Binary(b)) = items.first() else {
            panic!("not binary")
        };
        assert_eq!(b.as_ptr(), input[3..].as_ptr());
    }

    #[test]
    fn rejects_bad_input_without_panicking() {
        for bad in [
            &[][..],
            &[0xc1],
            &[0x92, 0x01],
            &[0xdd, 0xff, 0xff, 0xff, 0xff],
            &[0xdf, 0xff, 0xff, 0xff, 0xff, 0x00],
            &[0xc6, 0xff, 0xff, 0xff, 0xff],
            &[0xdb, 0x00, 0x00, 0x01, 0x00, b'a'],
            &[0x81, 0x90, 0x00],
            &[0x01, 0x02],
            &[0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],
        ] {
            assert!(decode(&Bytes::copy_from_slice(bad)).is_err(), "{bad:?}");
        }
        let deep = Bytes::from(vec![0x91; MAX_DEPTH + 1]);
        assert!(decode(&deep).is_err());
        let mut fine = vec![0x91; MAX_DEPTH - 1];
        fine.push(0xc0);
        assert!(decode(&Bytes::from(fine)).is_ok());
    }
}

//! MessagePack values as `notepack.io` 2.2 (the codec of `socket.io-msgpack-parser` 3) writes
//! and reads them, to and from [`Value`].
//!
//! This module is independent of Socket.IO packets, so other MessagePack wire formats built on
//! the same JavaScript conventions (such as the Redis adapter's) can share it.
//!
//! # Writing
//!
//! JavaScript has one number type, and notepack writes every integral number in the smallest
//! integer format and anything else as float64 (`0xcb`): [`write_value`] does the same, so
//! `1.0` is written `0x01` and `-0.0` is written `0x00`. Strings are `str`, [`Value::Binary`]
//! is `bin 8/16/32`, [`Value::Null`] is `nil`, arrays are arrays and objects are maps with
//! string keys, members in order. Every length takes the smallest format.
//!
//! # Reading
//!
//! [`read_value`] accepts every MessagePack format and maps it as notepack (and then
//! `JSON.stringify`, for what JSON cannot hold) would:
//!
//! * `bin` becomes [`Value::Binary`], a slice of the input rather than a copy. So does an
//!   `ext 8/16/32` of type 0, which is how notepack writes an `ArrayBuffer` or typed array in
//!   Node.js.
//! * notepack's `undefined` (`fixext 1`, type 0, `d4 00 00`) drops the object member it is the
//!   value of and becomes `null` in an array, as in JSON.
//! * A date (notepack's `fixext 8` of type 0: milliseconds since the epoch as a signed 64-bit
//!   integer; or the MessagePack timestamp extension, type −1) becomes its ISO 8601 text, as
//!   `Date.prototype.toJSON` writes it; a date JavaScript cannot represent becomes `null`.
//! * Any other extension becomes `[type, <binary data>]`, the array notepack decodes it to.
//! * float32 and float64 become numbers; NaN and the infinities become `null`, as in JSON.
//! * A map key that is a number, boolean, `nil` or `undefined` becomes its JavaScript text
//!   (`1`, `true`, `null`, `undefined`); other keys (arrays, maps, binary) are rejected.
//! * Strings must be UTF-8 (notepack itself never writes anything else).
//!
//! Reading never panics, and never allocates from a length the input declares: every length
//! is checked against the bytes that remain first, and containers grow as their items arrive.
//! Nesting is bounded by [`Bounds::max_depth`], binary values by their count and total size.
//!
//! ```
//! use bytes::Bytes;
//! use event_proto::msgpack::{read_value, write_value, Bounds};
//! use event_proto::Value;
//!
//! let value = Value::Array(vec![Value::from("file"), Value::Binary(Bytes::from_static(b"\x01\x02"))]);
//! let mut out = Vec::new();
//! write_value(&value, &mut out);
//! assert_eq!(out, b"\x92\xa4file\xc4\x02\x01\x02");
//! assert_eq!(read_value(&Bytes::from(out), &Bounds::default()).unwrap(), value);
//! ```

use bytes::Bytes;
use serde_json::Number;

use crate::error::{Error, Result};
use crate::value::Value;

/// How deeply arrays and maps may nest by default: the recursion limit of the JSON parser.
pub const MAX_DEPTH: usize = 128;

/// Bounds on what [`read_value`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// How deeply arrays and maps may nest; the outermost container is at depth 1.
    pub max_depth: usize,
    /// Most binary values (including extensions) one input may hold.
    pub max_binaries: usize,
    /// Largest total size of those binary values, in bytes.
    pub max_binary_bytes: usize,
}

impl Default for Bounds {
    /// [`MAX_DEPTH`], and no bound on binary data beyond the input's own size.
    fn default() -> Self {
        Bounds {
            max_depth: MAX_DEPTH,
            max_binaries: usize::MAX,
            max_binary_bytes: usize::MAX,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Appends the MessagePack encoding of `value` to `out`.
pub fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0xc0),
        Value::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_str(s, out),
        Value::Binary(data) => write_bin(data, out),
        Value::Array(items) => {
            write_head(out, items.len(), ARRAY, ARRAY_WIDE);
            items.iter().for_each(|item| write_value(item, out));
        }
        Value::Object(members) => {
            write_head(out, members.len(), MAP, MAP_WIDE);
            for (key, item) in members {
                write_str(key, out);
                write_value(item, out);
            }
        }
    }
}

/// The fix format of arrays, and their 16- and 32-bit markers (for [`write_head`]).
pub(crate) const ARRAY: Option<(u8, usize)> = Some((0x90, 16));
pub(crate) const ARRAY_WIDE: [u8; 3] = [0, 0xdc, 0xdd];
/// The fix format of maps, and their 16- and 32-bit markers.
pub(crate) const MAP: Option<(u8, usize)> = Some((0x80, 16));
pub(crate) const MAP_WIDE: [u8; 3] = [0, 0xde, 0xdf];

/// Appends `bin` data in its smallest format.
pub(crate) fn write_bin(data: &[u8], out: &mut Vec<u8>) {
    write_head(out, data.len(), None, [0xc4, 0xc5, 0xc6]);
    out.extend_from_slice(data);
}

/// Appends a `str` in its smallest format.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    write_head(out, s.len(), Some((0xa0, 32)), [0xd9, 0xda, 0xdb]);
    out.extend_from_slice(s.as_bytes());
}

/// Appends a length header: the fix format `(base, bound)` when the length is below `bound`,
/// else the 8-, 16- or 32-bit format in `wide` (a 0 marker means "no such format").
/// Lengths of 2³² and more cannot be written and are clamped (nothing in a packet gets there).
pub(crate) fn write_head(out: &mut Vec<u8>, len: usize, fix: Option<(u8, usize)>, wide: [u8; 3]) {
    match fix {
        Some((base, bound)) if len < bound => out.push(base | len as u8),
        _ if len < 0x100 && wide[0] != 0 => out.extend_from_slice(&[wide[0], len as u8]),
        _ if len < 0x1_0000 => {
            out.push(wide[1]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(wide[2]);
            out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        }
    }
}

/// Integral numbers in the smallest integer format (as JavaScript numbers are), others float64.
fn write_number(n: &Number, out: &mut Vec<u8>) {
    if let Some(u) = n.as_u64() {
        write_uint(u, out);
    } else if let Some(i) = n.as_i64() {
        write_int(i, out);
    } else {
        write_float(n.as_f64().unwrap_or(0.0), out);
    }
}

/// A finite float: an integer when integral and within −2⁶³ ≤ f < 2⁶⁴ (as notepack writes a
/// JavaScript number), float64 otherwise.
pub(crate) fn write_float(f: f64, out: &mut Vec<u8>) {
    if f.fract() == 0.0 && (-9.223_372_036_854_776e18..1.844_674_407_370_955_2e19).contains(&f) {
        if f >= 0.0 {
            write_uint(f as u64, out);
        } else {
            write_int(f as i64, out);
        }
    } else {
        out.push(0xcb);
        out.extend_from_slice(&f.to_be_bytes());
    }
}

/// Appends a non-negative integer in its smallest format.
pub fn write_uint(u: u64, out: &mut Vec<u8>) {
    match u {
        0..=0x7f => out.push(u as u8),
        0x80..=0xff => out.extend_from_slice(&[0xcc, u as u8]),
        0x100..=0xffff => {
            out.push(0xcd);
            out.extend_from_slice(&(u as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xce);
            out.extend_from_slice(&(u as u32).to_be_bytes());
        }
        _ => {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
    }
}

pub(crate) fn write_int(i: i64, out: &mut Vec<u8>) {
    if let Ok(u) = u64::try_from(i) {
        return write_uint(u, out);
    }
    if i >= -32 {
        out.push(i as u8);
    } else if let Ok(b) = i8::try_from(i) {
        out.extend_from_slice(&[0xd0, b as u8]);
    } else if let Ok(s) = i16::try_from(i) {
        out.push(0xd1);
        out.extend_from_slice(&s.to_be_bytes());
    } else if let Ok(w) = i32::try_from(i) {
        out.push(0xd2);
        out.extend_from_slice(&w.to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Decodes the one value that fills all of `input`.
pub fn read_value(input: &Bytes, bounds: &Bounds) -> Result<Value> {
    let mut reader = Reader::new(input, *bounds);
    let value = reader.item(0)?.or_null();
    reader.finish()?;
    Ok(value)
}

/// A decoded item: a value, or JavaScript's `undefined`.
#[derive(Debug)]
pub(crate) enum Item {
    /// An ordinary value.
    Value(Value),
    /// notepack's `undefined`.
    Undefined,
}

impl Item {
    /// The value; `undefined` is none.
    pub(crate) fn into_value(self) -> Option<Value> {
        match self {
            Item::Value(v) => Some(v),
            Item::Undefined => None,
        }
    }

    /// The value, with `undefined` as `null` (its meaning inside an array).
    pub(crate) fn or_null(self) -> Value {
        match self {
            Item::Value(v) => v,
            Item::Undefined => Value::Null,
        }
    }
}

fn malformed(what: &'static str) -> Error {
    Error::InvalidMsgPack(what)
}

const CUT_SHORT: &str = "value cut short";

/// Most items reserved for an array or map before they arrive (each is already known to take
/// at least one byte of the input).
const FIRST_ALLOCATION: usize = 16;

/// A cursor over one input, counting the binary data it hands out.
pub(crate) struct Reader<'a> {
    input: &'a Bytes,
    pos: usize,
    bounds: Bounds,
    binaries: usize,
    binary_bytes: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(input: &'a Bytes, bounds: Bounds) -> Reader<'a> {
        Reader {
            input,
            pos: 0,
            bounds,
            binaries: 0,
            binary_bytes: 0,
        }
    }

    /// Total size of the binary values read so far.
    pub(crate) fn binary_bytes(&self) -> usize {
        self.binary_bytes
    }

    /// Fails unless the whole input was read.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(malformed("trailing bytes after the value"))
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let input: &'a [u8] = self.input;
        let bytes = input
            .get(self.pos..self.pos.saturating_add(n))
            .ok_or(malformed(CUT_SHORT))?;
        self.pos += n;
        Ok(bytes)
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A big-endian length of `width` bytes (1, 2 or 4).
    fn length(&mut self, width: u8) -> Result<usize> {
        Ok(match width {
            1 => usize::from(self.fixed::<1>()?[0]),
            2 => usize::from(u16::from_be_bytes(self.fixed()?)),
            _ => usize::try_from(u32::from_be_bytes(self.fixed()?)).unwrap_or(usize::MAX),
        })
    }

    /// `n` bytes as a shared slice of the input, counted against the binary bounds.
    fn binary(&mut self, n: usize) -> Result<Bytes> {
        let start = self.pos;
        self.take(n)?;
        self.binaries += 1;
        if self.binaries > self.bounds.max_binaries {
            return Err(Error::TooManyAttachments {
                count: self.binaries,
                max: self.bounds.max_binaries,
            });
        }
        self.binary_bytes = self.binary_bytes.saturating_add(n);
        if self.binary_bytes > self.bounds.max_binary_bytes {
            return Err(Error::AttachmentsTooLarge {
                max: self.bounds.max_binary_bytes,
            });
        }
        Ok(self.input.slice(start..self.pos))
    }

    /// Reads a map or array header if one comes next: `Some((is_map, len))`.
    pub(crate) fn container_head(&mut self) -> Result<Option<(bool, usize)>> {
        let Some(&marker) = self.input.get(self.pos) else {
            return Err(malformed(CUT_SHORT));
        };
        let head = match marker {
            0x80..=0x8f => (true, usize::from(marker & 0x0f)),
            0x90..=0x9f => (false, usize::from(marker & 0x0f)),
            0xdc..=0xdf => {
                self.pos += 1;
                let len = self.length(if marker & 1 == 0 { 2 } else { 4 })?;
                return Ok(Some((marker >= 0xde, len)));
            }
            _ => return Ok(None),
        };
        self.pos += 1;
        Ok(Some(head))
    }

    /// Reads one item; `depth` is the number of containers around it.
    pub(crate) fn item(&mut self, depth: usize) -> Result<Item> {
        if let Some((is_map, len)) = self.container_head()? {
            return if is_map {
                self.map(len, depth + 1)
            } else {
                self.array(len, depth + 1)
            };
        }
        let [marker] = self.fixed()?;
        let value = match marker {
            0x00..=0x7f => Value::Number(u64::from(marker).into()),
            0xe0..=0xff => Value::Number(i64::from(marker as i8).into()),
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f))?,
            0xd9..=0xdb => {
                let len = self.length(1 << (marker - 0xd9))?;
                self.string(len)?
            }
            0xc0 => Value::Null,
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4..=0xc6 => {
                let len = self.length(1 << (marker - 0xc4))?;
                Value::Binary(self.binary(len)?)
            }
            0xc7..=0xc9 => {
                let len = self.length(1 << (marker - 0xc7))?;
                let [kind] = self.fixed()?;
                return self.extension(kind as i8, len, false);
            }
            0xd4..=0xd8 => {
                let [kind] = self.fixed()?;
                return self.extension(kind as i8, 1 << (marker - 0xd4), true);
            }
            0xca => float(f64::from(f32::from_be_bytes(self.fixed()?))),
            0xcb => float(f64::from_be_bytes(self.fixed()?)),
            0xcc => Value::Number(u64::from(self.fixed::<1>()?[0]).into()),
            0xcd => Value::Number(u64::from(u16::from_be_bytes(self.fixed()?)).into()),
            0xce => Value::Number(u64::from(u32::from_be_bytes(self.fixed()?)).into()),
            0xcf => Value::Number(u64::from_be_bytes(self.fixed()?).into()),
            0xd0 => Value::Number(i64::from(self.fixed::<1>()?[0] as i8).into()),
            0xd1 => Value::Number(i64::from(i16::from_be_bytes(self.fixed()?)).into()),
            0xd2 => Value::Number(i64::from(i32::from_be_bytes(self.fixed()?)).into()),
            0xd3 => Value::Number(i64::from_be_bytes(self.fixed()?).into()),
            // 0xc1 is never used; containers were read above.
            _ => return Err(malformed("unused marker 0xc1")),
        };
        Ok(Item::Value(value))
    }

    fn string(&mut self, len: usize) -> Result<Value> {
        let bytes = self.take(len)?;
        let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidUtf8)?;
        Ok(Value::String(text.to_owned()))
    }

    pub(crate) fn enter(&self, depth: usize, len: usize, min_item_size: usize) -> Result<()> {
        if depth > self.bounds.max_depth {
            return Err(malformed("nested too deeply"));
        }
        // Every item takes at least one byte: a count beyond the input is a lie.
        if len > (self.input.len() - self.pos) / min_item_size {
            return Err(malformed(CUT_SHORT));
        }
        Ok(())
    }

    /// An array of `len` items at `depth`.
    pub(crate) fn array(&mut self, len: usize, depth: usize) -> Result<Item> {
        self.enter(depth, len, 1)?;
        // The declared length bounds the loop; memory grows as items arrive, beyond a small
        // first allocation.
        let mut items = Vec::with_capacity(len.min(FIRST_ALLOCATION));
        for _ in 0..len {
            items.push(self.item(depth)?.or_null());
        }
        Ok(Item::Value(Value::Array(items)))
    }

    fn map(&mut self, len: usize, depth: usize) -> Result<Item> {
        self.enter(depth, len, 2)?;
        let mut members = Vec::with_capacity(len.min(FIRST_ALLOCATION));
        for _ in 0..len {
            let key = self.key(depth)?;
            if let Item::Value(value) = self.item(depth)? {
                members.push((key, value));
            }
        }
        Ok(Item::Value(Value::Object(members)))
    }

    /// The bytes of a `fixstr` if one comes next (a short key, compared without a copy).
    pub(crate) fn short_str(&mut self) -> Option<&'a [u8]> {
        let marker = *self.input.get(self.pos)?;
        if !(0xa0..=0xbf).contains(&marker) {
            return None;
        }
        let input: &'a [u8] = self.input;
        let text = input.get(self.pos + 1..self.pos + 1 + usize::from(marker & 0x1f))?;
        self.pos += 1 + text.len();
        Some(text)
    }

    /// Reads one item at `depth` and drops it, checking everything [`Reader::item`] checks
    /// (nesting, UTF-8, keys, binary bounds) without building strings, arrays or maps.
    pub(crate) fn skip(&mut self, depth: usize) -> Result<()> {
        if let Some((is_map, len)) = self.container_head()? {
            let depth = depth + 1;
            self.enter(depth, len, if is_map { 2 } else { 1 })?;
            for _ in 0..len {
                if is_map && self.shared_str()?.is_none() {
                    self.key(depth)?;
                }
                self.skip(depth)?;
            }
            return Ok(());
        }
        if self.shared_str()?.is_none() {
            self.item(depth)?;
        }
        Ok(())
    }

    /// The bytes of a `str` of any format, if one comes next, as a UTF-8-checked slice of the
    /// input (no copy).
    pub(crate) fn shared_str(&mut self) -> Result<Option<Bytes>> {
        let Some(&marker) = self.input.get(self.pos) else {
            return Err(malformed(CUT_SHORT));
        };
        let len = match marker {
            0xa0..=0xbf => {
                self.pos += 1;
                usize::from(marker & 0x1f)
            }
            0xd9..=0xdb => {
                self.pos += 1;
                self.length(1 << (marker - 0xd9))?
            }
            _ => return Ok(None),
        };
        let start = self.pos;
        let text = self.take(len)?;
        std::str::from_utf8(text).map_err(|_| Error::InvalidUtf8)?;
        Ok(Some(self.input.slice(start..self.pos)))
    }

    /// A map key as the JavaScript property name it becomes.
    pub(crate) fn key(&mut self, depth: usize) -> Result<String> {
        match self.item(depth)? {
            Item::Value(Value::String(s)) => Ok(s),
            Item::Value(Value::Number(n)) => Ok(number_text(&n)),
            Item::Value(Value::Bool(b)) => Ok(b.to_string()),
            Item::Value(Value::Null) => Ok("null".to_owned()),
            Item::Undefined => Ok("undefined".to_owned()),
            Item::Value(_) => Err(malformed("map key is neither a string nor a scalar")),
        }
    }

    /// An extension of type `kind` with `len` data bytes; `fixed` for the `fixext` formats.
    fn extension(&mut self, kind: i8, len: usize, fixed: bool) -> Result<Item> {
        let value = match (kind, fixed, len) {
            // notepack's undefined; its data byte is ignored.
            (0, true, 1) => {
                self.take(1)?;
                return Ok(Item::Undefined);
            }
            // notepack's Date: milliseconds since the epoch.
            (0, true, 8) => {
                let ms = i64::from_be_bytes(self.fixed()?);
                date(i128::from(ms) * 1_000_000)
            }
            // notepack's ArrayBuffer (Node.js).
            (0, false, _) => Value::Binary(self.binary(len)?),
            (-1, _, 4 | 8 | 12) => {
                let data = self.take(len)?;
                timestamp(data)
            }
            _ => Value::Array(vec![
                Value::Number(i64::from(kind).into()),
                Value::Binary(self.binary(len)?),
            ]),
        };
        Ok(Item::Value(value))
    }
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// A number as JavaScript's `String(n)` writes it, for map keys: integral values without a
/// fraction, others as JSON would write them.
fn number_text(n: &Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
            (f as i64).to_string()
        }
        _ => n.to_string(),
    }
}

/// The MessagePack timestamp extension (32, 64 or 96 bits) as a date.
fn timestamp(data: &[u8]) -> Value {
    let (seconds, nanos) = match *data {
        [a, b, c, d] => (i64::from(u32::from_be_bytes([a, b, c, d])), 0),
        [a, b, c, d, e, f, g, h] => {
            let packed = u64::from_be_bytes([a, b, c, d, e, f, g, h]);
            ((packed & ((1 << 34) - 1)) as i64, packed >> 34)
        }
        [a, b, c, d, e, f, g, h, i, j, k, l] => (
            i64::from_be_bytes([e, f, g, h, i, j, k, l]),
            u64::from(u32::from_be_bytes([a, b, c, d])),
        ),
        _ => return Value::Null,
    };
    date(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}

/// Nanoseconds since the epoch as `Date.prototype.toJSON` writes them, which keeps whole
/// milliseconds (truncated towards zero) and gives `null` beyond ±8.64 × 10¹⁵ ms.
fn date(nanos: i128) -> Value {
    let ms = nanos / 1_000_000;
    if ms.abs() > 8_640_000_000_000_000 {
        return Value::Null;
    }
    // |ms| ≤ 8.64e15 fits an i64.
    let ms = ms as i64;
    let (days, ms_of_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (year, month, day) = civil_date(days);
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{}{:06}", if year < 0 { '-' } else { '+' }, year.abs())
    };
    let secs = ms_of_day / 1000;
    Value::String(format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        ms_of_day % 1000
    ))
}

/// The proleptic Gregorian (year, month, day) of a day counted from 1970-01-01.
fn civil_date(days: i64) -> (i64, i64, i64) {
    // Count from 0000-03-01 so that leap days end each 4-, 100- and 400-year cycle.
    let since_march_0000 = days + 719_468;
    let cycle = since_march_0000.div_euclid(146_097);
    let day_of_cycle = since_march_0000.rem_euclid(146_097);
    let year_of_cycle = (day_of_cycle - day_of_cycle / 1_460 + day_of_cycle / 36_524
        - day_of_cycle / 146_096)
        / 365;
    let day_of_year =
        day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 - year_of_cycle / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = (month_from_march + 2) % 12 + 1;
    let year = cycle * 400 + year_of_cycle + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enc(v: serde_json::Value) -> Vec<u8> {
        let mut out = Vec::new();
        write_value(&Value::from(v), &mut out);
        out
    }

    fn dec(bytes: &[u8]) -> Result<Value> {
        read_value(&Bytes::copy_from_slice(bytes), &Bounds::default())
    }

    #[test]
    fn numbers_as_notepack_writes_them() {
        for (n, bytes) in [
            (json!(0), &[0x00][..]),
            (json!(127), &[0x7f]),
            (json!(128), &[0xcc, 0x80]),
            (json!(256), &[0xcd, 1, 0]),
            (json!(65_536), &[0xce, 0, 1, 0, 0]),
            (json!(4_294_967_296_u64), &[0xcf, 0, 0, 0, 1, 0, 0, 0, 0]),
            (json!(-1), &[0xff]),
            (json!(-32), &[0xe0]),
            (json!(-33), &[0xd0, 0xdf]),
            (json!(-129), &[0xd1, 0xff, 0x7f]),
            (json!(-32_769), &[0xd2, 0xff, 0xff, 0x7f, 0xff]),
            (json!(1.0), &[0x01]),
            (json!(-0.0), &[0x00]),
            (json!(-2.0), &[0xfe]),
            (json!(1.5), &[0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]),
        ] {
            assert_eq!(enc(n.clone()), bytes, "{n}");
        }
        assert_eq!(enc(json!(-2_147_483_649_i64))[0], 0xd3);
        assert_eq!(enc(json!(1e300))[0], 0xcb);
    }

    #[test]
    fn lengths_take_the_smallest_format() {
        assert_eq!(enc(json!("")), [0xa0]);
        assert_eq!(&enc(json!("x".repeat(31)))[..1], [0xbf]);
        assert_eq!(&enc(json!("x".repeat(32)))[..2], [0xd9, 32]);
        assert_eq!(&enc(json!("x".repeat(256)))[..3], [0xda, 1, 0]);
        assert_eq!(&enc(json!("x".repeat(65_536)))[..5], [0xdb, 0, 1, 0, 0]);
        assert_eq!(&enc(json!(vec![0; 15]))[..1], [0x9f]);
        assert_eq!(&enc(json!(vec![0; 16]))[..3], [0xdc, 0, 16]);
        let mut out = Vec::new();
        write_value(&Value::Binary(Bytes::from(vec![0; 300])), &mut out);
        assert_eq!(&out[..3], [0xc5, 1, 44]);
        out.clear();
        write_value(&Value::Binary(Bytes::new()), &mut out);
        assert_eq!(out, [0xc4, 0]);
        assert_eq!(enc(json!({})), [0x80]);
        assert_eq!(enc(json!([null, true, false])), [0x93, 0xc0, 0xc3, 0xc2]);
    }

    #[test]
    fn reads_every_format() {
        assert_eq!(dec(&[0xca, 0x3f, 0xc0, 0, 0]), Ok(Value::from(json!(1.5))));
        assert_eq!(dec(&[0xd0, 0x80]), Ok(Value::from(json!(-128))));
        assert_eq!(
            dec(&[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Ok(Value::from(json!(u64::MAX)))
        );
        assert_eq!(
            dec(&[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Ok(Value::from(json!(i64::MIN)))
        );
        assert_eq!(dec(b"\xda\x00\x02hi"), Ok(Value::from("hi")));
        assert_eq!(dec(&[0xdd, 0, 0, 0, 1, 0x05]), Ok(Value::from(json!([5]))));
        assert_eq!(
            dec(&[0xdf, 0, 0, 0, 1, 0xa1, b'k', 0xc0]),
            Ok(Value::from(json!({"k": null})))
        );
        let nan = [&[0xcb][..], &f64::NAN.to_be_bytes()].concat();
        assert_eq!(dec(&nan), Ok(Value::Null));
    }

    #[test]
    fn javascript_conventions() {
        // undefined: dropped from objects, null in arrays.
        assert_eq!(
            dec(&[0x82, 0xa1, b'a', 0xd4, 0, 0, 0xa1, b'b', 1]),
            Ok(Value::from(json!({"b": 1})))
        );
        assert_eq!(dec(&[0x91, 0xd4, 0, 0]), Ok(Value::from(json!([null]))));
        // Scalar keys become their JavaScript text.
        let keys = [
            0x85, 1, 0, 0xc3, 0, 0xc0, 0, 0xd4, 0, 0, 0, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(
            dec(&keys),
            Ok(Value::Object(
                ["1", "true", "null", "undefined", "1.5"]
                    .map(|k| (k.to_owned(), Value::from(json!(0))))
                    .to_vec()
            ))
        );
        assert_eq!(
            dec(&[0x81, 0xca, 0x40, 0, 0, 0, 0]),
            Ok(Value::from(json!({"2": 0})))
        );
        assert!(dec(&[0x81, 0x90, 0]).is_err());
        // ArrayBuffer, Date, unknown extensions.
        assert_eq!(
            dec(&[0xc7, 2, 0, 7, 8]),
            Ok(Value::Binary(Bytes::from_static(&[7, 8])))
        );
        let date = [0xd7, 0, 0, 0, 0x01, 0x76, 0xbb, 0x3e, 0x70, 0x7b];
        assert_eq!(dec(&date), Ok(Value::from("2021-01-01T00:00:00.123Z")));
        assert_eq!(
            dec(&[0xd5, 5, 1, 2]),
            Ok(Value::Array(vec![
                Value::from(json!(5)),
                Value::Binary(Bytes::from_static(&[1, 2]))
            ]))
        );
        assert_eq!(
            dec(&[0xd6, 0xff, 0, 0, 0, 1]),
            Ok(Value::from("1970-01-01T00:00:01.000Z"))
        );
    }

    #[test]
    fn dates_as_javascript_writes_them() {
        let text = |ms: i64| date(i128::from(ms) * 1_000_000);
        assert_eq!(
            text(951_782_400_000),
            Value::from("2000-02-29T00:00:00.000Z")
        );
        assert_eq!(text(-1), Value::from("1969-12-31T23:59:59.999Z"));
        assert_eq!(
            text(253_402_300_800_000),
            Value::from("+010000-01-01T00:00:00.000Z")
        );
        assert_eq!(
            text(-62_198_755_200_000),
            Value::from("-000001-01-01T00:00:00.000Z")
        );
        assert_eq!(
            text(8_640_000_000_000_000),
            Value::from("+275760-09-13T00:00:00.000Z")
        );
        assert_eq!(text(8_640_000_000_000_001), Value::Null);
        // 64-bit timestamp: nanoseconds << 34 | seconds; 96-bit: nanoseconds, then seconds.
        let packed = (5_000_000u64 << 34) | 1;
        assert_eq!(
            timestamp(&packed.to_be_bytes()),
            Value::from("1970-01-01T00:00:01.005Z")
        );
        let mut t96 = 999_999_999u32.to_be_bytes().to_vec();
        t96.extend_from_slice(&(-2i64).to_be_bytes());
        // -1.000000001 s: JavaScript truncates towards zero.
        assert_eq!(timestamp(&t96), Value::from("1969-12-31T23:59:59.000Z"));
    }

    #[test]
    fn binary_shares_the_input_and_is_bounded() {
        let input = Bytes::from_static(&[0x92, 0xc4, 1, 9, 0xc4, 2, 9, 9]);
        let Ok(Value::Array(items)) = read_value(&input, &Bounds::default()) else {
            panic!("an array")
        };
        assert_eq!(
            items[0].as_binary().map(|b| b.as_ptr()),
            Some(input[3..].as_ptr())
        );
        let one = Bounds {
            max_binaries: 1,
            ..Bounds::default()
        };
        assert_eq!(
            read_value(&input, &one),
            Err(Error::TooManyAttachments { count: 2, max: 1 })
        );
        let two_bytes = Bounds {
            max_binary_bytes: 2,
            ..Bounds::default()
        };
        assert_eq!(
            read_value(&input, &two_bytes),
            Err(Error::AttachmentsTooLarge { max: 2 })
        );
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            &[][..],
            &[0xc1],
            &[0x92, 0x01],
            &[0xdd, 0xff, 0xff, 0xff, 0xff],
            &[0xdf, 0xff, 0xff, 0xff, 0xff, 0x00],
            &[0xc6, 0xff, 0xff, 0xff, 0xff],
            &[0xdb, 0, 0, 1, 0, b'a'],
            &[0xc9, 0xff, 0xff, 0xff, 0xff, 0x01],
            &[0x01, 0x02],
            &[0xa1, 0xff],
            &[0x81, 0xa1, b'k'],
        ] {
            assert!(dec(bad).is_err(), "{bad:?}");
        }
        assert_eq!(dec(&[0xa1, 0xff]), Err(Error::InvalidUtf8));
        let deep = vec![0x91; MAX_DEPTH + 1];
        assert_eq!(dec(&deep), Err(Error::InvalidMsgPack("nested too deeply")));
        let mut fine = vec![0x91; MAX_DEPTH];
        fine.push(0xc0);
        assert!(dec(&fine).is_ok());
    }

    /// What [`Reader::item`] and [`Reader::skip`] make of `input`: the error, or how many bytes
    /// were read.
    fn item_then_skip(input: &[u8], bounds: Bounds) -> (Result<usize>, Result<usize>) {
        let input = Bytes::copy_from_slice(input);
        let mut reader = Reader::new(&input, bounds);
        let item = reader.item(0).map(|_| reader.pos);
        let mut reader = Reader::new(&input, bounds);
        let skip = reader.skip(0).map(|()| reader.pos);
        (item, skip)
    }

    #[test]
    fn skip_checks_what_item_checks() {
        let bounds = Bounds {
            max_depth: 3,
            max_binaries: 1,
            max_binary_bytes: 4,
        };
        for input in [
            &b"\x81\xa8compress\xc3"[..],
            b"\x82\x01\xa1a\xc3\xc0",
            b"\x81\x91\x01\x02",
            b"\x91\x91\x91\x91\xc0",
            b"\x92\xc4\x01a\xc4\x01b",
            b"\xc4\x05abcde",
            b"\x81\xa1\xff\x01",
            b"\x91\xd9\x02\xc3\x28",
            b"\xd6\xff\x00\x00\x00\x01",
            b"\x93\x01",
        ] {
            let (item, skip) = item_then_skip(input, bounds);
            assert_eq!(item, skip, "{input:x?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn skip_agrees_with_item(input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40)) {
            let bounds = Bounds { max_depth: 4, max_binaries: 2, max_binary_bytes: 8 };
            let (item, skip) = item_then_skip(&input, bounds);
            proptest::prop_assert_eq!(item, skip);
        }

        #[test]
        fn skip_agrees_with_item_on_encoded_values(
            input in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..24)
        ) {
            // Structured input: a map around random bytes reaches deeper than random noise.
            let mut wrapped = vec![0x82, 0xa1, b'k', 0x92];
            wrapped.extend_from_slice(&input);
            let bounds = Bounds::default();
            let (item, skip) = item_then_skip(&wrapped, bounds);
            proptest::prop_assert_eq!(item, skip);
        }
    }
}

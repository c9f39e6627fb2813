//! `Str`: shared, immutable UTF-8 text backed by `Bytes`.

use std::fmt;

use bytes::Bytes;

use crate::error::{Error, Result};

/// Immutable UTF-8 text stored in a [`Bytes`], so slicing and cloning never copy.
///
/// Decoded text packets are views into the received message, and encoded packets can be shared
/// between many recipients.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Str(Bytes);

impl Str {
    /// Wraps static text without copying.
    pub const fn from_static(s: &'static str) -> Str {
        Str(Bytes::from_static(s.as_bytes()))
    }

    /// Checks that `bytes` is UTF-8 and wraps it without copying.
    pub fn from_utf8(bytes: Bytes) -> Result<Str> {
        match std::str::from_utf8(&bytes) {
            Ok(_) => Ok(Str(bytes)),
            Err(_) => Err(Error::InvalidUtf8),
        }
    }

    /// Wraps bytes the caller has already validated as UTF-8 (such as a sub-slice of a `Str`
    /// cut at an ASCII boundary). Invalid input is not unsafe, only rendered as `""` by
    /// [`Str::as_str`].
    pub(crate) fn from_utf8_trusted(bytes: Bytes) -> Str {
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        Str(bytes)
    }

    /// The text. This re-checks UTF-8 (a linear scan, very fast for ASCII), since the crate
    /// forbids unsafe code; hot paths work on [`Str::as_bytes`] instead.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The UTF-8 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying shared buffer.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A zero-copy sub-slice starting at byte `from`, which must be on an ASCII boundary.
    pub(crate) fn slice_from(&self, from: usize) -> Str {
        Str::from_utf8_trusted(self.0.slice(from..))
    }
}

impl From<String> for Str {
    fn from(s: String) -> Str {
        Str(Bytes::from(s))
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Str {
        Str(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_utf8() {
        assert_eq!(
            Str::from_utf8(Bytes::from_static(b"\xff")),
            Err(Error::InvalidUtf8)
        );
        let s = Str::from_utf8(Bytes::from_static("héllo".as_bytes())).expect("utf8");
        assert_eq!(s.as_str(), "héllo");
        assert_eq!(s.len(), 6);
        assert!(!s.is_empty());
    }

    #[test]
    fn slices_share_the_buffer() {
        let s = Str::from("4hello");
        let tail = s.slice_from(1);
        assert_eq!(tail, "hello");
        assert_eq!(tail.as_bytes().as_ptr(), s.as_bytes()[1..].as_ptr());
        assert_eq!(format!("{tail:?}"), "\"hello\"");
        assert_eq!(tail.to_string(), "hello");
    }
}

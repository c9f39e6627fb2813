//! Unguessable identifiers for Engine.IO sessions and Socket.IO sockets.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A 20-character identifier drawn from the operating system's CSPRNG (120 bits), written in
/// URL-safe base64 like the reference's ids. Cloning shares the text.
#[derive(Clone, Eq, PartialOrd, Ord)]
pub struct Sid(Arc<str>);

impl std::hash::Hash for Sid {
    /// The text's hash, as `str` hashes it (maps keyed by `Sid` are looked up with `&str`).
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl PartialEq for Sid {
    /// The same text. Shared clones compare by pointer; random ids almost always differ in
    /// their first eight bytes, compared inline before the whole text.
    fn eq(&self, other: &Sid) -> bool {
        if Arc::ptr_eq(&self.0, &other.0) {
            return true;
        }
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && prefix(a) == prefix(b) && a == b
    }
}

/// Up to the first eight bytes, as one number.
fn prefix(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_ne_bytes(word)
}

impl Sid {
    /// A fresh random id.
    pub fn random() -> Sid {
        let mut raw = [0u8; 15];
        if getrandom::fill(&mut raw).is_err() {
            // The OS generator is unavailable (never on supported platforms): fall back to
            // process-local entropy so the server keeps working, with ids still unique.
            fallback(&mut raw);
        }
        Sid(Arc::from(URL_SAFE_NO_PAD.encode(raw)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn fallback(raw: &mut [u8; 15]) {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let a = hasher.finish().to_le_bytes();
    hasher.write_u64(u64::from_le_bytes(a));
    let b = hasher.finish().to_le_bytes();
    raw[..8].copy_from_slice(&a);
    raw[8..].copy_from_slice(&b[..7]);
}

impl From<&str> for Sid {
    fn from(s: &str) -> Sid {
        Sid(Arc::from(s))
    }
}

impl Borrow<str> for Sid {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_url_safe_chars_and_unique() {
        let a = Sid::random();
        let b = Sid::random();
        assert_eq!(a.as_str().len(), 20);
        assert!(
            a.as_str()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_ne!(a, b);
        assert_eq!(a, a.clone());
        assert_eq!(a, Sid::from(a.as_str()));
        assert_ne!(Sid::from("abcdefghX"), Sid::from("abcdefghY"));
        assert_ne!(Sid::from("abc"), Sid::from("abcd"));
        assert_eq!(Sid::from(""), Sid::from(""));
        let mut raw = [0u8; 15];
        fallback(&mut raw);
        assert_ne!(raw, [0u8; 15]);
    }
}

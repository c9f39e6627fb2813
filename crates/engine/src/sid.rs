//! Unguessable identifiers for Engine.IO sessions and Socket.IO sockets.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A 20-character identifier drawn from the operating system's CSPRNG (120 bits), written in
/// URL-safe base64 like the reference's ids. Cloning shares the text.
///
/// Each thread asks the operating system for the bytes of 32 ids at once and hands them
/// out one id at a time (every byte is used once, then zeroed), so that a burst of sessions
/// costs one `getrandom` per 32 ids rather than one each.
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
        let raw = POOL.with(|pool| pool.borrow_mut().take());
        Sid(Arc::from(URL_SAFE_NO_PAD.encode(raw)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The random bytes of one id.
const ID_BYTES: usize = 15;

/// How many ids' bytes one `getrandom` fetches.
const BATCH: usize = 32;

thread_local! {
    static POOL: std::cell::RefCell<Pool> = const {
        std::cell::RefCell::new(Pool { bytes: [0; ID_BYTES * BATCH], next: ID_BYTES * BATCH })
    };
}

/// A thread's random bytes not handed out yet: `bytes[next..]`.
struct Pool {
    bytes: [u8; ID_BYTES * BATCH],
    next: usize,
}

impl Pool {
    /// The bytes of one id, refilling the pool from the operating system when it is empty.
    fn take(&mut self) -> [u8; ID_BYTES] {
        if self.next == self.bytes.len() {
            if getrandom::fill(&mut self.bytes).is_err() {
                // The OS generator is unavailable (never on supported platforms): fall back to
                // process-local entropy so the server keeps working, with ids still unique.
                for chunk in self.bytes.chunks_exact_mut(ID_BYTES) {
                    let mut raw = [0u8; ID_BYTES];
                    fallback(&mut raw);
                    chunk.copy_from_slice(&raw);
                }
            }
            self.next = 0;
        }
        let mut raw = [0u8; ID_BYTES];
        let taken = &mut self.bytes[self.next..self.next + ID_BYTES];
        raw.copy_from_slice(taken);
        taken.fill(0);
        self.next += ID_BYTES;
        raw
    }
}

fn fallback(raw: &mut [u8; ID_BYTES]) {
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

    #[test]
    fn ids_drawn_in_batches_are_all_distinct_and_use_each_byte_once() {
        let ids: std::collections::HashSet<Sid> =
            (0..BATCH * 3 + 5).map(|_| Sid::random()).collect();
        assert_eq!(ids.len(), BATCH * 3 + 5);
        let mut pool = Pool {
            bytes: [7; ID_BYTES * BATCH],
            next: 0,
        };
        assert_eq!(pool.take(), [7; ID_BYTES]);
        assert_eq!(pool.next, ID_BYTES);
        assert!(pool.bytes[..ID_BYTES].iter().all(|&b| b == 0));
        pool.next = pool.bytes.len();
        let refilled = pool.take();
        assert_eq!(pool.next, ID_BYTES);
        assert_ne!(refilled, [0; ID_BYTES]);
    }
}

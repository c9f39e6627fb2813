//! One spare compressor and one spare decompressor per thread, for the directions without
//! context takeover (see [`DeflateConfig::shared_contexts`](crate::DeflateConfig)).
//!
//! A message without context takeover starts from an empty window, so its (de)compressor
//! carries nothing over from the previous message and may as well be any thread's. Instead of
//! building one for every message (allocating ~420 KiB and zeroing half of it), a connection
//! borrows the thread's spare for the message and hands it back, reset, when the message is
//! done. Nothing is held by the connection between messages; the thread holds at most one of
//! each, whatever the number of connections.
//!
//! A spare is only lent whole: it leaves the slot while it is in use, so two connections on
//! the same thread never share one at the same time (the second builds its own, and the slot
//! keeps whichever comes back last).

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress};

/// The window bits every lent decompressor uses: resetting one with any other value rebuilds
/// it (flate2 on zlib-rs), and a 32 KiB window decodes every smaller window's stream. The
/// backend allocates a 32 KiB window whatever the bits, so this costs no memory.
pub(crate) const DECOMPRESS_BITS: u8 = 15;

thread_local! {
    /// The spare compressor, with the window bits and level it was built with.
    static COMPRESS: RefCell<Option<(u8, u32, Compress)>> = const { RefCell::new(None) };
    /// The spare decompressor (built with [`DECOMPRESS_BITS`]).
    static DECOMPRESS: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// A compressor with a fresh stream for `window_bits` (9..=15) and `level`: the thread's spare
/// if it matches, else a new one.
pub(crate) fn take_compress(window_bits: u8, level: Compression) -> Compress {
    let spare = COMPRESS
        .try_with(|slot| {
            let mut slot = slot.try_borrow_mut().ok()?;
            match slot.take() {
                Some((bits, lvl, state)) if bits == window_bits && lvl == level.level() => {
                    Some(state)
                }
                other => {
                    *slot = other;
                    None
                }
            }
        })
        .ok()
        .flatten();
    spare.unwrap_or_else(|| Compress::new_with_window_bits(level, false, window_bits))
}

/// Resets `state` and keeps it as the thread's spare (replacing any other).
pub(crate) fn give_compress(window_bits: u8, level: Compression, mut state: Compress) {
    state.reset();
    // During thread teardown the slot may be gone: the state is then simply dropped.
    let _ = COMPRESS.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some((window_bits, level.level(), state));
        }
    });
}

/// A decompressor with a fresh raw stream: the thread's spare, or a new one.
pub(crate) fn take_decompress() -> Decompress {
    let spare = DECOMPRESS
        .try_with(|slot| slot.try_borrow_mut().ok()?.take())
        .ok()
        .flatten();
    spare.unwrap_or_else(|| Decompress::new_with_window_bits(false, DECOMPRESS_BITS))
}

/// Resets `state` (built with [`DECOMPRESS_BITS`]) and keeps it as the thread's spare.
pub(crate) fn give_decompress(mut state: Decompress) {
    state.reset(false);
    let _ = DECOMPRESS.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(state);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spare_is_lent_once_and_comes_back() {
        let level = Compression::new(1);
        let first = take_compress(15, level);
        give_compress(15, level, first);
        assert!(COMPRESS.with(|slot| slot.borrow().is_some()));
        let lent = take_compress(15, level);
        assert!(COMPRESS.with(|slot| slot.borrow().is_none()));
        give_compress(15, level, lent);
        // Another window or level does not take the spare.
        let other = take_compress(12, level);
        assert!(COMPRESS.with(|slot| slot.borrow().is_some()));
        drop(other);
        let inflate = take_decompress();
        give_decompress(inflate);
        assert!(DECOMPRESS.with(|slot| slot.borrow().is_some()));
    }
}

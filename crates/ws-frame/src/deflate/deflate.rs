//! The sending half: compresses whole messages with a sync flush.

use bytes::BytesMut;
use flate2::{Compress, Compression, FlushCompress};

use super::inflate::{MAX_STEP, SYNC_TAIL, delta};
use super::spare;
use crate::Error;

/// The smallest output room handed to the compressor: zlib wants more than six bytes free
/// during a flush, or it may repeat the flush marker.
const MIN_ROOM: usize = 64;

/// Compresses our messages.
pub(crate) struct Deflater {
    /// Window bits handed to the compressor (9..=15), or `None` when the negotiated window
    /// (8 bits) is one the backend cannot honour: then nothing is compressed.
    window_bits: Option<u8>,
    level: Compression,
    /// Whether each message starts with an empty window (then the state is let go after it).
    no_context_takeover: bool,
    /// Without context takeover: borrow the thread's spare compressor for each message and
    /// give it back after, instead of building one and freeing it.
    shared: bool,
    /// Created on the first compressed message and kept with context takeover; without it,
    /// held only while a message is compressed, so an idle connection holds no compressor.
    state: Option<Compress>,
}

impl Deflater {
    /// A compressor allowed a window of `2^window_bits` bytes (8..=15) at `level` (0..=9).
    /// Without context takeover, `shared` lends each message the thread's spare compressor.
    pub(crate) fn new(
        window_bits: u8,
        level: u32,
        no_context_takeover: bool,
        shared: bool,
    ) -> Self {
        Deflater {
            // zlib-family compressors cannot keep to a 256-byte window (they use 512 bytes),
            // which a peer that asked for 8 bits may refuse: decline to compress instead.
            window_bits: (9..=15).contains(&window_bits).then_some(window_bits),
            level: Compression::new(level.min(9)),
            no_context_takeover,
            shared,
            state: None,
        }
    }

    /// Whether this side ever compresses (false when told to use an 8-bit window).
    pub(crate) fn is_enabled(&self) -> bool {
        self.window_bits.is_some()
    }

    /// Whether compressor state is currently allocated.
    pub(crate) fn is_allocated(&self) -> bool {
        self.state.is_some()
    }

    /// Compresses `payload` as one message and appends it to `out`, sync marker stripped.
    /// Returns `Ok(false)` with `out` untouched when compression is disabled.
    pub(crate) fn encode(&mut self, payload: &[u8], out: &mut BytesMut) -> Result<bool, Error> {
        let Some(window_bits) = self.window_bits else {
            return Ok(false);
        };
        if payload.is_empty() {
            // An empty stored block's first byte (RFC 7692 §7.2.3.6); it leaves the window as
            // it was. Asking zlib instead would, right after a flush, yield nothing at all.
            out.extend_from_slice(&[0x00]);
            return Ok(true);
        }
        let start = out.len();
        let level = self.level;
        let lend = self.no_context_takeover && self.shared;
        let mut state = match self.state.take() {
            Some(state) => state,
            None if lend => spare::take_compress(window_bits, level),
            None => Compress::new_with_window_bits(level, false, window_bits),
        };
        let result = compress_sync(&mut state, payload, out).and_then(|()| {
            let written = out.get(start..).unwrap_or_default();
            if written.ends_with(&SYNC_TAIL) {
                Ok(())
            } else {
                Err(Error::Extension("compressor output lacks the sync marker"))
            }
        });
        if let Err(err) = result {
            // A failed stream is worth nothing: drop it rather than keep or lend it.
            out.truncate(start);
            return Err(err);
        }
        if !self.no_context_takeover {
            self.state = Some(state);
        } else if lend {
            spare::give_compress(window_bits, level, state);
        }
        out.truncate(out.len() - SYNC_TAIL.len());
        Ok(true)
    }
}

/// Runs all of `input` through `state` with a sync flush, appending the output to `out`.
fn compress_sync(state: &mut Compress, mut input: &[u8], out: &mut BytesMut) -> Result<(), Error> {
    // Text usually shrinks to a third or less; start there and double as needed.
    let mut room = (input.len() / 4).clamp(MIN_ROOM, MAX_STEP);
    loop {
        let len = out.len();
        out.resize(len + room, 0);
        let (in_before, out_before) = (state.total_in(), state.total_out());
        let status = state.compress(input, &mut out[len..], FlushCompress::Sync);
        let consumed = delta(state.total_in(), in_before);
        let written = delta(state.total_out(), out_before);
        out.truncate(len + written.min(room));
        status.map_err(|_| Error::Extension("compression failed"))?;
        input = input.get(consumed..).unwrap_or_default();
        // The flush is complete once all input is in and the output was not filled.
        if input.is_empty() && written < room {
            return Ok(());
        }
        if consumed == 0 && written == 0 {
            return Err(Error::Extension("compressor made no progress"));
        }
        room = (room * 2).min(MAX_STEP);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(deflater: &mut Deflater, payload: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::new();
        assert!(deflater.encode(payload, &mut out).unwrap());
        out.to_vec()
    }

    #[test]
    fn rfc_hello_with_context_takeover() {
        let mut deflater = Deflater::new(15, 1, false, false);
        assert_eq!(
            encode(&mut deflater, b"Hello"),
            [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
        );
        // The second "Hello" is one back-reference (length 5, distance 5) in a fixed block.
        // zlib-rs spells it in 4 bytes; RFC 7692 §7.2.3.2 shows another valid 5-byte form.
        assert_eq!(encode(&mut deflater, b"Hello"), [0x02, 0x13, 0x00, 0x00]);
        assert!(deflater.is_allocated());
    }

    #[test]
    fn no_context_takeover_repeats_and_releases() {
        let mut deflater = Deflater::new(9, 6, true, false);
        for _ in 0..3 {
            assert_eq!(
                encode(&mut deflater, b"Hello"),
                [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
            );
            assert!(!deflater.is_allocated());
        }
    }

    #[test]
    fn empty_message_is_one_zero_byte() {
        let mut deflater = Deflater::new(15, 1, false, false);
        assert_eq!(encode(&mut deflater, b""), [0x00]);
        encode(&mut deflater, b"Hello");
        assert_eq!(encode(&mut deflater, b""), [0x00]);
        assert_eq!(encode(&mut deflater, b"Hello"), [0x02, 0x13, 0x00, 0x00]);
    }

    #[test]
    fn window_of_8_declines() {
        let mut deflater = Deflater::new(8, 1, false, false);
        assert!(!deflater.is_enabled());
        let mut out = BytesMut::from(&b"keep"[..]);
        assert!(!deflater.encode(b"Hello", &mut out).unwrap());
        assert_eq!(&out[..], b"keep");
    }

    #[test]
    fn output_larger_than_one_step() {
        // Incompressible input larger than the biggest step.
        let mut x = 0x1234_5678u32;
        let payload: Vec<u8> = (0..3 * MAX_STEP)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let out = encode(&mut Deflater::new(15, 1, false, false), &payload);
        assert!(out.len() > payload.len());
    }
}

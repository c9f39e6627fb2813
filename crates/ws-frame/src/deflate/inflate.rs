//! The receiving half: inflates a message fragment by fragment, never past the size limit.

use bytes::BytesMut;
use flate2::{Decompress, FlushDecompress, Status};

use super::spare;
use crate::Error;

/// The four bytes a sender strips from the end of each compressed message (the tail of an
/// empty stored block left by a sync flush) and the receiver puts back (RFC 7692 §7.2.2).
pub(crate) const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The most output one call into the (de)compressor may produce: bounds the zeroed room
/// handed to it at once.
pub(crate) const MAX_STEP: usize = 32 * 1024;

/// Output room probed on the stack when `out` is full: `out` grows only once the decompressor
/// really has more output, so a message that exactly fills its buffer is not reallocated.
const PROBE: usize = 256;

/// Inflates the peer's messages.
pub(crate) struct Inflater {
    /// Window bits handed to the decompressor (9..=15).
    window_bits: u8,
    /// Whether each message starts with an empty window (then the state is let go after it).
    no_context_takeover: bool,
    /// Without context takeover: borrow the thread's spare decompressor for each message and
    /// give it back after, instead of building one and freeing it.
    shared: bool,
    /// Created on the first compressed message and kept with context takeover; without it,
    /// held only from a message's first fragment to its last, so an idle connection holds no
    /// inflate state.
    state: Option<Decompress>,
    /// The message in progress ended with a final (BFINAL) block: nothing may follow in it.
    ended: bool,
}

impl Inflater {
    /// An inflater for a peer compressing with at most `2^window_bits` bytes of window.
    /// Without context takeover, `shared` lends each message the thread's spare decompressor.
    pub(crate) fn new(window_bits: u8, no_context_takeover: bool, shared: bool) -> Self {
        let shared = shared && no_context_takeover;
        Inflater {
            // The backend accepts 9..=15; a window at least as large as the peer's always
            // decodes its stream, so a negotiated 8 inflates with 9. Lent decompressors all
            // use 15 (see `spare::DECOMPRESS_BITS`).
            window_bits: if shared {
                spare::DECOMPRESS_BITS
            } else {
                window_bits.clamp(9, 15)
            },
            no_context_takeover,
            shared,
            state: None,
            ended: false,
        }
    }

    /// Whether inflate state is currently allocated.
    pub(crate) fn is_allocated(&self) -> bool {
        self.state.is_some()
    }

    /// Inflates one fragment into `out`; on `fin`, finishes the message.
    pub(crate) fn decode_fragment(
        &mut self,
        fragment: &[u8],
        fin: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), Error> {
        let mut result = self.feed(fragment, FlushDecompress::None, out, limit);
        if fin && result.is_ok() {
            result = self.feed(&SYNC_TAIL, FlushDecompress::Sync, out, limit);
        }
        match result {
            Ok(()) if fin => self.finish_message(out),
            Ok(()) => {}
            // The connection is closing: nothing of the stream is worth keeping.
            Err(_) => {
                self.state = None;
                self.ended = false;
            }
        }
        result
    }

    /// Ends a message whose inflated bytes are `message`.
    ///
    /// Without context takeover the state is dropped (recreated on the next message). After a
    /// final (BFINAL) block the deflate stream is over, yet the peer may still refer back to
    /// this message's text: the state restarts with the message's tail as its dictionary, so
    /// such references resolve, and references further back fail cleanly instead of decoding
    /// garbage.
    fn finish_message(&mut self, message: &[u8]) {
        if self.no_context_takeover {
            if let Some(state) = self.state.take()
                && self.shared
            {
                spare::give_decompress(state);
            }
        } else if self.ended {
            let window = 1usize << self.window_bits;
            let tail = message.get(message.len().saturating_sub(window)..);
            if let Some(state) = self.state.as_mut() {
                state.reset(false);
                if let Some(tail) = tail.filter(|t| !t.is_empty())
                    && state.set_dictionary(tail).is_err()
                {
                    self.state = None;
                }
            }
        }
        self.ended = false;
    }

    /// Runs `input` through the decompressor in bounded steps, appending to `out`.
    ///
    /// Bytes after a final block are ignored, as zlib does: RFC 7692's own example of a final
    /// block is followed by the first byte of an empty stored block.
    fn feed(
        &mut self,
        mut input: &[u8],
        flush: FlushDecompress,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), Error> {
        if self.ended {
            return Ok(());
        }
        let (window_bits, shared) = (self.window_bits, self.shared);
        let state = self.state.get_or_insert_with(|| {
            if shared {
                spare::take_decompress()
            } else {
                Decompress::new_with_window_bits(false, window_bits)
            }
        });
        loop {
            let len = out.len();
            if len > limit {
                return Err(Error::MessageTooBig { limit });
            }
            // One byte past the limit is enough to tell that the message is too big.
            let to_limit = (limit - len).saturating_add(1);
            let spare = out.capacity() - len;
            let (room, consumed, written, status) = if spare == 0 {
                let mut probe = [0u8; PROBE];
                let room = PROBE.min(to_limit);
                let (consumed, written, status) = run(state, input, &mut probe[..room], flush);
                if written > 0 {
                    let growth = len.clamp(2 * PROBE, MAX_STEP).min(to_limit).max(written);
                    out.reserve(growth);
                    out.extend_from_slice(&probe[..written]);
                }
                (room, consumed, written, status)
            } else {
                let room = spare.min(MAX_STEP).min(to_limit);
                // Within the spare capacity: zero-fills, never reallocates.
                out.resize(len + room, 0);
                let (consumed, written, status) = run(state, input, &mut out[len..], flush);
                out.truncate(len + written);
                (room, consumed, written, status)
            };
            let status = status.map_err(|_| Error::Extension("invalid compressed data"))?;
            if out.len() > limit {
                return Err(Error::MessageTooBig { limit });
            }
            if status == Status::StreamEnd {
                self.ended = true;
                return Ok(());
            }
            input = input.get(consumed..).unwrap_or_default();
            // Done when all input is in and the decompressor had room to spare (nothing held
            // back), or when it can make no progress at all (it waits for more input).
            if (input.is_empty() && written < room) || (consumed == 0 && written == 0) {
                return Ok(());
            }
        }
    }
}

/// One decompress call: how much input it consumed, how much output it wrote into `dst`.
fn run(
    state: &mut Decompress,
    input: &[u8],
    dst: &mut [u8],
    flush: FlushDecompress,
) -> (usize, usize, Result<Status, flate2::DecompressError>) {
    let (in_before, out_before) = (state.total_in(), state.total_out());
    let status = state.decompress(input, dst, flush);
    let consumed = delta(state.total_in(), in_before).min(input.len());
    let written = delta(state.total_out(), out_before).min(dst.len());
    (consumed, written, status)
}

/// The difference of two byte counters, as a `usize` (they advance by at most a step).
pub(crate) fn delta(after: u64, before: u64) -> usize {
    usize::try_from(after.saturating_sub(before)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(
        inflater: &mut Inflater,
        fragments: &[&[u8]],
        limit: usize,
    ) -> Result<Vec<u8>, Error> {
        let mut out = BytesMut::new();
        for (i, fragment) in fragments.iter().enumerate() {
            inflater.decode_fragment(fragment, i + 1 == fragments.len(), &mut out, limit)?;
        }
        Ok(out.to_vec())
    }

    #[test]
    fn hello_and_context_takeover() {
        let mut inflater = Inflater::new(15, false, false);
        let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate(&mut inflater, &[&hello], 100).unwrap(), b"Hello");
        assert!(inflater.is_allocated());
        let again = [0xf2, 0x00, 0x11, 0x00, 0x00];
        assert_eq!(inflate(&mut inflater, &[&again], 100).unwrap(), b"Hello");
    }

    #[test]
    fn state_is_released_without_context_takeover() {
        let mut inflater = Inflater::new(8, true, false);
        let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        for _ in 0..2 {
            assert_eq!(inflate(&mut inflater, &[&hello], 100).unwrap(), b"Hello");
            assert!(!inflater.is_allocated());
        }
    }

    #[test]
    fn limit_is_exact() {
        let hello = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert!(inflate(&mut Inflater::new(15, false, false), &[&hello], 5).is_ok());
        let err = inflate(&mut Inflater::new(15, false, false), &[&hello], 4).unwrap_err();
        assert!(matches!(err, Error::MessageTooBig { limit: 4 }));
    }

    #[test]
    fn final_block_keeps_the_message_as_context() {
        // RFC 7692 §7.2.3.4: "Hello" in a final block, then the header byte of an empty
        // stored block, which is ignored.
        let final_hello = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
        let mut inflater = Inflater::new(15, false, false);
        assert_eq!(
            inflate(&mut inflater, &[&final_hello], 100).unwrap(),
            b"Hello"
        );
        // A new stream starts, and a back-reference into "Hello" still resolves.
        let again = [0xf2, 0x00, 0x11, 0x00, 0x00];
        assert_eq!(inflate(&mut inflater, &[&again], 100).unwrap(), b"Hello");
        assert_eq!(
            inflate(&mut inflater, &[&final_hello], 100).unwrap(),
            b"Hello"
        );
        assert_eq!(
            inflate(&mut inflater, &[&final_hello], 100).unwrap(),
            b"Hello"
        );
    }

    #[test]
    fn reference_before_the_window_fails_cleanly() {
        // A back-reference with nothing before it.
        let mut inflater = Inflater::new(15, false, false);
        let again = [0xf2, 0x00, 0x11, 0x00, 0x00];
        assert!(matches!(
            inflate(&mut inflater, &[&again], 100),
            Err(Error::Extension(_))
        ));
        assert!(!inflater.is_allocated());
    }
}

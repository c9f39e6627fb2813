//! permessage-deflate (RFC 7692) as an [`Extension`].
//!
//! [`PerMessageDeflate`] compresses the messages we send and inflates the ones the peer marks
//! with RSV1, with the parameters the handshake agreed on ([`DeflateConfig`]). It is sans-I/O
//! like the rest of the crate: the [`MessageAssembler`](crate::MessageAssembler) feeds it
//! fragments, the connection layer asks it to encode outgoing payloads.

mod config;
#[allow(clippy::module_inception)]
mod deflate;
mod inflate;
mod spare;

use bytes::BytesMut;

pub use config::DeflateConfig;

use crate::{Error, Extension, RSV1, Role};
use deflate::Deflater;
use inflate::Inflater;

/// The permessage-deflate extension for one connection: a compressor for our direction and a
/// decompressor for the peer's.
///
/// * Inflating is bounded: the decompressor writes at most 32 KiB per call, never more than
///   one byte past the limit, and [`Error::MessageTooBig`] is returned the moment the output
///   passes the message limit; a compression bomb costs at most the limit, never its
///   inflated size.
/// * Corrupt compressed data fails with [`Error::Extension`], which closes with 1007.
/// * Outgoing messages shorter than [`DeflateConfig::threshold`] are sent uncompressed, as are
///   all of them when our direction was given an 8-bit window (see
///   [`DeflateConfig::server_max_window_bits`]).
/// * Both halves are created on first use. Without context takeover in a direction, that
///   half is dropped after each message and recreated for the next, so an idle connection
///   holds no zlib state for it.
///
/// # Memory
///
/// Heap held by each half while allocated, measured with a counting allocator
/// (`tests/deflate_memory.rs`) on the zlib-rs backend; the compression level does not
/// change it:
///
/// | window bits | compressor | decompressor |
/// |-------------|-----------:|-------------:|
/// | 15          |    371 KiB |       46 KiB |
/// | 12          |    259 KiB |       46 KiB |
/// | 9           |    245 KiB |       46 KiB |
///
/// The compressor's fixed part is its 64K-entry hash table (128 KiB) and its symbol and
/// pending buffers (112 KiB); the window adds `4 << bits` bytes (window twice over, plus
/// match chains). The decompressor allocates a full 32 KiB window whatever the window bits,
/// plus about 14 KiB of tables, so a smaller window saves memory only on the compressing
/// side. With the defaults (context takeover both ways, 15 bits) a connection that has sent
/// and received compressed messages holds about 417 KiB; with `server_no_context_takeover` a
/// server holds only its 46 KiB decompressor between messages, and with both flags nothing.
///
/// Released state is recreated for the next message, which costs CPU for the memory saved:
/// compressing and inflating a 1 KiB message takes about 8 µs instead of 2.4 µs, mostly
/// setting up the compressor's tables again; on 16 KiB messages the difference is about 8 %.
/// With [`DeflateConfig::shared_contexts`] a message borrows its thread's spare compressor
/// and decompressor instead and only resets them (zeroing the compressor's 128 KiB hash
/// table): a 16 KiB message then takes as long as with context takeover (31 µs with its
/// inflation, `benches/benches/deflate_contexts.rs`), a 1 KiB one 5.0 µs instead of 2.4 µs,
/// and an idle connection still holds nothing.
///
/// ```
/// use bytes::BytesMut;
/// use ws_frame::{DeflateConfig, Extension, PerMessageDeflate, Role};
///
/// let config = DeflateConfig { threshold: 0, ..DeflateConfig::default() };
/// let mut client = PerMessageDeflate::new(Role::Client, &config)?;
/// let mut server = PerMessageDeflate::new(Role::Server, &config)?;
///
/// // The client compresses "Hello" (the example of RFC 7692 §7.2.3.1)...
/// let mut wire = BytesMut::new();
/// assert!(client.encode_message(b"Hello", &mut wire)?);
/// assert_eq!(&wire[..], [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
///
/// // ...and the server inflates it, under a 1 KiB message limit.
/// let mut message = BytesMut::new();
/// server.decode_fragment(&wire, true, &mut message, 1024)?;
/// assert_eq!(&message[..], b"Hello");
/// # Ok::<(), ws_frame::Error>(())
/// ```
pub struct PerMessageDeflate {
    deflater: Deflater,
    inflater: Inflater,
    threshold: usize,
}

impl PerMessageDeflate {
    /// The extension for our `role` with the negotiated `config`.
    ///
    /// A server compresses with the `server_*` parameters and inflates with the `client_*`
    /// ones; a client the reverse. Allocates nothing until the first message.
    ///
    /// Fails with [`Error::Extension`] when a value is out of range
    /// ([`DeflateConfig::validate`]); a handshake that follows RFC 7692 never produces one.
    pub fn new(role: Role, config: &DeflateConfig) -> Result<Self, Error> {
        config.validate()?;
        let (ours, theirs) = match role {
            Role::Server => (
                (
                    config.server_max_window_bits,
                    config.server_no_context_takeover,
                ),
                (
                    config.client_max_window_bits,
                    config.client_no_context_takeover,
                ),
            ),
            Role::Client => (
                (
                    config.client_max_window_bits,
                    config.client_no_context_takeover,
                ),
                (
                    config.server_max_window_bits,
                    config.server_no_context_takeover,
                ),
            ),
        };
        Ok(PerMessageDeflate {
            deflater: Deflater::new(
                ours.0,
                config.compression_level,
                ours.1,
                config.shared_contexts,
            ),
            inflater: Inflater::new(theirs.0, theirs.1, config.shared_contexts),
            threshold: config.threshold,
        })
    }

    /// Whether outgoing messages may be compressed at all: false when our direction was given
    /// an 8-bit window, which the backend cannot honour (every message then goes out as is).
    pub fn compresses(&self) -> bool {
        self.deflater.is_enabled()
    }

    /// Whether compressor and decompressor state is currently held, in that order. Both are
    /// `false` before the first message, and stay `false` between messages in a direction
    /// without context takeover.
    pub fn is_allocated(&self) -> (bool, bool) {
        (self.deflater.is_allocated(), self.inflater.is_allocated())
    }
}

impl Extension for PerMessageDeflate {
    /// [`RSV1`]: the "Per-Message Compressed" bit.
    fn rsv_bits(&self) -> u8 {
        RSV1
    }

    /// Inflates one fragment of a compressed message into `out`, failing with
    /// [`Error::MessageTooBig`] before `out` passes `limit`. On `fin` the sync marker the
    /// sender stripped is put back and the message finished.
    fn decode_fragment(
        &mut self,
        fragment: &[u8],
        fin: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), Error> {
        self.inflater.decode_fragment(fragment, fin, out, limit)
    }

    /// Compresses `payload` into `out` (sync marker stripped) and returns `Ok(true)`, or
    /// returns `Ok(false)` with `out` untouched when the payload is below the threshold or
    /// compression is disabled for our direction.
    fn encode_message(&mut self, payload: &[u8], out: &mut BytesMut) -> Result<bool, Error> {
        if payload.len() < self.threshold {
            return Ok(false);
        }
        self.deflater.encode(payload, out)
    }
}

impl std::fmt::Debug for PerMessageDeflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (deflater, inflater) = self.is_allocated();
        f.debug_struct("PerMessageDeflate")
            .field("compresses", &self.compresses())
            .field("threshold", &self.threshold)
            .field("deflater_allocated", &deflater)
            .field("inflater_allocated", &inflater)
            .finish()
    }
}

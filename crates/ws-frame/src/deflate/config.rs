//! [`DeflateConfig`]: the negotiated permessage-deflate parameters plus our local knobs.

use crate::Error;

/// The parameters of one permessage-deflate connection.
///
/// The four RFC 7692 fields hold the values the opening handshake *agreed* on (the handshake
/// crate negotiates them; the connection layer copies its result here). `compression_level`
/// and `threshold` are local choices the peer never sees.
///
/// "Server" and "client" name the direction of the data: `server_*` fields govern the messages
/// the server compresses and the client inflates, `client_*` fields the opposite.
/// [`PerMessageDeflate::new`](crate::PerMessageDeflate::new) picks the right half for its
/// [`Role`](crate::Role).
///
/// Memory per connection, measured with the zlib-rs backend (see
/// [`PerMessageDeflate`](crate::PerMessageDeflate) for the table): a compressor holds about
/// 371 KiB at 15 window bits and 245 KiB at 9; a decompressor 46 KiB at any window bits. With
/// no context takeover in a direction, that direction's state is released between messages,
/// so an idle connection holds none of it.
///
/// ```
/// use ws_frame::DeflateConfig;
/// let lean = DeflateConfig {
///     server_no_context_takeover: true,
///     client_max_window_bits: 10,
///     ..DeflateConfig::default()
/// };
/// assert_eq!(lean.server_max_window_bits, 15);
/// assert_eq!(lean.threshold, 64);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflateConfig {
    /// The server starts every message with an empty window instead of the previous messages'
    /// text. Default `false`.
    ///
    /// Trade-off: repeated content across messages (JSON keys, event names) no longer shrinks,
    /// so small similar messages compress much worse; in exchange the server's compressor is
    /// freed after each message instead of being held for the whole connection.
    /// Memory: with `true`, an idle server holds no compressor (371 KiB saved at 15 window
    /// bits), and an idle client no decompressor (46 KiB).
    pub server_no_context_takeover: bool,
    /// The client starts every message with an empty window. Default `false`.
    ///
    /// The mirror image of `server_no_context_takeover`: with `true` a server frees its
    /// decompressor between messages (46 KiB) and a client frees its compressor (371 KiB at
    /// 15 window bits).
    pub client_no_context_takeover: bool,
    /// Base-2 logarithm of the window the server compresses with, 8..=15. Default 15 (32 KiB).
    ///
    /// Trade-off: a smaller window finds fewer repetitions (worse ratio on long messages or
    /// across messages) and saves memory on the compressing side only. Memory: the compressor
    /// needs `4 << bits` bytes for its window and match chains on top of a fixed 243 KiB
    /// (371 KiB in all at 15 bits, 245 KiB at 9); the decompressor takes 46 KiB whatever the
    /// bits (the backend always allocates a 32 KiB window).
    ///
    /// A compress window of 8 is never used: zlib-family deflaters cannot produce a stream
    /// limited to a 256-byte window (they quietly use 512 bytes), so a side told to compress
    /// with 8 bits sends every message uncompressed, which RFC 7692 always allows. Inflating a
    /// peer's 8-bit stream works (with a 512-byte window).
    pub server_max_window_bits: u8,
    /// Base-2 logarithm of the window the client compresses with, 8..=15. Default 15.
    ///
    /// Same trade-off and memory as `server_max_window_bits`, for the other direction.
    pub client_max_window_bits: u8,
    /// zlib compression level for the messages we send, 0..=9. Default 1.
    ///
    /// Trade-off, measured on Socket.IO-like JSON (`benches/benches/deflate.rs`, compress plus
    /// inflate): at level 1 a 1 KiB message takes about 1.2 µs and shrinks to 27 %; level 6
    /// takes about 4 times as long for 21 %. On a 64 KiB message level 1 gives 18 % in 170 µs,
    /// level 2 gives 13 % in 240 µs and level 6 gives 11 % in 730 µs. Level 1 suits the short
    /// messages WebSocket traffic is mostly made of; raise it (2 is a good step) when large
    /// messages dominate and bandwidth costs more than CPU. 0 stores without compressing.
    /// Memory: none (the level does not change the compressor's allocation).
    pub compression_level: u32,
    /// Messages shorter than this many bytes are sent uncompressed. Default 64.
    ///
    /// Trade-off: deflate adds a block header and a sync marker and costs a call into the
    /// compressor; below a few dozen bytes that rarely pays (a tiny message often grows), while
    /// from about 64 bytes of text, repeated keys and context takeover usually save a third or
    /// more. Raise it to spend less CPU on chatty small messages; 0 compresses everything.
    /// Memory: none.
    pub threshold: usize,
    /// In a direction without context takeover, lend each message the thread's spare
    /// compressor or decompressor instead of building one for it. Default `false`.
    ///
    /// A message without context takeover needs a (de)compressor only while it is processed,
    /// and it may be any one with a fresh stream. `false` builds one per message and frees it
    /// after: nothing is held between messages, but every message pays for the allocation
    /// (~420 KiB for both halves at 15 bits) and for zeroing the compressor's tables.
    /// `true` borrows the calling thread's spare and hands it back reset after the message
    /// (one compressor and one decompressor per thread, whatever the number of connections).
    /// Compressing and inflating Socket.IO-like JSON at level 1 then takes 31 µs for 16 KiB
    /// (34 µs when built per message, 31 µs with context takeover) and 5.0 µs for 1 KiB
    /// (8.0 µs built per message, 2.4 µs with context takeover): the reset still zeroes the
    /// compressor's 128 KiB hash table. Leave it `false` where threads are many and
    /// short-lived, or a thread's memory is counted tightly.
    /// No effect in directions with context takeover.
    ///
    /// Memory: none per connection; per thread that compressed or inflated a message, up to
    /// one compressor (371 KiB at 15 window bits) and one decompressor (46 KiB).
    pub shared_contexts: bool,
}

impl DeflateConfig {
    /// The smallest window the handshake may agree on (RFC 7692 §7.1.2.2): 2^8 = 256 bytes.
    pub const MIN_WINDOW_BITS: u8 = 8;
    /// The largest window, and the default: 2^15 = 32 KiB.
    pub const MAX_WINDOW_BITS: u8 = 15;
    /// The default threshold in bytes: messages shorter than this are sent as is.
    pub const DEFAULT_THRESHOLD: usize = 64;
    /// The default compression level (fast; see [`DeflateConfig::compression_level`]).
    pub const DEFAULT_LEVEL: u32 = 1;

    /// Checks that every value is in its range: window bits in 8..=15, level in 0..=9.
    ///
    /// ```
    /// use ws_frame::DeflateConfig;
    /// assert!(DeflateConfig::default().validate().is_ok());
    /// let bad = DeflateConfig { client_max_window_bits: 16, ..DeflateConfig::default() };
    /// assert!(bad.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let bits = Self::MIN_WINDOW_BITS..=Self::MAX_WINDOW_BITS;
        if !bits.contains(&self.server_max_window_bits)
            || !bits.contains(&self.client_max_window_bits)
        {
            return Err(Error::Extension("deflate window bits outside 8..=15"));
        }
        if self.compression_level > 9 {
            return Err(Error::Extension("deflate compression level above 9"));
        }
        Ok(())
    }
}

impl Default for DeflateConfig {
    /// Context takeover both ways, 15-bit windows, level 1, 64-byte threshold, no shared
    /// contexts.
    fn default() -> Self {
        DeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: Self::MAX_WINDOW_BITS,
            client_max_window_bits: Self::MAX_WINDOW_BITS,
            compression_level: Self::DEFAULT_LEVEL,
            threshold: Self::DEFAULT_THRESHOLD,
            shared_contexts: false,
        }
    }
}

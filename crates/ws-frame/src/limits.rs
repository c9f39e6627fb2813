//! Size limits for incoming frames and messages.

/// Bounds on what a peer may make us buffer. Every check happens *before* the bytes are
/// buffered: a frame header declaring too much is refused on sight, and a message is refused
/// as soon as its running total crosses the limit.
///
/// The defaults accept everything the Autobahn TestSuite sends (a 16 MiB message, 65,536
/// fragments) while capping one connection's receive memory at about the message limit.
///
/// ```
/// use ws_frame::Limits;
/// let tight = Limits { max_message_size: 64 * 1024, max_frame_size: 64 * 1024, ..Limits::default() };
/// assert_eq!(tight.max_fragments, 65_536);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload of a single frame, in bytes. Default 16 MiB.
    ///
    /// A frame is buffered whole before it is delivered, so this is the read buffer's worst
    /// case per connection. Lower it on servers with many connections and small messages.
    pub max_frame_size: usize,
    /// Largest message, summed over its fragments and measured after decompression, in bytes.
    /// Default 16 MiB.
    ///
    /// A fragmented message is appended into one buffer, so this bounds that buffer (plus up
    /// to one frame still being read). Exceeding it closes with 1009.
    pub max_message_size: usize,
    /// Most fragments (frames) one message may be split into. Default 65,536.
    ///
    /// Costs no memory (fragments are appended, not kept apart) but bounds the per-frame work
    /// an attacker can make us do for one message.
    pub max_fragments: usize,
}

impl Limits {
    /// 16 MiB, the default frame and message limit.
    pub const DEFAULT_MAX_SIZE: usize = 16 << 20;

    /// No practical limit: for trusted peers and tests only.
    pub const fn unlimited() -> Self {
        Limits {
            max_frame_size: usize::MAX,
            max_message_size: usize::MAX,
            max_fragments: usize::MAX,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_size: Self::DEFAULT_MAX_SIZE,
            max_message_size: Self::DEFAULT_MAX_SIZE,
            max_fragments: 65_536,
        }
    }
}

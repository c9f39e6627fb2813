//! Limits applied while decoding untrusted input.

/// Bounds on what a peer may make the decoders buffer.
///
/// Every limit is checked before the data it guards is stored, and nothing is reserved from a
/// count the peer merely declares: memory grows only as bytes actually arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest HTTP long-polling body accepted by [`crate::engine::decode_payload`], in bytes.
    ///
    /// Default: 1,000,000 (the value the reference server advertises as `maxPayload`).
    /// Raising it lets clients batch more packets per request; the whole body is held in memory
    /// while decoding, so each concurrent POST costs up to this many bytes (plus up to 3/4 of it
    /// again for base64-decoded binary packets).
    pub max_payload: usize,
    /// Most binary attachments one Socket.IO packet may announce.
    ///
    /// Default: 10 (the reference's limit). The count is validated as soon as the header is
    /// read; each pending attachment costs one `Bytes` handle (32 bytes) plus its data.
    pub max_attachments: usize,
    /// Largest total size of the attachments of one Socket.IO packet, in bytes.
    ///
    /// Default: 1,000,000 (the reference's default message size). A partial packet holds its
    /// attachments until the last one arrives, so a connection may buffer up to this many bytes
    /// per partial packet; lower it on memory-constrained servers.
    pub max_attachment_bytes: usize,
}

impl Limits {
    /// The defaults documented on each field.
    pub const DEFAULT: Limits = Limits {
        max_payload: 1_000_000,
        max_attachments: 10,
        max_attachment_bytes: 1_000_000,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_reference() {
        let l = Limits::default();
        assert_eq!(l.max_payload, 1_000_000);
        assert_eq!(l.max_attachments, 10);
        assert_eq!(l.max_attachment_bytes, 1_000_000);
    }
}

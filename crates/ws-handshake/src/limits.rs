//! Limits applied while reading a handshake head.

/// Bounds on what a peer may make the parser hold. Exceeding either answers 431.
///
/// The parser keeps no state between calls: each call re-reads the growing buffer up to
/// `max_header_bytes`, so these limits also bound the work done per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest header block accepted, request or status line and final blank line included.
    ///
    /// Default 8192 (8 KiB). Browsers send 400-800 bytes; cookies are what makes a head grow,
    /// so raise this for sites with large cookies. Memory cost: the caller's read buffer holds up
    /// to this many bytes per connection still in its handshake, and a parsed
    /// [`Request`](crate::Request) keeps its head (same size) alive while it lives.
    pub max_header_bytes: usize,
    /// Most header fields accepted.
    ///
    /// Default 64. Browsers send 10-20. Memory cost: 32 bytes of stack per field during a
    /// parse (heap instead when above 64), and 32 bytes per field held by the parsed head.
    pub max_headers: usize,
}

impl Limits {
    /// The defaults: 8 KiB of header block, 64 header fields.
    pub const DEFAULT: Limits = Limits {
        max_header_bytes: 8 * 1024,
        max_headers: 64,
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
    fn defaults_match_the_documentation() {
        let limits = Limits::default();
        assert_eq!(limits.max_header_bytes, 8192);
        assert_eq!(limits.max_headers, 64);
    }
}

//! `Sec-WebSocket-Accept`: SHA-1 of the client's key and the RFC 6455 GUID, in base64.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha1::{Digest, Sha1};

/// The GUID RFC 6455 §1.3 appends to the client's key.
pub const WEBSOCKET_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// Computes the `Sec-WebSocket-Accept` value answering the `Sec-WebSocket-Key` value `key`
/// (as sent, base64 text).
///
/// ```
/// assert_eq!(
///     ws_handshake::accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
///     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
/// );
/// ```
pub fn accept_key(key: &[u8]) -> String {
    let mut sha = Sha1::new();
    sha.update(key);
    sha.update(WEBSOCKET_GUID);
    STANDARD.encode(sha.finalize())
}

/// Whether `key` is base64 text of exactly 16 bytes, as §4.2.1 requires of `Sec-WebSocket-Key`.
pub fn is_valid_key(key: &[u8]) -> bool {
    // 16 bytes encode to 22 characters plus "==" padding.
    let mut decoded = [0u8; 18];
    key.len() == 24 && STANDARD.decode_slice(key, &mut decoded) == Ok(16)
}

/// Encodes 16 random bytes as a `Sec-WebSocket-Key` value.
pub(crate) fn encode_key(nonce: &[u8; 16]) -> String {
    STANDARD.encode(nonce)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_section_1_3_example() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn second_vector() {
        assert_eq!(
            accept_key(b"x3JJHMbDL1EzLkh9GBhXDw=="),
            "HSmrc0sMlYUkAGmm5OPpG2HaGWk="
        );
    }

    #[test]
    fn key_must_decode_to_sixteen_bytes() {
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ"));
        // 24 characters but 17 bytes of payload would need no padding: not 16 bytes.
        assert!(!is_valid_key(b"AAAAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ!="));
        assert!(!is_valid_key(b""));
    }

    #[test]
    fn encoded_nonce_is_a_valid_key() {
        let key = encode_key(&[7u8; 16]);
        assert!(is_valid_key(key.as_bytes()));
    }
}

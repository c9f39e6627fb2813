//! The seam for per-message extensions such as permessage-deflate (RFC 7692).
//!
//! An extension marks the first frame of a transformed message with RSV bits and rewrites the
//! message payload. The [`MessageAssembler`](crate::MessageAssembler) routes the fragments of
//! such a message through [`Extension::decode_fragment`] as they arrive, so the decoded size is
//! checked against the message limit while decoding (a compression bomb stops at the limit,
//! not after inflating it all). Messages sent without the RSV bits bypass the extension and keep
//! the zero-copy path.

use bytes::BytesMut;

use crate::Error;

/// A per-message payload transform negotiated in the handshake.
pub trait Extension: Send {
    /// The RSV bits (wire positions, e.g. [`RSV1`](crate::RSV1)) that mark a transformed
    /// message's first frame.
    fn rsv_bits(&self) -> u8;

    /// Decodes one fragment of a transformed message and appends the result to `out`.
    ///
    /// `fin` is true on the message's last fragment. `out` must not grow past `limit` bytes:
    /// return [`Error::MessageTooBig`] as soon as it would.
    fn decode_fragment(
        &mut self,
        fragment: &[u8],
        fin: bool,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), Error>;

    /// Encodes a whole outgoing message payload into `out`, or declines (returns `Ok(false)`,
    /// `out` untouched) when the message is better sent as is, e.g. below a size threshold.
    /// When it returns `Ok(true)` the first frame must carry [`rsv_bits`](Extension::rsv_bits).
    fn encode_message(&mut self, payload: &[u8], out: &mut BytesMut) -> Result<bool, Error>;
}

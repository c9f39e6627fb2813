//! [`FrameEncoder`]: frames out as wire bytes, masked when the role requires it.

use bytes::{BufMut, Bytes, BytesMut};

use crate::{Frame, MaskKeys, Role, apply_mask};

/// Encodes frames for one side of a connection, sans-I/O.
///
/// A server writes frames unmasked, so the bytes for a message are the same for every
/// recipient: encode once with [`FrameEncoder::encode_to_bytes`] and share the `Bytes`. A
/// client draws a fresh masking key per frame.
///
/// ```
/// use bytes::BytesMut;
/// use ws_frame::{Frame, FrameEncoder, Role};
///
/// let mut out = BytesMut::new();
/// FrameEncoder::new(Role::Server).encode(&Frame::text("Hello"), &mut out);
/// assert_eq!(&out[..], b"\x81\x05Hello");
/// ```
#[derive(Debug, Clone)]
pub struct FrameEncoder {
    role: Role,
    keys: MaskKeys,
}

impl FrameEncoder {
    /// An encoder for `role`.
    pub fn new(role: Role) -> Self {
        FrameEncoder {
            role,
            keys: MaskKeys::new(),
        }
    }

    /// The side this encoder writes for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The masking key the next frame gets: fresh for a client, `None` for a server.
    pub fn next_mask(&mut self) -> Option<[u8; 4]> {
        self.role.masks_output().then(|| self.keys.next_key())
    }

    /// Appends `frame`'s header and payload to `dst`, masking the payload if this is a client.
    pub fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) {
        let mask = self.next_mask();
        encode_with_mask(frame, mask, dst);
    }

    /// Encodes `frame` into a buffer of its own, exactly sized.
    pub fn encode_to_bytes(&mut self, frame: &Frame) -> Bytes {
        let mut dst = BytesMut::new();
        self.encode(frame, &mut dst);
        dst.freeze()
    }
}

/// Appends `frame` to `dst` with the given masking key (or none): the deterministic core of
/// [`FrameEncoder::encode`], for tests and for callers with their own key source.
pub fn encode_with_mask(frame: &Frame, mask: Option<[u8; 4]>, dst: &mut BytesMut) {
    let header = frame.header(mask);
    dst.reserve(header.encoded_len() + frame.payload.len());
    header.encode(dst);
    let start = dst.len();
    dst.put_slice(&frame.payload);
    if let Some(key) = mask {
        apply_mask(&mut dst[start..], key);
    }
}

//! [`Frame`]: one decoded or to-be-encoded frame with its payload.

use bytes::Bytes;

use crate::{CloseFrame, FrameHeader, OpCode, Utf8Bytes};

/// A whole frame: header fields and the (unmasked) payload.
///
/// Decoded payloads are views into the read buffer, not copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Whether this is the final fragment of its message (always true for control frames).
    pub fin: bool,
    /// RSV bits in their wire positions; non-zero only when an extension uses them.
    pub rsv: u8,
    /// The frame's opcode.
    pub opcode: OpCode,
    /// The payload, unmasked.
    pub payload: Bytes,
}

impl Frame {
    /// A frame with FIN set and no RSV bits.
    pub fn new(opcode: OpCode, payload: impl Into<Bytes>) -> Self {
        Frame {
            fin: true,
            rsv: 0,
            opcode,
            payload: payload.into(),
        }
    }

    /// A single-frame text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Frame::new(OpCode::Text, text.into().into_bytes())
    }

    /// A single-frame binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Frame::new(OpCode::Binary, data)
    }

    /// A ping (the payload should be at most 125 bytes).
    pub fn ping(data: impl Into<Bytes>) -> Self {
        Frame::new(OpCode::Ping, data)
    }

    /// A pong (the payload should be at most 125 bytes).
    pub fn pong(data: impl Into<Bytes>) -> Self {
        Frame::new(OpCode::Pong, data)
    }

    /// A close frame; `None` sends no status code.
    pub fn close(close: Option<&CloseFrame>) -> Self {
        let payload = close.map(CloseFrame::to_payload).unwrap_or_default();
        Frame::new(OpCode::Close, payload)
    }

    /// The header that describes this frame, with the given masking key.
    pub fn header(&self, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: self.fin,
            rsv: self.rsv,
            opcode: self.opcode,
            mask,
            payload_len: self.payload.len() as u64,
        }
    }
}

//! The crate's one error type, and the close code each error implies.

use crate::CloseCode;

/// Everything that can go wrong decoding or assembling frames.
///
/// Every variant is the peer's fault unless noted, and [`Error::close_code`] says which status
/// to send in the close frame before dropping the connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An opcode from the reserved ranges 3–7 or 11–15.
    #[error("reserved opcode {0:#x}")]
    ReservedOpcode(u8),
    /// RSV bits set that no negotiated extension defines (wire bit positions, e.g. `0x40`).
    #[error("reserved bits {0:#04x} set without an extension that uses them")]
    ReservedBits(u8),
    /// A client sent a frame without a masking key.
    #[error("frame from the client is not masked")]
    UnmaskedFrame,
    /// A server sent a frame with a masking key.
    #[error("frame from the server is masked")]
    MaskedFrame,
    /// A control frame with more than 125 payload bytes.
    #[error("control frame of {0} bytes exceeds 125")]
    ControlFrameTooLong(u64),
    /// A control frame without FIN.
    #[error("control frame is fragmented")]
    FragmentedControlFrame,
    /// A 64-bit length with the most significant bit set.
    #[error("64-bit payload length has its top bit set")]
    InvalidLength,
    /// A frame whose payload exceeds the configured limit.
    #[error("frame of {size} bytes exceeds the limit of {limit}")]
    FrameTooBig {
        /// The declared payload length.
        size: u64,
        /// The configured limit.
        limit: usize,
    },
    /// A message whose total size (over all fragments, after decompression) exceeds the limit.
    #[error("message exceeds the limit of {limit} bytes")]
    MessageTooBig {
        /// The configured limit.
        limit: usize,
    },
    /// A message split into more fragments than the limit.
    #[error("message exceeds the limit of {limit} fragments")]
    TooManyFragments {
        /// The configured limit.
        limit: usize,
    },
    /// Text or a close reason that is not UTF-8.
    #[error("invalid UTF-8 in a text message or close reason")]
    InvalidUtf8,
    /// A close frame with a one-byte payload.
    #[error("close frame payload of one byte")]
    CloseFrameTruncated,
    /// A close code that may not appear on the wire.
    #[error("invalid close code {0}")]
    InvalidCloseCode(u16),
    /// A continuation frame with no message in progress.
    #[error("continuation frame without a message in progress")]
    UnexpectedContinuation,
    /// A new text or binary frame while a fragmented message is still in progress.
    #[error("new data frame while a fragmented message is in progress")]
    ExpectedContinuation,
    /// An extension (such as permessage-deflate) could not transform the data.
    #[error("extension failure: {0}")]
    Extension(&'static str),
    /// A message was given to send after the closing handshake began (the caller's mistake,
    /// not the peer's): nothing was queued.
    #[error("the connection is closing and sends no more messages")]
    NotOpen,
    /// The transport failed (only from the tokio-util codec adapters, which must carry I/O
    /// errors). Not the peer's protocol fault: no close frame can be sent.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The status to send in the close frame that answers this error.
    ///
    /// ```
    /// use ws_frame::{CloseCode, Error};
    /// assert_eq!(Error::InvalidUtf8.close_code(), CloseCode::INVALID_PAYLOAD);
    /// assert_eq!(Error::MessageTooBig { limit: 10 }.close_code(), CloseCode::MESSAGE_TOO_BIG);
    /// ```
    pub fn close_code(&self) -> CloseCode {
        match self {
            Error::FrameTooBig { .. }
            | Error::MessageTooBig { .. }
            | Error::TooManyFragments { .. } => CloseCode::MESSAGE_TOO_BIG,
            Error::InvalidUtf8 => CloseCode::INVALID_PAYLOAD,
            Error::Extension(_) => CloseCode::INVALID_PAYLOAD,
            Error::Io(_) | Error::NotOpen => CloseCode::ABNORMAL,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

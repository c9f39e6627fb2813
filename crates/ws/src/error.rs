//! The crate's one error type.

use ws_frame::CloseCode;

/// Everything that can end or refuse a WebSocket connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The opening handshake failed (the peer's request or response was refused).
    #[error("handshake: {0}")]
    Handshake(#[from] ws_handshake::Error),
    /// The handshake was refused by the server's own policy with this status; on the client
    /// side over HTTP/2, the server answered the extended CONNECT with this status instead of
    /// `200`.
    #[error("handshake rejected with status {0}")]
    Rejected(u16),
    /// The peer broke the protocol; a close frame with [`Error::close_code`] was sent.
    #[error("protocol: {0}")]
    Protocol(ws_frame::Error),
    /// The transport failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The peer closed the TCP connection without a close handshake.
    #[error("connection reset without a close handshake")]
    ResetWithoutClose,
    /// The connection is closed (or closing) and takes no more messages.
    #[error("connection closed")]
    Closed,
    /// The opening handshake did not finish within
    /// [`Config::handshake_timeout`](crate::Config::handshake_timeout): the peer sent its
    /// request (server side) or its response (client side) too slowly, or not at all. The
    /// stream was closed without an answer.
    #[error("opening handshake timed out")]
    HandshakeTimeout,
    /// The closing handshake did not finish in time.
    #[error("close handshake timed out")]
    CloseTimeout,
    /// The URL given to `connect` cannot be used.
    #[error("invalid URL: {0}")]
    InvalidUrl(&'static str),
    /// The HTTP/2 connection or the WebSocket's stream failed (feature `http2`).
    #[cfg(feature = "http2")]
    #[error("HTTP/2: {0}")]
    Http2(#[source] hyper::Error),
    /// HTTP/2 was required but the server does not speak it: TLS chose another protocol by
    /// ALPN, or the server's first bytes were not an HTTP/2 SETTINGS frame (feature `http2`).
    #[cfg(feature = "http2")]
    #[error("the server does not speak HTTP/2")]
    NotHttp2,
    /// The HTTP/2 server does not accept WebSockets: its SETTINGS did not carry
    /// `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1` (RFC 8441), so no extended CONNECT was sent
    /// (feature `http2`).
    #[cfg(feature = "http2")]
    #[error("the HTTP/2 server does not enable extended CONNECT (RFC 8441)")]
    NoExtendedConnect,
}

impl Error {
    /// The close code that describes this error to the peer.
    pub fn close_code(&self) -> CloseCode {
        match self {
            Error::Protocol(e) => e.close_code(),
            _ => CloseCode::ABNORMAL,
        }
    }
}

impl From<ws_frame::Error> for Error {
    fn from(e: ws_frame::Error) -> Self {
        match e {
            ws_frame::Error::Io(io) => Error::Io(io),
            ws_frame::Error::NotOpen => Error::Closed,
            other => Error::Protocol(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_refused_by_the_machine_is_closed_not_a_protocol_error() {
        assert!(matches!(
            Error::from(ws_frame::Error::NotOpen),
            Error::Closed
        ));
        assert!(matches!(
            Error::from(ws_frame::Error::InvalidUtf8),
            Error::Protocol(ws_frame::Error::InvalidUtf8)
        ));
    }
}

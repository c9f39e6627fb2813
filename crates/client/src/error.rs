//! The crate's one error type.

/// Everything a client operation can fail with.
///
/// Transport failures during a session are not returned to callers: they end the session, the
/// sockets see a disconnect with its reason, and the client reconnects. Errors reach callers
/// from `connect`, emits and acknowledgements.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server URL cannot be used.
    #[error("invalid URL: {0}")]
    InvalidUrl(&'static str),
    /// A namespace does not start with `/` or contains a `,`.
    #[error("invalid namespace {0:?}")]
    InvalidNamespace(String),
    /// The network failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The WebSocket transport failed.
    #[error("websocket: {0}")]
    WebSocket(#[from] wsio_ws::Error),
    /// The server sent something that is not valid Engine.IO or Socket.IO, or arguments did not
    /// convert to or from the requested types.
    #[error("protocol: {0}")]
    Protocol(#[from] event_proto::Error),
    /// An HTTP exchange of the long-polling transport failed.
    #[error("HTTP: {0}")]
    Http(String),
    /// The server answered an HTTP request with an error status.
    #[error("HTTP status {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// No TLS support for an `https://` or `wss://` URL (feature `rustls`, and trust roots).
    #[error("TLS: {0}")]
    Tls(String),
    /// The WebTransport transport failed to open (QUIC, TLS, the server's answer), or the
    /// client was built without the feature `webtransport`.
    #[error("webtransport: {0}")]
    WebTransport(String),
    /// An operation did not finish in time (connecting, an acknowledgement).
    #[error("timed out")]
    Timeout,
    /// The server refused to let the client join a namespace: its message and the data it
    /// attached (Node's `err.message` and `err.data`), as
    /// [`on_connect_error`](crate::ClientBuilder::on_connect_error) sees them.
    #[error("connect error: {message}")]
    ConnectRefused {
        /// The server's message (`"unauthorized"`, `"Invalid namespace"`).
        message: String,
        /// The data the server attached to the refusal, if any.
        data: Option<serde_json::Value>,
    },
    /// The outgoing queue of the current connection is full (a slow or stuck transport).
    #[error("outgoing queue full")]
    QueueFull,
    /// The buffer of emits waiting for a reconnection is full.
    #[error("disconnected and the send buffer is full")]
    BufferFull,
    /// Too many emits are waiting for an acknowledgement.
    #[error("too many pending acknowledgements")]
    TooManyAcks,
    /// The transport ended in the middle of an operation.
    #[error("transport closed")]
    TransportClosed,
    /// The client was disconnected by [`Client::disconnect`](crate::Client::disconnect) or
    /// gave up reconnecting.
    #[error("client closed")]
    Closed,
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::Protocol(event_proto::Error::Serde(e.to_string()))
    }
}

impl From<tokio::time::error::Elapsed> for Error {
    fn from(_: tokio::time::error::Elapsed) -> Error {
        Error::Timeout
    }
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_and_messages() {
        let e: Error = std::io::Error::other("x").into();
        assert!(e.to_string().starts_with("I/O"));
        let e: Error = event_proto::Error::InvalidJson.into();
        assert_eq!(e.to_string(), "protocol: invalid JSON payload");
        let e: Error = serde_json::from_str::<u8>("x").unwrap_err().into();
        assert!(matches!(e, Error::Protocol(_)));
    }
}

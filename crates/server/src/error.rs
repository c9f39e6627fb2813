//! The crate's one error type.

/// Everything the server's public API can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Encoding or decoding a packet failed (bad arguments, a serde failure, a peer's malformed
    /// packet).
    #[error("protocol: {0}")]
    Protocol(#[from] event_proto::Error),
    /// The WebSocket transport failed.
    #[error("websocket: {0}")]
    WebSocket(#[from] wsio_ws::Error),
    /// A socket or network I/O failure.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The HTTP server failed.
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
    /// The socket (or its connection) is closed.
    #[error("socket closed")]
    Closed,
    /// The peer's outgoing queue was full: the connection was closed as a slow consumer.
    #[error("outgoing queue full; the connection was closed")]
    QueueFull,
    /// The namespace is not declared on this server.
    #[error("no namespace {0:?}")]
    UnknownNamespace(String),
    /// An adapter spanning several servers failed (its message bus is unreachable, a peer
    /// answered nonsense).
    #[error("adapter: {0}")]
    Adapter(String),
    /// No acknowledgement arrived in time.
    #[error("acknowledgement timed out")]
    AckTimeout,
    /// Not every server answered a server-side emit in time
    /// ([`server_side_emit_with_ack`](crate::Namespace::server_side_emit_with_ack)):
    /// `responses` holds the answers that did arrive, in arrival order, out of `expected`
    /// (Node's `err.responses`).
    #[error("acknowledgements timed out: {} of {expected} answered", responses.len())]
    AcksTimedOut {
        /// The answers that arrived in time.
        responses: Vec<event_proto::Value>,
        /// How many answers were awaited.
        expected: usize,
    },
    /// The acknowledgement's arguments do not deserialize into the requested type.
    #[error("acknowledgement arguments: {0}")]
    AckArgs(event_proto::Error),
}

impl From<wsio_engine::Error> for Error {
    fn from(error: wsio_engine::Error) -> Error {
        match error {
            wsio_engine::Error::QueueFull => Error::QueueFull,
            _ => Error::Closed,
        }
    }
}

impl Error {
    /// True when acknowledgements did not all arrive in time ([`Error::AckTimeout`] or
    /// [`Error::AcksTimedOut`]).
    pub fn is_ack_timeout(&self) -> bool {
        matches!(self, Error::AckTimeout | Error::AcksTimedOut { .. })
    }

    /// The answers that arrived before an [`Error::AcksTimedOut`]; empty for any other error.
    pub fn responses(&self) -> &[event_proto::Value] {
        match self {
            Error::AcksTimedOut { responses, .. } => responses,
            _ => &[],
        }
    }
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

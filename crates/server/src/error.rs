//! The server's errors: one type per kind of operation ([`EmitError`], [`BroadcastError`],
//! [`AckError`], [`AdapterError`]), and [`Error`], which each of them converts into.

use std::error::Error as StdError;

use event_proto::Value;

/// Why an event could not be sent to one socket: [`Socket::emit`](crate::Socket::emit),
/// [`AckSender::send`](crate::AckSender::send), [`Socket::disconnect`](crate::Socket::disconnect)
/// and [`Adapter::emit_direct`](crate::Adapter::emit_direct).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The arguments could not be encoded (a serde failure).
    #[error("encoding the packet: {0}")]
    Encode(#[source] event_proto::Error),
    /// The socket has left its namespace, or its connection is closed.
    #[error("socket closed")]
    Closed,
    /// The socket's outgoing queue was full: its connection was closed as a slow consumer.
    #[error("outgoing queue full; the connection was closed")]
    QueueFull,
    /// The adapter failed to record or relay the packet.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

impl From<wsio_engine::Error> for EmitError {
    fn from(error: wsio_engine::Error) -> EmitError {
        match error {
            wsio_engine::Error::QueueFull => EmitError::QueueFull,
            _ => EmitError::Closed,
        }
    }
}

/// Why a broadcast failed: [`BroadcastOperator::emit`](crate::BroadcastOperator::emit) and its
/// kin, and [`Namespace::server_side_emit`](crate::Namespace::server_side_emit). A recipient
/// that is gone or too slow does not fail a broadcast.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BroadcastError {
    /// The arguments could not be encoded (a serde failure).
    #[error("encoding the packet: {0}")]
    Encode(#[source] event_proto::Error),
    /// The adapter failed to deliver the packet (to other servers).
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

/// Why acknowledgements did not come: [`Socket::emit_with_ack`](crate::Socket::emit_with_ack),
/// each answer of [`BroadcastOperator::emit_with_ack`](crate::BroadcastOperator::emit_with_ack),
/// and [`Namespace::server_side_emit_with_ack`](crate::Namespace::server_side_emit_with_ack).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The event could not be sent.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// No acknowledgement arrived in time.
    #[error("acknowledgement timed out")]
    Timeout,
    /// Not every server answered a server-side emit in time: `responses` holds the answers
    /// that did arrive, in arrival order, out of `expected` (Node's `err.responses`).
    #[error("acknowledgements timed out: {} of {expected} answered", responses.len())]
    Incomplete {
        /// The answers that arrived in time.
        responses: Vec<Value>,
        /// How many answers were awaited.
        expected: usize,
    },
    /// The socket left (or its connection closed) before it answered.
    #[error("socket closed before acknowledging")]
    Closed,
    /// The acknowledgement's arguments do not deserialize into the requested type.
    #[error("acknowledgement arguments: {0}")]
    Decode(#[source] event_proto::Error),
}

impl From<AdapterError> for AckError {
    fn from(error: AdapterError) -> AckError {
        AckError::Emit(EmitError::Adapter(error))
    }
}

impl AckError {
    /// True when acknowledgements did not all arrive in time ([`AckError::Timeout`] or
    /// [`AckError::Incomplete`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self, AckError::Timeout | AckError::Incomplete { .. })
    }

    /// The answers that arrived before an [`AckError::Incomplete`]; empty for any other
    /// error.
    pub fn responses(&self) -> &[Value] {
        match self {
            AckError::Incomplete { responses, .. } => responses,
            _ => &[],
        }
    }
}

/// The failure of an [`Adapter`](crate::Adapter): its message bus is unreachable, another
/// server answered nonsense, a packet could not be decoded. It keeps the error that caused
/// it, which [`source`](StdError::source) returns.
///
/// ```
/// use std::error::Error as _;
/// use wsio_server::AdapterError;
///
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "bus unreachable");
/// let error = AdapterError::new(io);
/// assert_eq!(error.to_string(), "adapter: bus unreachable");
/// assert!(error.source().is_some());
/// assert!(error.downcast_ref::<std::io::Error>().is_some());
/// ```
#[derive(Debug)]
pub struct AdapterError {
    source: Box<dyn StdError + Send + Sync>,
}

impl AdapterError {
    /// An adapter failure caused by `source`: any error, or a message (`&str`, `String`).
    pub fn new(source: impl Into<Box<dyn StdError + Send + Sync>>) -> AdapterError {
        AdapterError {
            source: source.into(),
        }
    }

    /// The error that caused this one.
    pub fn get_ref(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.source
    }

    /// The error that caused this one, if it is an `E`.
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        self.source.downcast_ref::<E>()
    }

    /// The error that caused this one, taken out.
    pub fn into_inner(self) -> Box<dyn StdError + Send + Sync> {
        self.source
    }
}

impl std::fmt::Display for AdapterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "adapter: {}", self.source)
    }
}

impl StdError for AdapterError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&*self.source)
    }
}

impl From<event_proto::Error> for AdapterError {
    /// A packet the adapter could not decode or encode.
    fn from(error: event_proto::Error) -> AdapterError {
        AdapterError::new(error)
    }
}

/// Everything the server's public API can report: each operation's own error converts into
/// it with `?`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Sending to one socket failed.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// A broadcast failed.
    #[error(transparent)]
    Broadcast(#[from] BroadcastError),
    /// Acknowledgements did not come.
    #[error(transparent)]
    Ack(#[from] AckError),
    /// The adapter failed (room membership, fetching sockets, counting servers...).
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    /// Encoding or decoding a value or packet failed (socket data, a peer's malformed
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
    /// The namespace is not declared on this server.
    #[error("no namespace {0:?}")]
    UnknownNamespace(String),
}

impl Error {
    /// True when acknowledgements did not all arrive in time (see
    /// [`AckError::is_timeout`]).
    pub fn is_ack_timeout(&self) -> bool {
        matches!(self, Error::Ack(ack) if ack.is_timeout())
    }

    /// The answers that arrived before an [`AckError::Incomplete`]; empty for any other
    /// error.
    pub fn responses(&self) -> &[Value] {
        match self {
            Error::Ack(ack) => ack.responses(),
            _ => &[],
        }
    }
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct BusDown;

    impl std::fmt::Display for BusDown {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bus down")
        }
    }

    impl StdError for BusDown {}

    fn serde_error() -> event_proto::Error {
        event_proto::Error::Serde("expected a string".to_owned())
    }

    #[test]
    fn adapter_errors_keep_their_source() {
        let error = AdapterError::new(BusDown);
        assert_eq!(error.to_string(), "adapter: bus down");
        let source = error.source().expect("a source");
        assert!(source.downcast_ref::<BusDown>().is_some());
        assert!(error.downcast_ref::<BusDown>().is_some());
        assert!(error.into_inner().downcast::<BusDown>().is_ok());

        let message = AdapterError::new("peer answered nonsense");
        assert_eq!(message.to_string(), "adapter: peer answered nonsense");
        assert_eq!(
            message.source().map(|s| s.to_string()).as_deref(),
            Some("peer answered nonsense")
        );
    }

    #[test]
    fn adapter_errors_keep_their_source_through_every_wrapper() {
        let wrapped: Vec<Box<dyn StdError>> = vec![
            Box::new(EmitError::from(AdapterError::new(BusDown))),
            Box::new(BroadcastError::from(AdapterError::new(BusDown))),
            Box::new(AckError::from(AdapterError::new(BusDown))),
            Box::new(Error::from(AdapterError::new(BusDown))),
            Box::new(Error::from(EmitError::from(AdapterError::new(BusDown)))),
        ];
        for error in wrapped {
            assert_eq!(error.to_string(), "adapter: bus down");
            let source = error.source().expect("a source");
            assert!(source.downcast_ref::<BusDown>().is_some(), "{error:?}");
        }
    }

    #[test]
    fn emit_errors_read_clearly() {
        assert_eq!(EmitError::Closed.to_string(), "socket closed");
        assert_eq!(
            EmitError::QueueFull.to_string(),
            "outgoing queue full; the connection was closed"
        );
        let encode = EmitError::Encode(serde_error());
        assert!(encode.to_string().starts_with("encoding the packet: "));
        assert!(encode.source().is_some());
        assert!(matches!(
            EmitError::from(wsio_engine::Error::QueueFull),
            EmitError::QueueFull
        ));
    }

    #[test]
    fn broadcast_errors_read_clearly() {
        let encode = BroadcastError::Encode(serde_error());
        assert!(encode.to_string().starts_with("encoding the packet: "));
        assert!(encode.source().is_some());
    }

    #[test]
    fn ack_errors_read_clearly() {
        assert_eq!(AckError::Timeout.to_string(), "acknowledgement timed out");
        assert_eq!(
            AckError::Closed.to_string(),
            "socket closed before acknowledging"
        );
        let incomplete = AckError::Incomplete {
            responses: vec![Value::from("a")],
            expected: 2,
        };
        assert_eq!(
            incomplete.to_string(),
            "acknowledgements timed out: 1 of 2 answered"
        );
        assert!(incomplete.is_timeout() && AckError::Timeout.is_timeout());
        assert!(!AckError::Closed.is_timeout());
        assert_eq!(incomplete.responses(), &[Value::from("a")]);
        assert_eq!(
            AckError::from(EmitError::Closed).to_string(),
            "socket closed"
        );
        let decode = AckError::Decode(serde_error());
        assert!(
            decode
                .to_string()
                .starts_with("acknowledgement arguments: ")
        );
        assert!(decode.source().is_some());
    }

    #[test]
    fn errors_cross_threads() {
        fn boxable<E: StdError + Send + Sync + 'static>() {}
        boxable::<EmitError>();
        boxable::<BroadcastError>();
        boxable::<AckError>();
        boxable::<AdapterError>();
        boxable::<Error>();
    }

    #[test]
    fn the_crate_error_takes_every_operation_error() {
        let error = Error::from(AckError::Incomplete {
            responses: Vec::new(),
            expected: 1,
        });
        assert!(error.is_ack_timeout());
        assert!(error.responses().is_empty());
        assert_eq!(Error::from(EmitError::Closed).to_string(), "socket closed");
        assert!(!Error::from(EmitError::Closed).is_ack_timeout());
        assert_eq!(
            Error::UnknownNamespace("/".to_owned()).to_string(),
            "no namespace \"/\""
        );
    }
}

//! Why a socket left its namespace.

use std::fmt;

use wsio_engine::CloseReason;

/// The reason passed to disconnect handlers, named as the reference server names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisconnectReason {
    /// The server called [`Socket::disconnect`](crate::Socket::disconnect).
    ServerNamespaceDisconnect,
    /// The client left the namespace (`socket.disconnect()` on its side).
    ClientNamespaceDisconnect,
    /// The connection was closed (the client closed it, or it was lost).
    TransportClose,
    /// The connection failed (I/O error, oversized message, slow consumer).
    TransportError,
    /// The client did not answer a heartbeat in time.
    PingTimeout,
    /// The client sent a packet that does not parse.
    ParseError,
    /// The server closed the whole connection (or it was replaced, e.g. a second poll).
    ForcedClose,
    /// The server is shutting down.
    ServerShuttingDown,
}

impl DisconnectReason {
    /// The reference's name for the reason, e.g. `"ping timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::ServerNamespaceDisconnect => "server namespace disconnect",
            DisconnectReason::ClientNamespaceDisconnect => "client namespace disconnect",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::ParseError => "parse error",
            DisconnectReason::ForcedClose => "forced close",
            DisconnectReason::ServerShuttingDown => "server shutting down",
        }
    }
}

impl DisconnectReason {
    /// The engine's reason to close a session for this one; `None` for the namespace
    /// reasons, which leave the session open.
    pub(crate) fn close_reason(self) -> Option<CloseReason> {
        match self {
            DisconnectReason::ServerNamespaceDisconnect
            | DisconnectReason::ClientNamespaceDisconnect => None,
            DisconnectReason::TransportClose => Some(CloseReason::TransportClose),
            DisconnectReason::TransportError => Some(CloseReason::TransportError),
            DisconnectReason::PingTimeout => Some(CloseReason::PingTimeout),
            DisconnectReason::ParseError => Some(CloseReason::ParseError),
            DisconnectReason::ForcedClose => Some(CloseReason::ForcedClose),
            DisconnectReason::ServerShuttingDown => Some(CloseReason::ServerShuttingDown),
        }
    }
}

impl From<CloseReason> for DisconnectReason {
    /// The reason the sockets of a closed session leave with: the same name.
    fn from(reason: CloseReason) -> DisconnectReason {
        match reason {
            CloseReason::TransportClose => DisconnectReason::TransportClose,
            CloseReason::PingTimeout => DisconnectReason::PingTimeout,
            CloseReason::ParseError => DisconnectReason::ParseError,
            CloseReason::ForcedClose => DisconnectReason::ForcedClose,
            CloseReason::ServerShuttingDown => DisconnectReason::ServerShuttingDown,
            _ => DisconnectReason::TransportError,
        }
    }
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_reasons_keep_their_names() {
        for reason in CloseReason::ALL {
            let socket_io = DisconnectReason::from(reason);
            assert_eq!(socket_io.as_str(), reason.as_str());
            assert_eq!(socket_io.close_reason(), Some(reason));
        }
        assert_eq!(
            DisconnectReason::ClientNamespaceDisconnect.close_reason(),
            None
        );
    }

    #[test]
    fn names_match_the_reference() {
        assert_eq!(DisconnectReason::PingTimeout.to_string(), "ping timeout");
        assert_eq!(
            DisconnectReason::ClientNamespaceDisconnect.as_str(),
            "client namespace disconnect"
        );
    }
}

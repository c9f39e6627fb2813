//! Why a socket left its namespace.

use std::fmt;

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

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_reference() {
        assert_eq!(DisconnectReason::PingTimeout.to_string(), "ping timeout");
        assert_eq!(
            DisconnectReason::ClientNamespaceDisconnect.as_str(),
            "client namespace disconnect"
        );
    }
}

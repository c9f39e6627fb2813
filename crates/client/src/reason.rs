//! Why a namespace disconnected, and why a join was refused.

/// Why a socket left its namespace; [`DisconnectReason::as_str`] gives the JavaScript
/// client's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The server disconnected the socket (`socket.disconnect()` there). The client does not
    /// rejoin by itself; call [`Socket::connect`](crate::Socket::connect).
    IoServerDisconnect,
    /// The application called `disconnect` on the socket or the client.
    IoClientDisconnect,
    /// No ping from the server within `pingInterval + pingTimeout`.
    PingTimeout,
    /// The server closed the connection.
    TransportClose,
    /// The connection failed.
    TransportError,
    /// The server sent something that does not parse.
    ParseError,
}

impl DisconnectReason {
    /// The reason as the JavaScript client names it (`"io server disconnect"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DisconnectReason::IoServerDisconnect => "io server disconnect",
            DisconnectReason::IoClientDisconnect => "io client disconnect",
            DisconnectReason::PingTimeout => "ping timeout",
            DisconnectReason::TransportClose => "transport close",
            DisconnectReason::TransportError => "transport error",
            DisconnectReason::ParseError => "parse error",
        }
    }

    /// True when the client reconnects after it (everything but the two explicit disconnects).
    pub fn will_reconnect(self) -> bool {
        !matches!(
            self,
            DisconnectReason::IoServerDisconnect | DisconnectReason::IoClientDisconnect
        )
    }
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused namespace join (`CONNECT_ERROR` from a middleware, an unknown namespace), or a
/// connection attempt that failed before the server could answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    /// The server's message (`"unauthorized"`, `"Invalid namespace"`), or the local error.
    pub message: String,
    /// The data the server attached to the refusal, if any.
    pub data: Option<serde_json::Value>,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_matches_the_javascript_client() {
        assert_eq!(
            DisconnectReason::IoServerDisconnect.to_string(),
            "io server disconnect"
        );
        assert!(DisconnectReason::PingTimeout.will_reconnect());
        assert!(!DisconnectReason::IoClientDisconnect.will_reconnect());
    }
}

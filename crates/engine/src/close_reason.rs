//! Why a session closed.

use std::fmt;

/// Why a session closed, named as the reference's engine names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer closed the session (a close packet, or its WebSocket went away without a
    /// close frame: a reset, an end of stream).
    TransportClose,
    /// The transport failed: an I/O error, an oversized body, a second concurrent poll, a held
    /// poll whose connection closed, a slow consumer whose queue filled up.
    TransportError,
    /// The peer did not answer a ping in time.
    PingTimeout,
    /// The peer sent a packet that does not parse.
    ParseError,
    /// The server closed the session (the layer above asked, or it never confirmed the session
    /// within the connect timeout).
    ForcedClose,
    /// The server is shutting down.
    ServerShuttingDown,
}

impl CloseReason {
    /// Every reason, in the order of
    /// [`EngineStats::sessions_closed`](crate::EngineStats::sessions_closed).
    pub const ALL: [CloseReason; 6] = [
        CloseReason::TransportClose,
        CloseReason::TransportError,
        CloseReason::PingTimeout,
        CloseReason::ParseError,
        CloseReason::ForcedClose,
        CloseReason::ServerShuttingDown,
    ];

    /// The reference's name for the reason, e.g. `"ping timeout"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::TransportClose => "transport close",
            CloseReason::TransportError => "transport error",
            CloseReason::PingTimeout => "ping timeout",
            CloseReason::ParseError => "parse error",
            CloseReason::ForcedClose => "forced close",
            CloseReason::ServerShuttingDown => "server shutting down",
        }
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

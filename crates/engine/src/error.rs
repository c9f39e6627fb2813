//! The crate's one error type.

/// What the engine's public API can report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session is closed.
    #[error("session closed")]
    Closed,
    /// The session's outgoing queue was full: the session was closed as a slow consumer.
    #[error("outgoing queue full; the session was closed")]
    QueueFull,
}

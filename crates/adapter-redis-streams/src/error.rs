//! The crate's one error type.

use crate::wire::WireError;

/// What the Redis Streams adapter can report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Connecting to Redis or a command failed.
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A message or entry from another node could not be decoded.
    #[error("wire: {0}")]
    Wire(#[from] WireError),
    /// Not every node answered a request in time.
    #[error("timeout reached: only {received} responses received out of {expected}")]
    Timeout {
        /// Answers that came.
        received: usize,
        /// Answers expected (other nodes).
        expected: usize,
    },
}

/// Result alias of the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Error> for wsio_server::Error {
    /// Timeouts become [`wsio_server::Error::AckTimeout`], anything else
    /// [`wsio_server::Error::Adapter`].
    fn from(e: Error) -> wsio_server::Error {
        match e {
            Error::Timeout { .. } => wsio_server::Error::AckTimeout,
            other => wsio_server::Error::Adapter(other.to_string()),
        }
    }
}

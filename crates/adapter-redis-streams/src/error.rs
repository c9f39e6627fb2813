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

impl From<Error> for wsio_server::AdapterError {
    /// The adapter failure that `e` caused, `e` as its source.
    fn from(e: Error) -> wsio_server::AdapterError {
        wsio_server::AdapterError::new(e)
    }
}

impl From<Error> for wsio_server::Error {
    /// [`wsio_server::Error::Adapter`], `e` as its source.
    fn from(e: Error) -> wsio_server::Error {
        wsio_server::Error::Adapter(e.into())
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::Error;

    #[test]
    fn adapter_errors_keep_this_crate_error_as_their_source() {
        let timeout = || Error::Timeout {
            received: 1,
            expected: 2,
        };
        let adapter = wsio_server::AdapterError::from(timeout());
        assert_eq!(
            adapter.to_string(),
            "adapter: timeout reached: only 1 responses received out of 2"
        );
        let source = adapter.source().expect("a source");
        assert!(matches!(
            source.downcast_ref::<Error>(),
            Some(Error::Timeout { expected: 2, .. })
        ));
        let top = wsio_server::Error::from(timeout());
        assert!(matches!(&top, wsio_server::Error::Adapter(_)));
        assert!(
            top.source()
                .and_then(|s| s.downcast_ref::<Error>())
                .is_some()
        );
    }
}

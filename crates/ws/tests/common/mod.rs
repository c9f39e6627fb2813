//! Helpers of the handshake deadline tests: a short deadline, a peer that sends one byte at a
//! time, and the check that an attempt ended at the deadline.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::time::{Duration, Instant};

use tokio::io::{AsyncWrite, AsyncWriteExt};
use wsio_ws::{Config, Error};

/// The deadline the tests configure.
pub const DEADLINE: Duration = Duration::from_secs(1);

/// How long a test waits for what should happen at the deadline before it gives up.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// The default settings with [`DEADLINE`] as the handshake deadline.
pub fn short_deadline() -> Config {
    Config {
        handshake_timeout: Some(DEADLINE),
        ..Config::default()
    }
}

/// Writes `bytes` one at a time, one every 200 ms, until they run out or a write fails.
pub async fn trickle(mut writer: impl AsyncWrite + Unpin, bytes: &[u8]) {
    for byte in bytes {
        if writer.write_all(std::slice::from_ref(byte)).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Runs a handshake (`what` names it); gives its outcome and how long it took, or panics if
/// it is still waiting after [`PATIENCE`].
pub async fn timed<T>(
    what: &str,
    handshake: impl Future<Output = Result<T, Error>>,
) -> (Result<T, Error>, Duration) {
    let start = Instant::now();
    match tokio::time::timeout(PATIENCE, handshake).await {
        Ok(result) => (result, start.elapsed()),
        Err(_) => panic!("{what} is still waiting for the peer after {PATIENCE:?}"),
    }
}

/// Checks that a handshake ended with [`Error::HandshakeTimeout`] at the deadline.
pub fn assert_cut_at_the_deadline<T>(what: &str, result: Result<T, Error>, elapsed: Duration) {
    println!("{what}: timed out after {elapsed:?}");
    assert!(
        matches!(result, Err(Error::HandshakeTimeout)),
        "{what}: {:?}",
        result.err()
    );
    assert!(
        elapsed >= DEADLINE && elapsed < DEADLINE + Duration::from_millis(500),
        "{what}: timed out after {elapsed:?}"
    );
}

//! What the Redis connections of the adapters share: the observable status of the
//! subscriber connection ([`SubscriberStatus`], [`SubscriberState`]), its health check
//! ([`ping`]), and one more try of a command whose connection broke ([`query_once_more`]).
//!
//! Every adapter of this crate and of `wsio-adapter-redis-streams` keeps one subscriber
//! connection per server. It is checked with a `PING` every few seconds and replaced by a
//! new one, subscribed to the same channels, when it ends or stops answering. Pub/sub
//! messages published while it is away are lost (Redis keeps none), so how often that happens
//! is worth watching: [`SubscriberStatus`] counts it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, PubSubSink};
use redis::{Cmd, FromRedisValue, RedisError, RedisResult};

/// Where a server's subscriber connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriberState {
    /// Connected and subscribed to the channels of every namespace: messages from the other
    /// servers arrive.
    Connected,
    /// The connection was lost; a new one is being opened and subscribed. Messages the other
    /// servers publish meanwhile do not reach this server.
    Reconnecting,
}

/// The status of one server's subscriber connection, as its adapter records it. Cloning
/// gives another handle on the same figures; reading them is two atomic loads, so a metrics
/// exporter may poll them as often as it likes. A handle does not keep the connection open.
///
/// ```no_run
/// use wsio_adapter_redis::{RedisAdapterConfig, RedisCluster, SubscriberState};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let cluster = RedisCluster::connect("redis://127.0.0.1:6379", RedisAdapterConfig::default()).await?;
/// let status = cluster.subscriber_status();
/// tokio::spawn(async move {
///     loop {
///         tokio::time::sleep(std::time::Duration::from_secs(15)).await;
///         if status.state() == SubscriberState::Reconnecting || status.reconnects() > 0 {
///             eprintln!("redis subscriber: {:?}, {} reconnections", status.state(), status.reconnects());
///         }
///     }
/// });
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SubscriberStatus {
    inner: Arc<Figures>,
}

#[derive(Debug, Default)]
struct Figures {
    reconnecting: AtomicBool,
    reconnects: AtomicU64,
}

impl SubscriberStatus {
    /// A status for a connection that was just opened: [`SubscriberState::Connected`], no
    /// reconnection yet.
    pub fn new() -> SubscriberStatus {
        SubscriberStatus::default()
    }

    /// The current state.
    pub fn state(&self) -> SubscriberState {
        if self.inner.reconnecting.load(Ordering::Relaxed) {
            SubscriberState::Reconnecting
        } else {
            SubscriberState::Connected
        }
    }

    /// How many times the connection was lost and replaced by a new, subscribed one since
    /// the server connected. It stays 0 while Redis and the network are healthy.
    pub fn reconnects(&self) -> u64 {
        self.inner.reconnects.load(Ordering::Relaxed)
    }

    /// Records that the connection was lost (the state becomes
    /// [`Reconnecting`](SubscriberState::Reconnecting)). Called by the adapter that owns the
    /// connection.
    pub fn lost(&self) {
        self.inner.reconnecting.store(true, Ordering::Relaxed);
    }

    /// Records that a connection is subscribed to every channel again: back to
    /// [`Connected`](SubscriberState::Connected), and one more reconnection counted when the
    /// connection had been lost. Called by the adapter that owns the connection.
    pub fn subscribed(&self) {
        if self.inner.reconnecting.swap(false, Ordering::Relaxed) {
            self.inner.reconnects.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The health check of a RESP2 subscriber connection: whether `PING` gets an answer within
/// `timeout`.
///
/// Any reply that is not an error counts: in subscribe mode Redis answers a RESP2 `PING`
/// with the array `["pong", ""]`, not with `PONG`, so the reply is not read as a string.
pub async fn ping(sink: &mut PubSubSink, timeout: Duration) -> bool {
    let reply = tokio::time::timeout(timeout, sink.ping::<redis::Value>()).await;
    match reply {
        Ok(Ok(value)) => value.extract_error().is_ok(),
        Ok(Err(_)) | Err(_) => false,
    }
}

/// Runs `cmd` on `conn`; when that fails because the connection broke and `again` is set,
/// runs it once more. Each try may take up to `timeout`.
///
/// On such an error the `ConnectionManager` starts opening a new connection, so the second
/// try goes out on it: a command made just after Redis came back, or just after the
/// connection was cut, is not lost. A timeout is not tried again: Redis may still carry the
/// command out. One case can run the command twice: a reply lost with its connection after
/// Redis executed the command. Callers pass `again: false` while Redis is known to be away,
/// so an outage costs one wait, not one per command.
pub async fn query_once_more<T: FromRedisValue>(
    conn: &mut ConnectionManager,
    cmd: &Cmd,
    timeout: Duration,
    again: bool,
) -> RedisResult<T> {
    let first = within(timeout, cmd.query_async(conn)).await;
    match first {
        Err(e) if again && e.is_connection_dropped() => {
            tracing::debug!(error = %e, "redis command failed on a broken connection; trying once more");
            within(timeout, cmd.query_async(conn)).await
        }
        done => done,
    }
}

/// `query`, or a timeout error when it takes longer than `timeout`.
pub async fn within<T>(
    timeout: Duration,
    query: impl Future<Output = RedisResult<T>>,
) -> RedisResult<T> {
    tokio::time::timeout(timeout, query)
        .await
        .unwrap_or_else(|_| Err(timed_out()))
}

/// The error of a command that took too long.
pub fn timed_out() -> RedisError {
    RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_a_reconnection_once_it_is_subscribed() {
        let status = SubscriberStatus::new();
        let seen = status.clone();
        assert_eq!(seen.state(), SubscriberState::Connected);
        // The first subscription is not a reconnection.
        status.subscribed();
        assert_eq!(seen.reconnects(), 0);
        status.lost();
        assert_eq!(seen.state(), SubscriberState::Reconnecting);
        assert_eq!(seen.reconnects(), 0);
        status.lost();
        status.subscribed();
        assert_eq!(seen.state(), SubscriberState::Connected);
        assert_eq!(seen.reconnects(), 1);
        status.subscribed();
        assert_eq!(seen.reconnects(), 1);
    }
}

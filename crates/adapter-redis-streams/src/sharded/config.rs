//! [`ShardedAdapterConfig`]: the sharded adapter's settings, each with its default.

use std::time::Duration;

use crate::wire::SubscriptionMode;

/// Settings of the sharded pub/sub adapter. Where Node's `createShardedAdapter`
/// (`@socket.io/redis-adapter` 8.3.0) has the same setting, the default is the same, so
/// mixed clusters agree; the settings marked *cluster-wide* must be equal on every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardedAdapterConfig {
    /// Prefix of every channel (*cluster-wide*). Default `"socket.io"`: namespace `/` uses
    /// `socket.io#/#`, `socket.io#/#<uid>#` and `socket.io#/#<room>#`.
    pub channel_prefix: String,
    /// Which rooms get a channel of their own (*cluster-wide*). Default
    /// [`SubscriptionMode::Dynamic`]: every room that does not look like a socket id.
    ///
    /// Trade-off: with room channels, a broadcast to one room reaches only the servers
    /// hosting that room, at the price of one `SSUBSCRIBE` when a room gets its first member
    /// on a server and one `SUNSUBSCRIBE` when it loses its last; memory, one subscription
    /// (a channel name, in Redis and here) per room with members on this server.
    /// [`SubscriptionMode::Static`] subscribes to two channels per namespace and sends
    /// everything to every server; [`SubscriptionMode::DynamicPrivate`] also gives each
    /// socket's own room a channel (one subscription per connected socket).
    pub subscription_mode: SubscriptionMode,
    /// How long fetching sockets and server-side emits with acks wait for the other nodes.
    /// Default 5 s (the reference's).
    pub requests_timeout: Duration,
    /// Messages longer than this are dropped undecoded. Default 16 MiB.
    pub max_message_bytes: usize,
    /// Messages waiting to be published. Default 4,096. Memory: the queued messages
    /// themselves. When full, a broadcast is delivered to this server's clients only.
    pub write_queue: usize,
    /// How long one Redis command may take before it counts as failed. Default 2 s. It also
    /// bounds how long a join waits for its room's subscription.
    pub command_timeout: Duration,
    /// After a failed publish, how long messages skip Redis (this server's clients still get
    /// them). Default 1 s: a broadcast made while Redis is away waits at most one failed
    /// attempt, not one per message.
    pub retry_after: Duration,
    /// Longest wait between two attempts to reconnect (the subscriber's first attempt after
    /// a loss is made at once; the next ones wait 100 ms, doubling). Default 2 s.
    pub max_reconnect_delay: Duration,
}

impl Default for ShardedAdapterConfig {
    fn default() -> ShardedAdapterConfig {
        ShardedAdapterConfig {
            channel_prefix: "socket.io".to_owned(),
            subscription_mode: SubscriptionMode::Dynamic,
            requests_timeout: Duration::from_secs(5),
            max_message_bytes: 16 << 20,
            write_queue: 4096,
            command_timeout: Duration::from_secs(2),
            retry_after: Duration::from_secs(1),
            max_reconnect_delay: Duration::from_secs(2),
        }
    }
}

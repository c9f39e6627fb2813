//! [`RedisAdapterConfig`]: the adapter's settings, each with its default.

use std::time::Duration;

/// Settings of the Redis adapter. Every field has the default of Node's
/// `@socket.io/redis-adapter` where both have it, so mixed clusters agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisAdapterConfig {
    /// Prefix of every channel name (`<key>#<nsp>#`, `<key>-request#<nsp>#`, ...).
    /// Default `"socket.io"`; every node of a cluster must use the same.
    pub key: String,
    /// How long fetching sockets, listing rooms and server-side emits with acks wait for the
    /// other nodes. Default 5 s.
    pub requests_timeout: Duration,
    /// Publish answers on the asking node's own channel (`<key>-response#<nsp>#<uid>#`)
    /// instead of the shared one. Default `false`. Every node listens on both, so each may
    /// choose.
    pub publish_on_specific_response_channel: bool,
    /// Messages longer than this are dropped undecoded. Default 16 MiB.
    pub max_message_bytes: usize,
    /// Messages waiting to be published. While Redis is slow or away they wait here, in
    /// order, and go out once it is back; when the queue is full, further messages are
    /// dropped with a warning (local delivery goes on, the caller never waits). Default
    /// 4,096. Memory: the queued messages themselves.
    pub publish_queue: usize,
    /// Longest wait between two attempts to reconnect the subscriber connection (the first
    /// attempt after a loss is made at once; the next ones wait 100 ms, doubling). Default 2 s.
    /// Also the longest wait between two attempts of the publisher to reconnect.
    pub max_reconnect_delay: Duration,
    /// How long one Redis command may take before it is counted as failed. Default 2 s.
    pub command_timeout: Duration,
}

impl Default for RedisAdapterConfig {
    fn default() -> RedisAdapterConfig {
        RedisAdapterConfig {
            key: "socket.io".to_owned(),
            requests_timeout: Duration::from_secs(5),
            publish_on_specific_response_channel: false,
            max_message_bytes: 16 << 20,
            publish_queue: 4096,
            max_reconnect_delay: Duration::from_secs(2),
            command_timeout: Duration::from_secs(2),
        }
    }
}

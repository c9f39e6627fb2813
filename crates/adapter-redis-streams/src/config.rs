//! [`StreamsAdapterConfig`]: the adapter's settings, each with its default.

use std::time::Duration;

/// Settings of the Redis Streams adapter. Where Node's `@socket.io/redis-streams-adapter`
/// 0.3.1 has the same setting, the default is the same, so mixed clusters agree; the
/// settings marked *cluster-wide* must be equal on every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsAdapterConfig {
    /// Name of the stream (*cluster-wide*). Default `"socket.io"`.
    pub stream_name: String,
    /// Number of streams the namespaces are spread over (*cluster-wide*). Default 1. With
    /// more, namespace `nsp` uses `<stream_name>-<hash(nsp) % count>` and the server runs
    /// one reader (one Redis connection) per stream it uses.
    pub stream_count: usize,
    /// Prefix of the pub/sub channels (*cluster-wide*). Default `"socket.io"`.
    pub channel_prefix: String,
    /// Approximate length the stream is trimmed to on each write (`MAXLEN ~`). Default
    /// 10,000. Memory (in Redis): that many entries of every message size. It bounds how far
    /// back connection state recovery reaches: a client whose offset was trimmed gets a
    /// fresh session.
    pub max_len: usize,
    /// Entries fetched per `XREAD` (and per page when restoring a session). Default 100.
    pub read_count: usize,
    /// How long one `XREAD` blocks waiting for entries. Default 5 s. Shorter wakes the
    /// reader more often for nothing; it does not change latency.
    pub block_time: Duration,
    /// Prefix of the keys holding sessions (*cluster-wide*). Default `"sio:session:"`.
    pub session_key_prefix: String,
    /// Write binary-carrying entries as JSON too (binary then arrives as
    /// `{"type":"Buffer","data":[...]}`) instead of base64 MessagePack. Default `false`.
    pub only_plaintext: bool,
    /// How long fetching sockets and server-side emits with acks wait for the other nodes.
    /// Default 5 s (the reference's).
    pub requests_timeout: Duration,
    /// Messages and entries longer than this are dropped undecoded. Default 16 MiB.
    pub max_message_bytes: usize,
    /// Writes (stream entries and pub/sub messages) waiting for Redis. Default 4,096.
    /// Memory: the queued messages themselves. When full, a broadcast or direct emit is
    /// delivered to this server's clients at once without an offset, and not sent to the
    /// other servers.
    pub write_queue: usize,
    /// How long one Redis command may take before it counts as failed. Default 2 s.
    pub command_timeout: Duration,
    /// After a failed write, how long writes go straight to local delivery without trying
    /// Redis. Default 1 s: a broadcast made while Redis is away waits at most one failed
    /// attempt, not one per message.
    pub retry_after: Duration,
    /// Longest wait between two attempts to reconnect the pub/sub connection (the first
    /// attempt after a loss is made at once; the next ones wait 100 ms, doubling). Default 2 s.
    pub max_reconnect_delay: Duration,
}

impl Default for StreamsAdapterConfig {
    fn default() -> StreamsAdapterConfig {
        StreamsAdapterConfig {
            stream_name: "socket.io".to_owned(),
            stream_count: 1,
            channel_prefix: "socket.io".to_owned(),
            max_len: 10_000,
            read_count: 100,
            block_time: Duration::from_secs(5),
            session_key_prefix: "sio:session:".to_owned(),
            only_plaintext: false,
            requests_timeout: Duration::from_secs(5),
            max_message_bytes: 16 << 20,
            write_queue: 4096,
            command_timeout: Duration::from_secs(2),
            retry_after: Duration::from_secs(1),
            max_reconnect_delay: Duration::from_secs(2),
        }
    }
}

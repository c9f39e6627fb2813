//! Connection settings.

use std::time::Duration;

use ws_frame::Limits;
use ws_handshake::DeflatePolicy;

/// Settings for one connection (server or client).
///
/// ```
/// use std::time::Duration;
/// use wsio_ws::Config;
///
/// let config = Config {
///     keepalive: Some(Duration::from_secs(20)),
///     ..Config::default()
/// };
/// assert_eq!(config.max_write_buffer, 64 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct Config {
    /// Frame, message and fragment limits for what the peer sends. Default [`Limits::default`]
    /// (16 MiB frames and messages, 65,536 fragments). The message limit is the worst-case
    /// receive memory of one connection.
    pub limits: Limits,
    /// Limits on the opening handshake's head. Default 8 KiB and 64 headers.
    pub handshake_limits: ws_handshake::Limits,
    /// Bytes of encoded frames that may wait to be written before `send` waits (and
    /// `try_send` refuses). Default 64 KiB. A peer that stops reading can hold at most this
    /// much (plus one message) of our memory.
    pub max_write_buffer: usize,
    /// How much room to make in the read buffer before each read. Default 4 KiB. Larger reads
    /// mean fewer system calls for big messages; the buffer is released when the connection is
    /// idle, so this costs nothing between messages.
    pub read_chunk: usize,
    /// How long [`WebSocket::close`](crate::WebSocket::close) waits for the peer's close frame.
    /// Default 5 s.
    pub close_timeout: Duration,
    /// Send a ping after this long without hearing from the peer, and give up on the
    /// connection if another such period passes in silence. Default `None` (off): raw
    /// WebSocket leaves liveness to the application.
    pub keepalive: Option<Duration>,
    /// permessage-deflate: `Some` offers it (client) or accepts offers (server) within this
    /// policy. Default `Some(DeflatePolicy::default())`. Costs about 300 KiB per connection at
    /// window 15 while compression contexts exist; see `ws_frame::DeflateConfig`.
    pub deflate: Option<DeflatePolicy>,
    /// Messages smaller than this many bytes are sent uncompressed. Default 64.
    pub compression_threshold: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            handshake_limits: ws_handshake::Limits::default(),
            max_write_buffer: 64 * 1024,
            read_chunk: 4096,
            close_timeout: Duration::from_secs(5),
            keepalive: None,
            deflate: Some(DeflatePolicy::default()),
            compression_threshold: 64,
        }
    }
}

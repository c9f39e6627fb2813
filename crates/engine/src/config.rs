//! Engine.IO settings: every knob with its default, its trade-off and its memory cost.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::cors::Cors;

/// Decides about a request before any session exists (Origin, cookies, headers): `Ok(())`
/// lets it through, `Err(message)` answers 403 `{"code":4,"message":...}`.
pub type AllowRequest = Arc<dyn Fn(&http::request::Parts) -> Result<(), String> + Send + Sync>;

/// Settings of an [`Engine`](crate::Engine).
///
/// ```
/// use std::time::Duration;
/// use wsio_engine::EngineConfig;
///
/// let config = EngineConfig {
///     ping_interval: Duration::from_secs(10),
///     ..EngineConfig::default()
/// };
/// assert_eq!(config.max_payload, 1_000_000);
/// ```
#[derive(Clone)]
pub struct EngineConfig {
    /// The HTTP path of the Engine.IO endpoint, with both slashes. Default `/engine.io/`
    /// (the reference's; a Socket.IO server uses `/socket.io/`).
    pub path: String,
    /// Time between server pings. Default 25 s (the reference's). Shorter detects dead peers
    /// sooner at the cost of one small packet per interval per session; each session holds one
    /// timer whatever the value.
    pub ping_interval: Duration,
    /// How long a peer has to answer a ping before the session closes with `ping timeout`.
    /// Default 20 s. Too short drops clients on slow networks (or throttled browser tabs).
    pub ping_timeout: Duration,
    /// Largest polling body and largest WebSocket message accepted, in bytes. Default
    /// 1,000,000 (the reference's). A peer can make the server hold up to this much per
    /// request in flight (polling bodies are refused before buffering when their declared
    /// length is larger, and cut off as soon as they grow past it).
    pub max_payload: usize,
    /// How long a polling session may take to finish a WebSocket upgrade (`2probe` … `5`).
    /// Default 10 s. The probing WebSocket holds its buffers until then.
    pub upgrade_timeout: Duration,
    /// How long an HTTP connection may take to send a request head: from the moment it is
    /// accepted, and again each time it goes idle after a response (keep-alive). A peer that
    /// sends its head slowly, sends nothing, or keeps an idle connection open past this is
    /// disconnected. `None` sets no deadline.
    ///
    /// It applies only while the server waits for a request head: a request being served (a
    /// polling GET held for up to [`ping_interval`](Self::ping_interval), a POST body) and an
    /// upgraded WebSocket are never cut by it.
    ///
    /// Default 10 s. A real client sends its head at once, so 10 s leaves room for a slow
    /// link losing packets while letting go of a stalled peer six times sooner than Node's
    /// 60 s `headersTimeout`; Node closes idle keep-alive connections sooner still (5 s
    /// `keepAliveTimeout`). Shorter frees such peers sooner and makes clients between
    /// requests reconnect more often. Memory cost: a connection waiting for its head holds
    /// its socket, its task and hyper's read buffer (8 KiB to start); the deadline bounds how
    /// long, so a peer opening connections it never uses holds only those of the last 10 s.
    pub header_read_timeout: Option<Duration>,
    /// How long a session may stay open before the layer above confirms it
    /// ([`Session::confirm`](crate::Session::confirm); Socket.IO does when the client joins a
    /// namespace); then it closes with `forced close`. Default 45 s (the reference's
    /// `connectTimeout`). Shorter frees sessions that never get anywhere sooner; each holds
    /// its queue and timer until then.
    pub connect_timeout: Duration,
    /// Items ([`Outgoing`](crate::Outgoing), plus pings) that may wait for one session's
    /// transport. Default 1024. When full, volatile items are dropped; any other item closes
    /// the session as a slow consumer (`transport error`) and the push returns
    /// [`Error::QueueFull`](crate::Error::QueueFull). Each waiting item costs 64 bytes; a
    /// shared one ([`Outgoing::Shared`](crate::Outgoing::Shared)) no copy of its bytes.
    pub queue_capacity: usize,
    /// permessage-deflate on WebSocket transports. Default `None` (off, as in the reference).
    /// [`wsio_ws::Config::LEAN_DEFLATE`] (no context takeover) is the economical choice: each
    /// message borrows its thread's compressor, so an idle connection holds about 2 KiB;
    /// [`DeflatePolicy::default`](ws_handshake::DeflatePolicy::default) keeps context takeover
    /// when the client offers it, about 300 KiB per connection for a better ratio on
    /// repetitive streams (`wsio_ws::Config::deflate` has the measured trade-off).
    pub deflate: Option<ws_handshake::DeflatePolicy>,
    /// Messages shorter than this many bytes are sent uncompressed when a connection agreed
    /// permessage-deflate (it has no effect otherwise). Default 64 bytes
    /// (`wsio_ws::Config::default().compression_threshold`). Compressing a short message
    /// costs a compressor pass and saves little or nothing (deflate's few bytes of framing can
    /// even make it larger); a higher threshold spends less CPU on chatty small events and
    /// sends more bytes, a lower one the reverse.
    pub deflate_threshold: usize,
    /// Bytes of encoded frames a WebSocket transport may buffer before sends wait. Default
    /// 64 KiB per connection.
    pub ws_write_buffer: usize,
    /// Cross-origin settings for polling requests. Default `None`: no CORS headers, so
    /// browsers only reach the server from its own origin.
    pub cors: Option<Cors>,
    /// A hook run on every handshake and upgrade request. Default `None` (allow all).
    pub allow_request: Option<AllowRequest>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            path: "/engine.io/".to_owned(),
            ping_interval: Duration::from_secs(25),
            ping_timeout: Duration::from_secs(20),
            max_payload: 1_000_000,
            upgrade_timeout: Duration::from_secs(10),
            header_read_timeout: Some(Duration::from_secs(10)),
            connect_timeout: Duration::from_secs(45),
            queue_capacity: 1024,
            deflate: None,
            deflate_threshold: wsio_ws::Config::default().compression_threshold,
            ws_write_buffer: 64 * 1024,
            cors: None,
            allow_request: None,
        }
    }
}

impl EngineConfig {
    /// The WebSocket settings for a transport under this configuration.
    pub(crate) fn ws_config(&self) -> wsio_ws::Config {
        let mut config = wsio_ws::Config {
            deflate: self.deflate,
            compression_threshold: self.deflate_threshold,
            max_write_buffer: self.ws_write_buffer,
            ..wsio_ws::Config::default()
        };
        config.limits.max_message_size = self.max_payload;
        config.limits.max_frame_size = self.max_payload;
        config
    }
}

impl fmt::Debug for EngineConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineConfig")
            .field("path", &self.path)
            .field("ping_interval", &self.ping_interval)
            .field("ping_timeout", &self.ping_timeout)
            .field("max_payload", &self.max_payload)
            .field("upgrade_timeout", &self.upgrade_timeout)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("queue_capacity", &self.queue_capacity)
            .field("deflate", &self.deflate)
            .field("deflate_threshold", &self.deflate_threshold)
            .field("ws_write_buffer", &self.ws_write_buffer)
            .field("cors", &self.cors)
            .field("allow_request", &self.allow_request.is_some())
            .finish()
    }
}

//! Server settings: the Engine.IO transport's ([`EngineConfig`]) and the Socket.IO layer's.

use std::fmt;
use std::time::Duration;

use event_proto::AnyParser;
use wsio_engine::{AllowRequest, Cors, EngineConfig};

use crate::adapter_factory::AdapterFactory;
use crate::recovery::RecoveryConfig;

/// Settings of a [`Server`](crate::Server): those of its Engine.IO endpoint (the fields that
/// [`EngineConfig`] documents in full, with their defaults, trade-offs and memory costs;
/// [`Config::engine_config`] hands them over), then the Socket.IO layer's.
///
/// ```
/// use std::time::Duration;
/// use wsio_server::Config;
///
/// let config = Config {
///     ping_interval: Duration::from_secs(10),
///     ..Config::default()
/// };
/// assert_eq!(config.max_payload, 1_000_000);
/// assert_eq!(config.engine_config().ping_interval, Duration::from_secs(10));
/// assert_eq!(config.engine_config().deflate_threshold, 64);
/// ```
#[derive(Clone)]
pub struct Config {
    /// The HTTP path of the Engine.IO endpoint, with both slashes. Default `/socket.io/`
    /// ([`EngineConfig::path`]).
    pub path: String,
    /// Time between server pings. Default 25 s ([`EngineConfig::ping_interval`]).
    pub ping_interval: Duration,
    /// How long a peer has to answer a ping. Default 20 s ([`EngineConfig::ping_timeout`]).
    pub ping_timeout: Duration,
    /// Largest polling body and largest WebSocket message accepted, in bytes. Default
    /// 1,000,000 ([`EngineConfig::max_payload`]).
    pub max_payload: usize,
    /// How long a polling session may take to finish a WebSocket upgrade. Default 10 s
    /// ([`EngineConfig::upgrade_timeout`]).
    pub upgrade_timeout: Duration,
    /// How long an HTTP connection may take to send a request head. Default 10 s
    /// ([`EngineConfig::header_read_timeout`]).
    pub header_read_timeout: Option<Duration>,
    /// How long a client has, once its Engine.IO session is open, to join a namespace.
    /// Default 45 s (the reference's `connectTimeout`; [`EngineConfig::connect_timeout`]).
    pub connect_timeout: Duration,
    /// Encoded Socket.IO packets (plus pings) that may wait for one session's transport.
    /// Default 1024 ([`EngineConfig::queue_capacity`]). When full, volatile packets are
    /// dropped; any other packet closes the connection as a slow consumer (`transport error`)
    /// and the emit returns [`EmitError::QueueFull`](crate::EmitError::QueueFull). A queued
    /// broadcast costs one shared reference, not a copy of its bytes.
    pub queue_capacity: usize,
    /// Bounds on Socket.IO binary attachments (count and total size per packet). Default
    /// [`event_proto::Limits::default`]: 10 attachments, 1,000,000 bytes. Its `max_payload`
    /// is not used: one packet's message is bounded by [`max_payload`](Self::max_payload).
    pub limits: event_proto::Limits,
    /// permessage-deflate on WebSocket transports. Default `None`;
    /// [`wsio_ws::Config::LEAN_DEFLATE`] compresses without keeping a compressor per
    /// connection ([`EngineConfig::deflate`] compares the policies).
    pub deflate: Option<ws_handshake::DeflatePolicy>,
    /// Messages shorter than this many bytes are sent uncompressed on connections that agreed
    /// permessage-deflate. Default 64 ([`EngineConfig::deflate_threshold`] has the
    /// trade-off).
    pub deflate_threshold: usize,
    /// Bytes of encoded frames a WebSocket transport may buffer before sends wait. Default
    /// 64 KiB ([`EngineConfig::ws_write_buffer`]).
    pub ws_write_buffer: usize,
    /// Cross-origin settings for polling requests. Default `None` ([`EngineConfig::cors`]).
    pub cors: Option<Cors>,
    /// A hook run on every handshake and upgrade request. Default `None` (allow all;
    /// [`EngineConfig::allow_request`]).
    pub allow_request: Option<AllowRequest>,
    /// Chooses each namespace's [`Adapter`](crate::Adapter) when the namespace is created.
    /// Default `None`: every namespace gets its own in-memory
    /// [`LocalAdapter`](crate::LocalAdapter) (one entry per socket-room pair each way). An
    /// adapter spanning several servers (Redis, a message bus) plugs in here.
    pub adapter: Option<AdapterFactory>,
    /// Connection state recovery ([`RecoveryConfig`]). Default `None` (off, as in the
    /// reference). When on, a client whose transport dropped gets its socket id, rooms, data
    /// and missed events back if it reconnects in time; the server keeps each namespace's
    /// recent packets (bounded by count and age) and the sessions of abnormal disconnects.
    pub connection_state_recovery: Option<RecoveryConfig>,
    /// How Socket.IO packets are written and read. Default [`AnyParser::Json`], what every
    /// Socket.IO client speaks out of the box. [`AnyParser::MsgPack`] serves clients built
    /// with `socket.io-msgpack-parser` (or python-socketio's `serializer='msgpack'`) and
    /// only them: nothing in the handshake says which parser a server uses, so both ends
    /// must be configured alike. MessagePack carries binary data inline (one message per
    /// packet) and is smaller for numbers and long structured payloads; over long-polling
    /// each packet is base64-encoded (+33 %). Same memory either way. `docs/parsers.md`
    /// compares the two.
    pub parser: AnyParser,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_engine(EngineConfig {
            path: "/socket.io/".to_owned(),
            ..EngineConfig::default()
        })
    }
}

impl Config {
    /// The Socket.IO defaults over the Engine.IO settings `engine`.
    pub fn from_engine(engine: EngineConfig) -> Config {
        let EngineConfig {
            path,
            ping_interval,
            ping_timeout,
            max_payload,
            upgrade_timeout,
            header_read_timeout,
            connect_timeout,
            queue_capacity,
            deflate,
            deflate_threshold,
            ws_write_buffer,
            cors,
            allow_request,
        } = engine;
        Config {
            path,
            ping_interval,
            ping_timeout,
            max_payload,
            upgrade_timeout,
            header_read_timeout,
            connect_timeout,
            queue_capacity,
            limits: event_proto::Limits::default(),
            deflate,
            deflate_threshold,
            ws_write_buffer,
            cors,
            allow_request,
            adapter: None,
            connection_state_recovery: None,
            parser: AnyParser::Json,
        }
    }

    /// The settings of the server's Engine.IO endpoint.
    pub fn engine_config(&self) -> EngineConfig {
        EngineConfig {
            path: self.path.clone(),
            ping_interval: self.ping_interval,
            ping_timeout: self.ping_timeout,
            max_payload: self.max_payload,
            upgrade_timeout: self.upgrade_timeout,
            header_read_timeout: self.header_read_timeout,
            connect_timeout: self.connect_timeout,
            queue_capacity: self.queue_capacity,
            deflate: self.deflate,
            deflate_threshold: self.deflate_threshold,
            ws_write_buffer: self.ws_write_buffer,
            cors: self.cors.clone(),
            allow_request: self.allow_request.clone(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("engine", &self.engine_config())
            .field("limits", &self.limits)
            .field("adapter", &self.adapter.is_some())
            .field("connection_state_recovery", &self.connection_state_recovery)
            .field("parser", &self.parser)
            .finish()
    }
}

//! Client settings and their defaults.

use std::time::Duration;

use event_proto::AnyParser;

/// Which Engine.IO transports the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transports {
    /// Open over HTTP long-polling, then probe a WebSocket and move the session to it when the
    /// probe succeeds (the JavaScript client's default). When the WebSocket is blocked or the
    /// upgrade is refused, the session keeps working over long-polling.
    #[default]
    PollingThenUpgrade,
    /// HTTP long-polling only.
    Polling,
    /// WebSocket only: one round trip less, no fallback.
    WebSocket,
    /// WebTransport only (feature `webtransport`; without it every connection attempt fails
    /// with [`Error::WebTransport`](crate::Error::WebTransport)): HTTP/3 over QUIC, on UDP at
    /// the URL's port number, always over TLS ([`WebTransportConfig`] for the certificate).
    WebTransport,
    /// Open over HTTP long-polling, then move to WebTransport when the server offers it
    /// (`"webtransport"` in its handshake's `upgrades`), else to WebSocket: as socket.io-client
    /// does with all three transports allowed, WebTransport is preferred. When the WebTransport
    /// probe fails (UDP blocked, an untrusted certificate), a WebSocket is probed next if the
    /// server offers one; when that fails too the session stays on polling. Feature
    /// `webtransport`; without it this behaves as [`PollingThenUpgrade`](Self::PollingThenUpgrade).
    PollingThenWebTransport,
}

/// How the WebTransport transport trusts the server (feature `webtransport`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebTransportConfig {
    /// SHA-256 digests of server certificates to accept without a certificate authority, as
    /// browsers' `serverCertificateHashes`: when any is given, the server's certificate must
    /// hash to one of them, be valid now for at most 14 days, and have an ECDSA P-256 key
    /// (what `wsio cert` makes); the trust roots are not consulted. Default none: the server
    /// is verified as over `https://`, with the client's TLS configuration
    /// ([`ClientBuilder::tls_config`](crate::ClientBuilder), or the built-in roots of the
    /// `rustls-webpki-roots` feature).
    pub server_certificate_hashes: Vec<[u8; 32]>,
}

/// Automatic reconnection: exponential backoff with jitter, like the JavaScript client.
///
/// The delay before attempt `n` (from 1) is `initial_delay * 2^(n-1)`, moved by a random
/// amount of up to `randomization_factor` of itself in either direction, and capped at
/// `max_delay`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconnection {
    /// Reconnect at all. Default `true`.
    pub enabled: bool,
    /// Attempts before giving up (then `on_reconnect_failed` runs). Default `None`: forever.
    pub max_attempts: Option<u32>,
    /// Delay before the first attempt. Default 1 s.
    pub initial_delay: Duration,
    /// Largest delay between attempts. Default 5 s.
    pub max_delay: Duration,
    /// Jitter, between 0 (none) and 1. Default 0.5: a 1 s delay becomes 0.5–1.5 s, so clients
    /// that lost the same server do not all come back at once.
    pub randomization_factor: f64,
}

impl Default for Reconnection {
    fn default() -> Self {
        Reconnection {
            enabled: true,
            max_attempts: None,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(5),
            randomization_factor: 0.5,
        }
    }
}

/// Everything the client can be tuned with; [`ClientBuilder`](crate::ClientBuilder) sets the
/// fields. Every bound below caps memory: nothing the client buffers grows without limit.
#[derive(Debug, Clone)]
pub struct Config {
    /// Transports. Default [`Transports::PollingThenUpgrade`].
    pub transports: Transports,
    /// How Socket.IO packets are written: [`AnyParser::Json`] (the default, what every
    /// server speaks unless configured otherwise) or [`AnyParser::MsgPack`] (for a server
    /// using the MessagePack parser; smaller binary payloads, and binary data travels inline
    /// instead of as separate attachments). It must match the server's parser: with a
    /// mismatch neither side can decode the other's packets and the connection fails.
    pub parser: AnyParser,
    /// Engine.IO path on the server. Default `/socket.io/`.
    pub path: String,
    /// Extra query parameters sent with every Engine.IO request. Default none.
    pub query: Vec<(String, String)>,
    /// Extra HTTP headers sent with every polling request and the WebSocket handshake
    /// (cookies, authorization). Default none.
    pub headers: Vec<(String, String)>,
    /// Reconnection policy. Default [`Reconnection::default`].
    pub reconnection: Reconnection,
    /// Time allowed to open an Engine.IO session (TCP, TLS, handshake) and for a WebSocket
    /// upgrade probe. Default 20 s, like the JavaScript client's `timeout`.
    pub connect_timeout: Duration,
    /// Emits that may wait, per namespace, while the namespace is not connected; they are sent
    /// in order once it (re)connects. Beyond this, emits fail with
    /// [`Error::BufferFull`](crate::Error::BufferFull); volatile emits are never buffered.
    /// Default 1,024: each entry holds one encoded packet.
    pub max_buffered_emits: usize,
    /// Packets that may wait for the transport while connected. When full, emits fail with
    /// [`Error::QueueFull`](crate::Error::QueueFull) and volatile emits are dropped.
    /// Default 1,024.
    pub outgoing_queue: usize,
    /// Emits awaiting an acknowledgement, per namespace. Default 1,024.
    pub max_pending_acks: usize,
    /// Events that may arrive for a namespace between its `CONNECT` and the server's reply:
    /// the missed events a server with connection state recovery replays before it confirms
    /// the join. They are held, then dispatched before the connect handlers. Beyond this the
    /// connection is dropped (`parse error`) and the namespace forgets its session, so the
    /// next connection starts a fresh one instead of replaying the same backlog again.
    /// Default 10,000 (the Socket.IO server's default bound on the packets it keeps for
    /// replay); each entry holds one decoded packet.
    pub max_replayed_events: usize,
    /// Bounds on what the server may make the client buffer: the largest polling body and
    /// the attachments of one packet. Default 16 MiB each, at most 10 attachments; a polling
    /// body is held in memory while it is decoded.
    pub limits: event_proto::Limits,
    /// WebSocket settings (message size limit, compression). Default [`wsio_ws::Config`]'s.
    /// Its [`handshake_timeout`](wsio_ws::Config::handshake_timeout) (10 s by default) bounds
    /// the WebSocket handshake within [`connect_timeout`](Self::connect_timeout).
    pub websocket: wsio_ws::Config,
    /// WebTransport settings (feature `webtransport`): the certificates it accepts.
    pub webtransport: WebTransportConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            transports: Transports::default(),
            parser: AnyParser::Json,
            path: "/socket.io/".to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            reconnection: Reconnection::default(),
            connect_timeout: Duration::from_secs(20),
            max_buffered_emits: 1024,
            outgoing_queue: 1024,
            max_pending_acks: 1024,
            max_replayed_events: 10_000,
            limits: event_proto::Limits {
                max_payload: 16 * 1024 * 1024,
                max_attachments: 10,
                max_attachment_bytes: 16 * 1024 * 1024,
            },
            websocket: wsio_ws::Config::default(),
            webtransport: WebTransportConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_javascript_client() {
        let c = Config::default();
        assert_eq!(c.transports, Transports::PollingThenUpgrade);
        assert_eq!(c.reconnection.initial_delay, Duration::from_secs(1));
        assert_eq!(c.reconnection.max_delay, Duration::from_secs(5));
        assert_eq!(c.reconnection.max_attempts, None);
        assert!(c.reconnection.enabled);
        assert_eq!(c.connect_timeout, Duration::from_secs(20));
        assert_eq!(c.path, "/socket.io/");
    }
}

//! Connection settings.

use std::time::Duration;

use ws_frame::Limits;
use ws_handshake::DeflatePolicy;

use crate::Error;

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
/// assert_eq!(config.handshake_timeout, Some(Duration::from_secs(10)));
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
    /// How long the closing handshake may take once our close frame is queued, until the
    /// transport is shut down: how long [`WebSocket::close`](crate::WebSocket::close) waits for
    /// the peer's close frame, and how long a connection that echoed the peer's close or failed
    /// for a protocol error may take to write it. Counted while receiving (`recv`, `close`);
    /// when it passes, receiving ends with [`Error::CloseTimeout`](crate::Error::CloseTimeout).
    /// Default 5 s.
    pub close_timeout: Duration,
    /// Send a ping after this long without hearing from the peer, and give up on the
    /// connection if another such period passes in silence. Default `None` (off): raw
    /// WebSocket leaves liveness to the application.
    pub keepalive: Option<Duration>,
    /// permessage-deflate: `Some` offers it (client) or accepts offers (server) within this
    /// policy. Default `Some(`[`Config::LEAN_DEFLATE`]`)`: no context takeover either way.
    ///
    /// Without context takeover every message is compressed on its own, so no connection
    /// holds a compressor or decompressor between messages: each message borrows its thread's
    /// spare one and hands it back reset (see `ws_frame::DeflateConfig::shared_contexts`).
    /// A server may always answer `server_no_context_takeover` and `client_no_context_takeover`
    /// (RFC 7692 §7.1.1), and browsers and the usual clients accept both; a client asks for
    /// both in its offer.
    ///
    /// Trade-off, measured with `benches/benches/deflate_contexts.rs` (Socket.IO-like JSON,
    /// level 1, a stream of different messages of one shape; compress plus inflate, medians):
    ///
    /// | message | ratio without / with takeover | time without / with takeover |
    /// |---|---:|---:|
    /// | 16 KiB | 19.8 % / 17.7 % | 31 µs / 31 µs |
    /// | 1 KiB | 29.1 % / 18.7 % | 5.0 µs / 2.4 µs |
    ///
    /// Without takeover a message cannot refer to the ones before it, so the wire carries more
    /// (12 % more bytes at 16 KiB, 55 % more at 1 KiB; a message identical to the previous one
    /// shrinks to 19 % instead of 3 %). The reset of the borrowed compressor after each
    /// message zeroes its 128 KiB hash table, about 2.5 µs: nothing next to the work on a
    /// 16 KiB message, twice the time of a 1 KiB one. Where messages are small, similar and
    /// many, and memory is plentiful, context takeover is the better choice.
    ///
    /// Memory per idle connection that negotiated deflate: nothing beyond a plain connection
    /// with this default (a thread holds one spare compressor, 371 KiB, and decompressor,
    /// 46 KiB, whatever the number of connections); with context takeover
    /// (`Some(DeflatePolicy::default())`, the better ratio) about 420 KiB of heap (330 KiB of
    /// RSS) per connection that sent and received a compressed message, for the connection's
    /// lifetime: its own compressor and decompressor. A smaller `server_max_window_bits`
    /// shrinks the compressor only to 245 KiB (its hash table is fixed), so it is no way to
    /// save memory.
    pub deflate: Option<DeflatePolicy>,
    /// Messages smaller than this many bytes are sent uncompressed. Default 64.
    pub compression_threshold: usize,
    /// How long the opening handshake may take, from its start to the connection being
    /// ready; `None` sets no deadline (for a caller that bounds the handshake itself).
    ///
    /// * Server ([`accept`](crate::accept), [`accept_with`](crate::accept_with)): reading the
    ///   request head and writing the answer. A peer that sends its head slowly (a byte every
    ///   few seconds) or not at all is cut off here.
    /// * Client: [`connect_on`](crate::connect_on) writes the request and waits for the
    ///   server's `101` response within it; [`connect`](crate::connect) also opens TCP (and
    ///   TLS) within the same deadline.
    ///
    /// When it passes, the call fails with
    /// [`Error::HandshakeTimeout`](crate::Error::HandshakeTimeout) and drops the stream, which
    /// closes it (a server sends no answer).
    ///
    /// Default 10 s. A real peer sends its whole head at once, so it arrives within a round
    /// trip or two; 10 s leaves room for a slow mobile link losing the same packet three times
    /// (TCP retransmits after 1 s, then 2 s, then 4 s) while letting go of a stalled peer six
    /// times sooner than Node's 60 s `headersTimeout`. Shorter frees such peers sooner and
    /// risks cutting off genuinely slow ones. Memory cost: a connection still in its handshake
    /// holds its socket, its task and a read buffer of up to about
    /// [`handshake_limits`](Self::handshake_limits)`.max_header_bytes` (8 KiB by default); the
    /// deadline bounds how long, so a peer opening connections it never completes holds only
    /// those of the last 10 s instead of accumulating them without end.
    pub handshake_timeout: Option<Duration>,
    /// Client: whether [`connect`](crate::connect) (and `connect_with_tls`) opens the
    /// WebSocket over HTTP/2 (RFC 8441 extended CONNECT). Default
    /// [`Http2Mode::Off`](crate::Http2Mode::Off): HTTP/1.1, as without the feature;
    /// [`Http2Mode::Prefer`](crate::Http2Mode::Prefer) negotiates it by ALPN on `wss://` and
    /// falls back to HTTP/1.1; [`Http2Mode::PriorKnowledge`](crate::Http2Mode::PriorKnowledge)
    /// requires it (h2c on `ws://`). Servers ignore it. Feature `http2`.
    #[cfg(feature = "http2")]
    pub http2: crate::Http2Mode,
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
            deflate: Some(Config::LEAN_DEFLATE),
            compression_threshold: 64,
            handshake_timeout: Some(Duration::from_secs(10)),
            #[cfg(feature = "http2")]
            http2: crate::Http2Mode::Off,
        }
    }
}

impl Config {
    /// The default permessage-deflate policy ([`Config::deflate`]): no context takeover in
    /// either direction, 32 KiB windows. An idle connection holds no compression state.
    pub const LEAN_DEFLATE: DeflatePolicy = DeflatePolicy {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
        allow_server_no_context_takeover: true,
    };
}

/// Runs `handshake` within `deadline` (a [`Config::handshake_timeout`]):
/// [`Error::HandshakeTimeout`] when it passes first (`handshake` is dropped, and with it any
/// stream it owns).
pub(crate) async fn within_handshake_deadline<T>(
    deadline: Option<Duration>,
    handshake: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        Some(limit) => tokio::time::timeout(limit, handshake)
            .await
            .unwrap_or_else(|_| {
                tracing::debug!(deadline = ?limit, "opening handshake timed out");
                Err(Error::HandshakeTimeout)
            }),
        None => handshake.await,
    }
}

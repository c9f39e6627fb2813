//! The WebTransport endpoint (feature `webtransport`): HTTP/3 over QUIC on a UDP socket, each
//! WebTransport session on the Engine.IO path carrying one Engine.IO session over its first
//! bidirectional stream, as socket.io-client 4.7+ (engine.io-client 6.5+) opens it.
//!
//! The stack is `wtransport` (on quinn and rustls): a maintained WebTransport server over the
//! QUIC implementation most of the Rust ecosystem uses, on tokio and the rustls that already
//! serves HTTPS here (the same certificate resolver serves both), with no C dependency beyond
//! ring.
//!
//! A session starts as `event_proto::engine::webtransport` describes: the client opens the
//! WebTransport session at the Engine.IO path (engine.io-client 6.6 adds no query), then one
//! bidirectional
//! stream, and writes an `open` packet first: with no data it asks for a new session, answered
//! on the stream with the handshake (no upgrades: nothing is better than WebTransport); with
//! `{"sid":...}` it moves a polling session here through the usual probe (`2probe`, `3probe`,
//! `5`). Then the session's packets go both ways on that stream ([`StreamCarrier`]) with the
//! same queue, heartbeat and close as on a WebSocket.

use std::future::Future;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use event_proto::engine::webtransport::StreamStart;
use wtransport::config::QuicTransportConfig;
use wtransport::endpoint::{IncomingSession, SessionRequest};
use wtransport::quinn::VarInt as QuicVarInt;
use wtransport::{Endpoint, ServerConfig};

use crate::carrier::{Carrier, Inbound, carry, probe};
use crate::close_reason::CloseReason;
use crate::engine::{Engine, Handler};
use crate::outgoing::Outgoing;
use crate::request::query_param;
use crate::response::RefusalReason;
use crate::session::Transport;
use crate::wt_stream::StreamCarrier;

/// The ALPN token of HTTP/3.
const H3: &[u8] = b"h3";

/// Streams a client may open at once: its CONNECT request and the Engine.IO stream, with room
/// to spare. Further streams wait.
const MAX_BIDI_STREAMS: u32 = 4;

/// Unidirectional streams a client may open at once: HTTP/3's control and QPACK streams, with
/// room to spare.
const MAX_UNI_STREAMS: u32 = 8;

/// Flow-control windows: what one stream, and one connection, may make the server buffer.
const STREAM_WINDOW: u32 = 1024 * 1024;
const CONNECTION_WINDOW: u32 = 2 * 1024 * 1024;

/// Unacknowledged bytes the server keeps for one connection.
const SEND_WINDOW: u64 = 2 * 1024 * 1024;

/// Datagrams (unused by Engine.IO) a client may leave unread, in bytes.
const DATAGRAM_BUFFER: usize = 16 * 1024;

/// How long the endpoint waits, once stopped, for its connections to close.
const DRAIN: Duration = Duration::from_secs(1);

/// Application error code closing a WebTransport session the server refuses.
const REFUSED: u32 = 1;

impl<H: Handler> Engine<H> {
    /// Serves the WebTransport transport on `socket` (UDP) with `tls` until `stop` resolves,
    /// then closes every session with `server shutting down` and waits up to a second for
    /// the connections to close. Feature `webtransport`.
    ///
    /// While it runs, polling handshakes offer `"webtransport"` as an upgrade (after
    /// `"websocket"`). Browsers reach it at `https://<host>:<port><path>`: serve it on the
    /// port number of the HTTPS server, with the same certificate, or pin a short-lived
    /// self-signed one with `serverCertificateHashes` (docs/webtransport.md).
    ///
    /// `tls` must allow TLS 1.3 with `TLS13_AES_128_GCM_SHA256` (any configuration on
    /// rustls' ring or aws-lc-rs provider does); its ALPN list is replaced with `h3`. Each
    /// client's QUIC connection may open 4 bidirectional and 8 unidirectional streams at
    /// once, buffer 1 MiB per stream and 2 MiB in all; the server keeps at most 2 MiB
    /// unacknowledged per connection. The connection times out after
    /// [`ping_interval`](crate::EngineConfig::ping_interval) +
    /// [`ping_timeout`](crate::EngineConfig::ping_timeout) without a packet (the heartbeat
    /// keeps a live one busy). The WebTransport handshake, the client's stream and its first
    /// packet must all come within
    /// [`upgrade_timeout`](crate::EngineConfig::upgrade_timeout), as must the probe of an
    /// upgrade.
    pub async fn serve_webtransport(
        &self,
        socket: UdpSocket,
        tls: Arc<rustls::ServerConfig>,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        let endpoint = Endpoint::server(self.quic_config(socket, tls)?)?;
        self.serving_webtransport(true);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                incoming = endpoint.accept() => {
                    tokio::spawn(self.clone().accept_webtransport(incoming));
                }
                () = &mut stop => break,
            }
        }
        self.serving_webtransport(false);
        self.close_all(CloseReason::ServerShuttingDown);
        let _ = tokio::time::timeout(DRAIN, endpoint.wait_idle()).await;
        Ok(())
    }

    /// The endpoint's configuration: `socket`, `tls` with ALPN `h3`, the limits above.
    fn quic_config(
        &self,
        socket: UdpSocket,
        tls: Arc<rustls::ServerConfig>,
    ) -> std::io::Result<ServerConfig> {
        let suite_ok = tls
            .crypto_provider()
            .cipher_suites
            .iter()
            .any(|suite| suite.suite() == rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
        if !suite_ok {
            return Err(std::io::Error::other(
                "WebTransport needs the TLS13_AES_128_GCM_SHA256 cipher suite",
            ));
        }
        let mut tls = rustls::ServerConfig::clone(&tls);
        tls.alpn_protocols = vec![H3.to_vec()];
        let config = self.config();
        let mut transport = QuicTransportConfig::default();
        transport
            .max_concurrent_bidi_streams(QuicVarInt::from_u32(MAX_BIDI_STREAMS))
            .max_concurrent_uni_streams(QuicVarInt::from_u32(MAX_UNI_STREAMS))
            .stream_receive_window(QuicVarInt::from_u32(STREAM_WINDOW))
            .receive_window(QuicVarInt::from_u32(CONNECTION_WINDOW))
            .send_window(SEND_WINDOW)
            .datagram_receive_buffer_size(Some(DATAGRAM_BUFFER));
        let idle = config.ping_interval.saturating_add(config.ping_timeout);
        if let Ok(idle) = idle.try_into() {
            transport.max_idle_timeout(Some(idle));
        }
        Ok(ServerConfig::builder()
            .with_bind_socket(socket)
            .with_custom_tls_and_transport(tls, transport)
            .build())
    }

    /// One incoming connection: its WebTransport request checked, then its first stream and
    /// packet read, all within the upgrade timeout; then the session it opens or upgrades.
    async fn accept_webtransport(self, incoming: IncomingSession) {
        let timeout = self.config().upgrade_timeout;
        let Ok(Ok(request)) = tokio::time::timeout(timeout, incoming).await else {
            return;
        };
        let remote = request.remote_address();
        let Some(req) = self.check_webtransport(&request) else {
            self.refused(RefusalReason::BadRequest);
            request.not_found().await;
            return;
        };
        if let Some(allow) = &self.config().allow_request {
            let (parts, ()) = req.into_parts();
            if let Err(message) = allow(&parts) {
                tracing::debug!(%message, "webtransport session refused");
                self.refused(RefusalReason::Forbidden);
                request.forbidden().await;
                return;
            }
            return self
                .start_webtransport(request, http::Request::from_parts(parts, ()), remote)
                .await;
        }
        self.start_webtransport(request, req, remote).await;
    }

    /// The session request as an HTTP request (for `allow_request` and the session's
    /// [`RequestInfo`](crate::RequestInfo)), if it addresses the Engine.IO path.
    ///
    /// engine.io-client 6.6 opens the session at the bare path, without a query (the
    /// reference server looks at the path alone); a query that names another protocol
    /// version or transport is refused.
    fn check_webtransport(&self, request: &SessionRequest) -> Option<http::Request<()>> {
        let uri: http::Uri = request.path().parse().ok()?;
        let query = uri.query().unwrap_or("");
        let valid = self.serves(uri.path())
            && query_param(query, "EIO").is_none_or(|eio| eio == "4")
            && query_param(query, "transport").is_none_or(|name| name == "webtransport");
        if !valid {
            return None;
        }
        let mut req = http::Request::new(());
        *req.method_mut() = http::Method::CONNECT;
        *req.uri_mut() = uri;
        let headers = req.headers_mut();
        for (name, value) in request.headers() {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        if let Ok(host) = http::HeaderValue::from_str(request.authority()) {
            headers.insert(http::header::HOST, host);
        }
        Some(req)
    }

    /// Accepts the WebTransport session, reads the first packet of its first stream and
    /// opens or upgrades an Engine.IO session with it.
    async fn start_webtransport(
        self,
        request: SessionRequest,
        req: http::Request<()>,
        remote: SocketAddr,
    ) {
        let config = self.config();
        let deadline = tokio::time::Instant::now() + config.upgrade_timeout;
        let accepted = tokio::time::timeout_at(deadline, async {
            let connection = request.accept().await.ok()?;
            let stream = connection.accept_bi().await.ok()?;
            Some(StreamCarrier::new(
                connection,
                stream,
                config.max_payload,
                config.ping_timeout,
            ))
        });
        let Ok(Some(mut carrier)) = accepted.await else {
            return;
        };
        let first = tokio::time::timeout_at(
            deadline,
            std::future::poll_fn(|cx| carrier.poll_inbound(cx)),
        );
        let start = match first.await {
            Ok(Inbound::Packet(packet)) => StreamStart::from_packet(&packet).ok(),
            _ => None,
        };
        match start {
            Some(StreamStart::New) => self.open_webtransport(&req, remote, carrier).await,
            Some(StreamStart::Upgrade { sid }) => self.upgrade_webtransport(&sid, carrier).await,
            None => {
                tracing::debug!("webtransport stream without a valid open packet");
                carrier.refuse(REFUSED);
            }
        }
    }

    /// A new session on `carrier`: the handshake, then the session's packets.
    async fn open_webtransport(
        &self,
        req: &http::Request<()>,
        remote: SocketAddr,
        mut carrier: StreamCarrier,
    ) {
        let session = self.open(req, Some(remote), Transport::WebTransport);
        let open = self.handshake(&session, Vec::new()).to_packet();
        let sent = match carrier.feed(&Outgoing::Packet(open)).await {
            Ok(()) => carrier.flush().await.is_ok(),
            Err(_) => false,
        };
        if !sent {
            session.close(CloseReason::TransportError);
            carrier.refuse(REFUSED);
            return;
        }
        carry(session, carrier);
    }

    /// The upgrade of polling session `sid` to `carrier`: the probe, then the session's
    /// packets. An unknown session, or one already upgrading or upgraded, is refused.
    async fn upgrade_webtransport(&self, sid: &str, mut carrier: StreamCarrier) {
        let session = match self.session(sid) {
            Some(session) if session.switch_transport(Transport::Polling, Transport::Upgrading) => {
                session
            }
            _ => {
                tracing::debug!("webtransport upgrade of an unknown or busy session");
                carrier.refuse(REFUSED);
                return;
            }
        };
        let timeout = self.config().upgrade_timeout;
        let probed = tokio::time::timeout(
            timeout,
            probe(&session, &mut carrier, Transport::WebTransport),
        );
        if !matches!(probed.await, Ok(true)) {
            session.switch_transport(Transport::Upgrading, Transport::Polling);
            carrier.refuse(REFUSED);
            return;
        }
        carry(session, carrier);
    }
}

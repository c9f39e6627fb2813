//! The WebTransport transport (feature `webtransport`): an HTTP/3 WebTransport session on
//! QUIC, with every Engine.IO packet on one bidirectional stream the client opens, framed
//! with its length (`event_proto::engine::webtransport`).
//!
//! The session opens at the Engine.IO path (with the query parameters of the URL and the
//! configuration, if any, and no `EIO` or `transport`: engine.io-client sends none), on UDP at
//! the port number of the server URL, always over TLS 1.3 (`https://`, whatever the URL's
//! scheme). The first packet on the stream is `open`: empty for a new session, `{"sid"}` to
//! upgrade a polling session.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use bytes::BytesMut;
use event_proto::engine::webtransport::{self as framing, StreamDecoder, StreamStart};
use event_proto::engine::{Handshake, Packet};
use tokio::sync::mpsc;
use wtransport::endpoint::ConnectOptions;
use wtransport::endpoint::endpoint_side::Client as ClientSide;
use wtransport::error::StreamReadError;
use wtransport::{ClientConfig, Connection, Endpoint, RecvStream, SendStream, VarInt};

use crate::error::{Error, Result};
use crate::state::Shared;
use crate::url::ServerUrl;

/// The ALPN protocol of HTTP/3.
const H3: &[u8] = b"h3";
/// Bytes read from the stream at once.
const READ_CHUNK: usize = 16 * 1024;

/// An open WebTransport session and its Engine.IO stream, before it is split into the
/// reader task and the writer.
pub(crate) struct WtStream {
    writer: WtWriter,
    reader: WtReader,
}

/// The sending half: it keeps the session (and its endpoint) alive.
pub(crate) struct WtWriter {
    send: SendStream,
    connection: Connection,
    _endpoint: Endpoint<ClientSide>,
    buf: BytesMut,
}

/// The receiving half: the stream, its decoder and the bytes read but not decoded yet.
pub(crate) struct WtReader {
    recv: RecvStream,
    decoder: StreamDecoder,
    buf: BytesMut,
    chunk: Vec<u8>,
}

/// Opens a WebTransport session and its stream, and writes the first packet: `open` for a new
/// session, or `open {"sid"}` to upgrade polling session `sid`.
pub(crate) async fn open(shared: &Arc<Shared>, sid: Option<&str>) -> Result<WtStream> {
    let url = &shared.url;
    let remote = tokio::net::lookup_host((url.host.as_str(), url.port))
        .await?
        .next()
        .ok_or_else(|| Error::WebTransport(format!("{} resolves to no address", url.host)))?;
    let config = client_config(shared, remote)?;
    let endpoint = Endpoint::client(config)?;
    let mut options =
        ConnectOptions::builder(session_url(url, &shared.config.path, &shared.config.query));
    for (name, value) in shared.headers.iter() {
        options = options.add_header(name.as_str(), value.as_str());
    }
    let connection = endpoint.connect(options.build()).await.map_err(wt_error)?;
    let (send, recv) = connection
        .open_bi()
        .await
        .map_err(wt_error)?
        .await
        .map_err(wt_error)?;
    let mut stream = WtStream {
        writer: WtWriter {
            send,
            connection,
            _endpoint: endpoint,
            buf: BytesMut::new(),
        },
        reader: WtReader {
            recv,
            decoder: StreamDecoder::new(shared.config.limits.max_payload),
            buf: BytesMut::new(),
            chunk: vec![0; READ_CHUNK],
        },
    };
    let start = match sid {
        Some(sid) => StreamStart::Upgrade {
            sid: sid.to_owned(),
        },
        None => StreamStart::New,
    };
    stream.send(&start.to_packet()).await?;
    Ok(stream)
}

/// `https://host:port/path[?query]`: the Engine.IO path, with the URL's and the configured
/// query parameters.
fn session_url(url: &ServerUrl, path: &str, extra: &[(String, String)]) -> String {
    let host = if url.host.contains(':') {
        format!("[{}]", url.host)
    } else {
        url.host.clone()
    };
    let mut query = String::new();
    url.push_query(extra, &mut query);
    let mut session = format!("https://{host}:{}", url.port);
    if !path.starts_with('/') {
        session.push('/');
    }
    session.push_str(path);
    if let Some(query) = query.strip_prefix('&') {
        session.push('?');
        session.push_str(query);
    }
    session
}

/// The QUIC client: bound to the loopback address for a loopback server (any address of the
/// server's family otherwise), verifying the server by the pinned certificate hashes if any,
/// else by the client's TLS configuration.
fn client_config(shared: &Shared, remote: SocketAddr) -> Result<ClientConfig> {
    let ip = match (remote.ip().is_loopback(), remote) {
        (true, SocketAddr::V4(_)) => Ipv4Addr::LOCALHOST.into(),
        (true, SocketAddr::V6(_)) => Ipv6Addr::LOCALHOST.into(),
        (false, SocketAddr::V4(_)) => Ipv4Addr::UNSPECIFIED.into(),
        (false, SocketAddr::V6(_)) => Ipv6Addr::UNSPECIFIED.into(),
    };
    let bound = ClientConfig::builder().with_bind_address(SocketAddr::new(ip, 0));
    let hashes = &shared.config.webtransport.server_certificate_hashes;
    let verified = if hashes.is_empty() {
        let mut tls = rustls::ClientConfig::clone(&*crate::connector::config(&shared.tls)?);
        let suite_ok = tls
            .crypto_provider()
            .cipher_suites
            .iter()
            .any(|suite| suite.suite() == rustls::CipherSuite::TLS13_AES_128_GCM_SHA256);
        if !suite_ok {
            return Err(Error::Tls(
                "WebTransport needs TLS 1.3 with TLS13_AES_128_GCM_SHA256".into(),
            ));
        }
        tls.alpn_protocols = vec![H3.to_vec()];
        bound.with_custom_tls(tls)
    } else {
        bound.with_server_certificate_hashes(
            hashes
                .iter()
                .map(|hash| wtransport::tls::Sha256Digest::new(*hash)),
        )
    };
    // No idle timeout of the client's own: the server's applies, and the heartbeat notices a
    // dead server.
    let config = verified
        .max_idle_timeout(None)
        .map_err(|e| Error::WebTransport(e.to_string()))?;
    Ok(config.build())
}

fn wt_error(error: impl std::fmt::Display) -> Error {
    Error::WebTransport(error.to_string())
}

impl WtStream {
    /// Writes one packet.
    pub(crate) async fn send(&mut self, packet: &Packet) -> Result<()> {
        self.writer.send(packet).await
    }

    /// Reads the next packet.
    pub(crate) async fn recv(&mut self) -> Result<Packet> {
        self.reader.recv().await
    }

    /// Reads the server's `open` packet of a new session.
    pub(crate) async fn read_handshake(&mut self) -> Result<Handshake> {
        let packet = self.recv().await?;
        Ok(Handshake::from_packet(&packet)?)
    }

    pub(crate) fn split(self) -> (WtReader, WtWriter) {
        (self.reader, self.writer)
    }
}

impl WtWriter {
    /// Writes one packet, waiting while QUIC's flow control holds it.
    pub(crate) async fn send(&mut self, packet: &Packet) -> Result<()> {
        self.buf.clear();
        framing::encode(packet, &mut self.buf);
        let written = self.send.write_all(&self.buf).await;
        if self.buf.capacity() > READ_CHUNK {
            self.buf = BytesMut::new();
        }
        written.map_err(|_| Error::TransportClosed)
    }

    /// Ends the stream, gives the server a moment to acknowledge what was sent, then closes
    /// the session.
    pub(crate) async fn close(mut self) {
        let finish = self.send.finish();
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), finish).await;
        self.connection.close(VarInt::from_u32(0), b"");
    }
}

impl WtReader {
    /// Reads the next packet; the end of the stream or of the session is
    /// [`Error::TransportClosed`].
    pub(crate) async fn recv(&mut self) -> Result<Packet> {
        loop {
            if let Some(packet) = self.decoder.decode(&mut self.buf)? {
                return Ok(packet);
            }
            match self.recv.read(&mut self.chunk).await {
                Ok(Some(n)) => self.buf.extend_from_slice(&self.chunk[..n]),
                Ok(None) | Err(StreamReadError::NotConnected | StreamReadError::Reset(_)) => {
                    return Err(Error::TransportClosed);
                }
                Err(e) => return Err(wt_error(e)),
            }
            if self.buf.is_empty() && self.buf.capacity() > READ_CHUNK {
                self.buf = BytesMut::new();
            }
        }
    }
}

/// The reader task: forwards packets until the stream ends, then reports why.
pub(crate) async fn read(mut reader: WtReader, tx: mpsc::Sender<Result<Packet>>) {
    loop {
        let item = reader.recv().await;
        let last = item.is_err();
        if tx.send(item).await.is_err() || last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_url_is_the_path_with_the_callers_query_only() {
        let url = ServerUrl::parse("http://127.0.0.1:3000/?token=a").unwrap();
        assert_eq!(
            session_url(&url, "/socket.io/", &[]),
            "https://127.0.0.1:3000/socket.io/?token=a"
        );
        let url = ServerUrl::parse("ws://[::1]:80").unwrap();
        let extra = [("k".to_owned(), "v w".to_owned())];
        assert_eq!(
            session_url(&url, "/socket.io/", &extra),
            "https://[::1]:80/socket.io/?k=v%20w"
        );
        let url = ServerUrl::parse("https://example.com").unwrap();
        assert_eq!(
            session_url(&url, "/engine.io/", &[]),
            "https://example.com:443/engine.io/"
        );
    }
}

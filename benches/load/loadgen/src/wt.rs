//! The client side of Engine.IO v4 over WebTransport (HTTP/3), and Socket.IO v5 on top of it:
//! just what the WebTransport scenarios need.
//!
//! A session is a WebTransport session at the Engine.IO path (no query, as engine.io-client
//! opens it), one bidirectional stream, and Engine.IO packets framed on it as engine.io-parser
//! frames them for streams (`event_proto::engine::webtransport`): the client writes `open`
//! without data, reads the server's handshake, then joins the main namespace (`40`).
//!
//! QUIC runs over UDP: connections share a few client endpoints (UDP sockets), each bound to
//! one of the spread-out loopback source addresses. The server's certificate is not checked
//! (`with_no_cert_validation`): the benchmark's server is a child process on loopback with a
//! throwaway certificate.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::BytesMut;
use event_proto::Str;
use event_proto::engine::Packet;
use event_proto::engine::webtransport::{self, StreamDecoder, StreamStart};
use wtransport::endpoint::endpoint_side::Client;
use wtransport::{ClientConfig, Endpoint, RecvStream, SendStream};

use crate::conn;
use crate::sio::clip;

/// The Engine.IO path, as socket.io-client opens a WebTransport session on it.
const PATH: &str = "/socket.io/";

/// Connections per client endpoint (UDP socket).
const CONNS_PER_ENDPOINT: usize = 100;

/// How long opening a session may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest packet accepted from the server.
const MAX_PAYLOAD: usize = 1 << 20;

/// Bytes read from the stream at a time.
const READ_CHUNK: usize = 16 * 1024;

/// The client endpoints opened so far, one per [`CONNS_PER_ENDPOINT`] connections.
fn endpoints() -> &'static Mutex<Vec<Arc<Endpoint<Client>>>> {
    static ENDPOINTS: OnceLock<Mutex<Vec<Arc<Endpoint<Client>>>>> = OnceLock::new();
    ENDPOINTS.get_or_init(|| Mutex::new(Vec::new()))
}

/// The endpoint for connection `index`, opened on first use from the connection's loopback
/// source address.
fn endpoint(index: usize) -> Result<Arc<Endpoint<Client>>, String> {
    let slot = index / CONNS_PER_ENDPOINT;
    let mut endpoints = endpoints()
        .lock()
        .map_err(|_| "endpoints lock".to_owned())?;
    while endpoints.len() <= slot {
        let source = conn::source(endpoints.len() * CONNS_PER_ENDPOINT);
        let config = ClientConfig::builder()
            .with_bind_address(SocketAddr::V4(SocketAddrV4::new(source, 0)))
            .with_no_cert_validation()
            .keep_alive_interval(Some(Duration::from_secs(5)))
            .build();
        let endpoint =
            Endpoint::client(config).map_err(|e| format!("client endpoint on {source}: {e}"))?;
        endpoints.push(Arc::new(endpoint));
    }
    Ok(endpoints[slot].clone())
}

/// A Socket.IO session over WebTransport, joined to the main namespace.
pub struct Wt {
    send: SendStream,
    recv: RecvStream,
    decoder: StreamDecoder,
    read: BytesMut,
    write: BytesMut,
    /// Keeps the QUIC connection open as long as the session.
    _connection: wtransport::Connection,
}

impl Wt {
    /// Opens session `index` on `host:port` and joins the main namespace.
    pub async fn open(host: &str, port: u16, index: usize) -> Result<Wt, String> {
        tokio::time::timeout(OPEN_TIMEOUT, Wt::open_now(host, port, index))
            .await
            .unwrap_or_else(|_| Err("WebTransport open timed out".to_owned()))
    }

    async fn open_now(host: &str, port: u16, index: usize) -> Result<Wt, String> {
        let ip: Ipv4Addr = host
            .parse()
            .map_err(|_| format!("{host} is not an IPv4 address"))?;
        let endpoint = endpoint(index)?;
        let connection = endpoint
            .connect(format!("https://{ip}:{port}{PATH}"))
            .await
            .map_err(|e| format!("WebTransport connect: {e}"))?;
        let (send, recv) = connection
            .open_bi()
            .await
            .map_err(|e| format!("open stream: {e}"))?
            .await
            .map_err(|e| format!("open stream: {e}"))?;
        let mut wt = Wt {
            send,
            recv,
            decoder: StreamDecoder::new(MAX_PAYLOAD),
            read: BytesMut::new(),
            write: BytesMut::new(),
            _connection: connection,
        };
        wt.send_packet(&StreamStart::New.to_packet()).await?;
        let open = wt.next_text().await?;
        if !open.starts_with("0{") {
            return Err(format!(
                "expected the Engine.IO open packet, got {}",
                clip(&open)
            ));
        }
        wt.send_text("40").await?;
        let connect = wt.next_text().await?;
        if !connect.starts_with("40") {
            return Err(format!(
                "expected the namespace connect packet, got {}",
                clip(&connect)
            ));
        }
        Ok(wt)
    }

    /// Writes one Engine.IO packet.
    async fn send_packet(&mut self, packet: &Packet) -> Result<(), String> {
        self.write.clear();
        webtransport::encode(packet, &mut self.write);
        self.send
            .write_all(&self.write)
            .await
            .map_err(|e| format!("send: {e}"))
    }

    /// Writes one Engine.IO message packet (`4` and `text`, as `42[...]` is written over
    /// WebSocket): `text` is the Socket.IO packet.
    pub async fn send_text(&mut self, text: &str) -> Result<(), String> {
        // The Socket.IO packet is an Engine.IO message: `4` + its text.
        let packet = match text.strip_prefix('4') {
            Some(message) => Packet::Message(Str::from(message.to_owned())),
            None => return Err(format!("not an Engine.IO message: {}", clip(text))),
        };
        self.send_packet(&packet).await
    }

    /// The next Engine.IO message, as its text with the leading `4` (as over WebSocket);
    /// pings are answered on the way.
    pub async fn next_text(&mut self) -> Result<String, String> {
        loop {
            match self.next_packet().await? {
                Packet::Ping(data) => self.send_packet(&Packet::Pong(data)).await?,
                Packet::Message(text) => return Ok(format!("4{}", text.as_str())),
                Packet::Open(text) => return Ok(format!("0{}", text.as_str())),
                Packet::Noop => {}
                Packet::Close => return Err("the server closed the session".to_owned()),
                other => return Err(format!("unexpected packet {}", clip(&format!("{other:?}")))),
            }
        }
    }

    /// The next packet from the stream.
    async fn next_packet(&mut self) -> Result<Packet, String> {
        loop {
            match self.decoder.decode(&mut self.read) {
                Ok(Some(packet)) => return Ok(packet),
                Ok(None) => {}
                Err(e) => return Err(format!("undecodable stream: {e}")),
            }
            self.read.reserve(READ_CHUNK);
            let mut chunk = [0u8; READ_CHUNK];
            match self.recv.read(&mut chunk).await {
                Ok(Some(n)) => self.read.extend_from_slice(&chunk[..n]),
                Ok(None) => return Err("the server ended the stream".to_owned()),
                Err(e) => return Err(format!("receive: {e}")),
            }
        }
    }
}

//! Opening TCP and WebSocket connections from spread-out loopback source addresses: by
//! HTTP/1.1 upgrade, or as the one stream of an HTTP/2 connection (RFC 8441 extended
//! CONNECT, h2c with prior knowledge).

use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::Empty;
use hyper::ext::Protocol;
use hyper::upgrade::Upgraded;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;
use wsio_ws::{Config, Role, WebSocket, WsUrl};

/// A client connection.
pub type Ws = WebSocket<Stream>;

/// What a WebSocket runs on: a TCP connection it upgraded, or an HTTP/2 stream.
pub enum Stream {
    /// A TCP connection (HTTP/1.1 upgrade).
    Tcp(TcpStream),
    /// A stream of an HTTP/2 connection (RFC 8441).
    H2(TokioIo<Upgraded>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::H2(s) => Pin::new(s).poll_read(cx, buf),
        };
        WIRE_READ.fetch_add((buf.filled().len() - before) as u64, Ordering::Relaxed);
        polled
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::H2(s) => Pin::new(s).poll_write(cx, buf),
        };
        count_written(&polled);
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::H2(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        };
        count_written(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.is_write_vectored(),
            Stream::H2(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::H2(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::H2(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Bytes read from and written to every WebSocket's stream of this run, handshakes included:
/// what went over the wire, against which `ws-deflate` sets the payload it sent and received.
static WIRE_READ: AtomicU64 = AtomicU64::new(0);
/// See [`WIRE_READ`].
static WIRE_WRITTEN: AtomicU64 = AtomicU64::new(0);

/// Adds a write's byte count to [`WIRE_WRITTEN`].
fn count_written(polled: &Poll<io::Result<usize>>) {
    if let Poll::Ready(Ok(n)) = polled {
        WIRE_WRITTEN.fetch_add(*n as u64, Ordering::Relaxed);
    }
}

/// Bytes read and written on every WebSocket's stream so far (handshakes included).
pub fn wire_bytes() -> (u64, u64) {
    (
        WIRE_READ.load(Ordering::Relaxed),
        WIRE_WRITTEN.load(Ordering::Relaxed),
    )
}

/// How long one connection (TCP + handshake) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections being opened at once.
pub const CONNECT_CONCURRENCY: usize = 64;

/// The client's settings: permessage-deflate offered only when [`set_deflate`] asked for it
/// (`ws-deflate`), 64 KiB reads so that the client spends as few system calls as it can on
/// large messages.
fn config() -> Config {
    // The lean policy offers no context takeover either way; without those two it offers
    // what browsers do.
    let mut policy = Config::LEAN_DEFLATE;
    if deflate() == Deflate::Takeover {
        policy.server_no_context_takeover = false;
        policy.client_no_context_takeover = false;
    }
    Config {
        deflate: (deflate() != Deflate::Off).then_some(policy),
        read_chunk: 64 * 1024,
        max_write_buffer: 1 << 20,
        ..Config::default()
    }
}

/// The loopback source address of connection `index`: 200 addresses per run, in a /16 chosen
/// by the process id so that back-to-back runs do not meet each other's TIME_WAIT ports. Each
/// address has its own ephemeral ports, so 10,000s of connections never exhaust them.
pub fn source(index: usize) -> Ipv4Addr {
    let run = (std::process::id() % 250) as u8 + 1;
    Ipv4Addr::new(127, run, 0, 2 + (index % 200) as u8)
}

/// Opens TCP connection `index` to `host:port` from its loopback source address, with
/// TCP_NODELAY set. Errors are described, never raised.
pub async fn tcp(host: &str, port: u16, index: usize) -> Result<TcpStream, String> {
    let ip: Ipv4Addr = host
        .parse()
        .map_err(|_| format!("{host} is not an IPv4 address"))?;
    let socket = TcpSocket::new_v4().map_err(|e| format!("socket: {e}"))?;
    socket
        .bind(SocketAddr::V4(SocketAddrV4::new(source(index), 0)))
        .map_err(|e| format!("bind {}: {e}", source(index)))?;
    let tcp = socket
        .connect(SocketAddr::V4(SocketAddrV4::new(ip, port)))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let _ = tcp.set_nodelay(true);
    Ok(tcp)
}

/// How a WebSocket is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// HTTP/1.1 upgrade on a TCP connection of its own.
    Http1,
    /// Extended CONNECT (RFC 8441) on an HTTP/2 connection of its own (h2c, prior knowledge).
    Http2,
}

/// How this run opens its connections (`--http`), set once at start.
static VIA: OnceLock<Via> = OnceLock::new();

/// Sets how this run opens its connections; the first call wins.
pub fn set_via(via: Via) {
    let _ = VIA.set(via);
}

/// The permessage-deflate offer of a run's WebSockets (`--deflate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deflate {
    /// No offer.
    Off,
    /// What browsers offer, `permessage-deflate; client_max_window_bits`: context takeover
    /// both ways unless the server answers otherwise.
    Takeover,
    /// `permessage-deflate; server_no_context_takeover; client_no_context_takeover;
    /// client_max_window_bits`: every message compressed on its own, both ways.
    NoTakeover,
}

/// The permessage-deflate offer of this run, set once at start.
static DEFLATE: OnceLock<Deflate> = OnceLock::new();

/// Sets the permessage-deflate offer of this run's WebSockets; the first call wins.
pub fn set_deflate(deflate: Deflate) {
    let _ = DEFLATE.set(deflate);
}

/// This run's permessage-deflate offer: none unless [`set_deflate`] gave one.
pub fn deflate() -> Deflate {
    DEFLATE.get().copied().unwrap_or(Deflate::Off)
}

/// How this run opens its connections: HTTP/1.1 unless [`set_via`] said otherwise.
pub fn via() -> Via {
    VIA.get().copied().unwrap_or(Via::Http1)
}

/// Opens connection `index` to `host:port` and performs the WebSocket handshake for `target`
/// (a path with query), the way [`via`] says. Errors are described, never raised.
pub async fn open(host: &str, port: u16, target: &str, index: usize) -> Result<Ws, String> {
    let via = via();
    let attempt = async {
        let tcp = tcp(host, port, index).await?;
        if via == Via::Http2 {
            return open_h2(tcp, &format!("{host}:{port}"), target).await;
        }
        let url =
            WsUrl::parse(&format!("ws://{host}:{port}{target}")).map_err(|e| e.to_string())?;
        wsio_ws::connect_on(Stream::Tcp(tcp), &url, config(), &[])
            .await
            .map_err(|e| format!("handshake: {e}"))
    };
    tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| Err("connect timed out".to_owned()))
}

/// The HTTP/2 connection preface on `tcp`, then an extended CONNECT for `target`: the
/// WebSocket on its stream. A first `GET /` round trip makes sure the server's SETTINGS (which
/// allow extended CONNECT) have arrived; hyper refuses the CONNECT before that.
async fn open_h2(tcp: TcpStream, authority: &str, target: &str) -> Result<Ws, String> {
    let (mut client, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp))
            .await
            .map_err(|e| format!("h2 handshake: {e}"))?;
    tokio::spawn(connection);
    let request = |method: Method| {
        Request::builder()
            .method(method)
            .uri(format!("http://{authority}{target}"))
            .body(Empty::<Bytes>::new())
            .map_err(|e| format!("request: {e}"))
    };
    let mut first = request(Method::GET)?;
    *first.uri_mut() = format!("http://{authority}/")
        .parse()
        .map_err(|e| format!("uri: {e}"))?;
    client
        .send_request(first)
        .await
        .map_err(|e| format!("h2 first request: {e}"))?;
    let mut connect = request(Method::CONNECT)?;
    connect
        .extensions_mut()
        .insert(Protocol::from_static("websocket"));
    connect.headers_mut().insert(
        "sec-websocket-version",
        hyper::header::HeaderValue::from_static("13"),
    );
    let response = client
        .send_request(connect)
        .await
        .map_err(|e| format!("extended CONNECT: {e}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("extended CONNECT answered {}", response.status()));
    }
    let stream = hyper::upgrade::on(response)
        .await
        .map_err(|e| format!("h2 stream: {e}"))?;
    // The connection task lives as long as `client` or a stream does.
    Ok(WebSocket::from_raw(
        Stream::H2(TokioIo::new(stream)),
        Role::Client,
        config(),
        BytesMut::new(),
        None,
    ))
}

/// Opens `count` connections with at most [`CONNECT_CONCURRENCY`] handshakes in flight, each
/// prepared by `setup` (for Socket.IO: the Engine.IO and namespace handshakes; for
/// long-polling: a pair of HTTP connections and the handshakes over them). Returns the
/// connections that succeeded and the failures' count and first message.
pub async fn open_many<T, F, Fut>(count: usize, setup: F) -> (Vec<T>, usize, Option<String>)
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<T, String>> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(CONNECT_CONCURRENCY));
    let mut tasks = Vec::with_capacity(count);
    for index in 0..count {
        let gate = gate.clone();
        let attempt = setup(index);
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await;
            attempt.await
        }));
    }
    let mut open = Vec::with_capacity(count);
    let mut failed = 0;
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(ws)) => open.push(ws),
            Ok(Err(e)) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(format!("task: {e}"));
            }
        }
    }
    (open, failed, first_error)
}

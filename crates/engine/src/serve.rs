//! The accept loop of an engine: one hyper connection per TCP connection, HTTP/1.1 (with
//! upgrades) or HTTP/2 (with RFC 8441 extended CONNECT), over TLS when asked, and the drain when
//! it stops.

use std::future::Future;
use std::io::IoSlice;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Sleep;

use crate::accept_loop::accept_until;
use crate::close_reason::CloseReason;
use crate::engine::{Engine, Handler};
use crate::websocket::WritesAtOnce;

/// How long [`Engine::serve`] waits, once stopped, for the connections to finish.
const DEFAULT_DRAIN: Duration = Duration::from_millis(100);

/// How long a TLS handshake may take when no `header_read_timeout` is configured.
#[cfg(feature = "tls")]
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many streams (requests, WebSockets) one HTTP/2 connection may carry at once by default.
const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 200;

/// The bytes an HTTP/2 client sends first (RFC 9113 §3.4): what tells h2c from HTTP/1.1.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How much a connection's first read takes from the socket when asked for less (hyper's
/// version check asks for the 24 bytes of [`H2_PREFACE`]): the rest of a request head comes
/// with it and is handed out from memory, one `recvfrom` instead of two.
const READ_AHEAD: usize = 4096;

/// Answers requests outside the Engine.IO path.
type Fallback = Arc<dyn Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync>;

/// How [`Engine::serve_using`] serves: a fallback for other paths, TLS, HTTP/2 streams, and
/// how long the drain may take once it stops.
///
/// # HTTP/1.1 and HTTP/2
///
/// Every connection speaks HTTP/1.1 or HTTP/2, told apart by its first bytes: HTTP/2 by prior
/// knowledge on plain TCP (h2c: the client opens with the HTTP/2 preface), and by ALPN `h2`
/// over TLS. Polling works the same over both (over HTTP/2 a session's GET and POST share one
/// connection); WebSockets open with an `Upgrade` over HTTP/1.1 and with an RFC 8441 extended
/// CONNECT over HTTP/2, each WebSocket a stream of the connection. Per connection:
///
/// - HTTP/2 carries at most [`max_concurrent_streams`](Self::max_concurrent_streams) streams
///   at once (default 200), WebSockets included; the server announces
///   `SETTINGS_ENABLE_CONNECT_PROTOCOL`. Header blocks are bounded by hyper's defaults (16 KiB
///   of header list over HTTP/2, about 400 KiB of buffered head over HTTP/1.1).
/// - The message limits are the engine's, whatever the version:
///   [`max_payload`](crate::EngineConfig::max_payload) for a polling body and a WebSocket
///   message, [`queue_capacity`](crate::EngineConfig::queue_capacity) for a session's queue.
/// - [`header_read_timeout`](crate::EngineConfig::header_read_timeout) bounds the first bytes
///   that tell the version apart, then every HTTP/1.1 request head. An HTTP/2 connection that
///   stays idle is not closed by it: it gets an HTTP/2 PING once
///   [`ping_interval`](crate::EngineConfig::ping_interval) (25 s) passed without a frame from
///   the client, and is closed if the answer takes longer than
///   [`ping_timeout`](crate::EngineConfig::ping_timeout) (20 s), so that a dead peer's
///   connection is freed.
/// - A connection whose writes stall (the peer reads nothing: its process stopped, its window
///   stays shut) for [`ping_interval`](crate::EngineConfig::ping_interval) +
///   [`ping_timeout`](crate::EngineConfig::ping_timeout) is dropped, with what it still had to
///   send: a heartbeat's worth of silence ends a session, and its connection with it.
///
/// ```
/// use std::time::Duration;
/// use wsio_engine::ServeConfig;
///
/// let serving = ServeConfig::new()
///     .drain_timeout(Duration::from_secs(5))
///     .fallback(|_req| http::Response::new(http_body_util::Full::new("ok".into())));
/// assert_eq!(serving.drain(), Duration::from_secs(5));
/// ```
#[derive(Clone)]
pub struct ServeConfig {
    fallback: Option<Fallback>,
    drain_timeout: Duration,
    max_concurrent_streams: u32,
    #[cfg(feature = "tls")]
    tls: Option<tokio_rustls::TlsAcceptor>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig::new()
    }
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("ServeConfig");
        debug
            .field("fallback", &self.fallback.is_some())
            .field("drain_timeout", &self.drain_timeout)
            .field("max_concurrent_streams", &self.max_concurrent_streams);
        #[cfg(feature = "tls")]
        debug.field("tls", &self.tls.is_some());
        debug.finish()
    }
}

impl ServeConfig {
    /// Plain HTTP (HTTP/1.1 and h2c), 404 outside the Engine.IO path, a 100 ms drain, 200
    /// concurrent HTTP/2 streams per connection.
    pub fn new() -> ServeConfig {
        ServeConfig {
            fallback: None,
            drain_timeout: DEFAULT_DRAIN,
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Answers requests outside the Engine.IO path with `fallback` (a page, a health check).
    pub fn fallback<F>(mut self, fallback: F) -> ServeConfig
    where
        F: Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.fallback = Some(Arc::new(fallback));
        self
    }

    /// Once stopped, how long to wait for the connections to finish: every session is closed
    /// at once (its transport sends what is still queued, then the close), idle keep-alive
    /// connections are closed, and the serve returns when the last connection (WebSockets
    /// included) is gone, or when `timeout` has passed. Default 100 ms.
    pub fn drain_timeout(mut self, timeout: Duration) -> ServeConfig {
        self.drain_timeout = timeout;
        self
    }

    /// The drain timeout.
    pub fn drain(&self) -> Duration {
        self.drain_timeout
    }

    /// How many streams (polling requests, WebSockets) one HTTP/2 connection may carry at
    /// once; the client is told in the connection's SETTINGS and further streams are refused.
    /// Default 200.
    pub fn max_concurrent_streams(mut self, streams: u32) -> ServeConfig {
        self.max_concurrent_streams = streams;
        self
    }

    /// Serves HTTPS (and `wss://`) with `config`: each accepted connection does its TLS
    /// handshake first (within the configured
    /// [`header_read_timeout`](crate::EngineConfig::header_read_timeout), else 10 s), then
    /// HTTP/1.1 or HTTP/2. With `config.alpn_protocols` left empty the server offers `h2` then
    /// `http/1.1`; a list the caller set is kept (`[b"http/1.1"]` keeps browsers on
    /// HTTP/1.1).
    ///
    /// The certificate is the config's: to reload it without a restart, build `config` with a
    /// [`ResolvesServerCert`](rustls::server::ResolvesServerCert) that swaps its
    /// certificate; new connections then get the new one.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, mut config: Arc<rustls::ServerConfig>) -> ServeConfig {
        if config.alpn_protocols.is_empty() {
            Arc::make_mut(&mut config).alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        self.tls = Some(tokio_rustls::TlsAcceptor::from(config));
        self
    }
}

impl<H: Handler> Engine<H> {
    /// Serves HTTP on `listener` until `stop` resolves, then closes every session with
    /// `server shutting down`. Requests outside the Engine.IO path get 404.
    ///
    /// Each connection must send every request head within
    /// [`EngineConfig::header_read_timeout`](crate::EngineConfig::header_read_timeout), counted from its accept and from each response
    /// after which it stays idle.
    pub async fn serve(
        &self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        self.serve_using(listener, stop, ServeConfig::new()).await
    }

    /// Like [`serve`](Self::serve), answering requests outside the Engine.IO path with
    /// `fallback` (a page, a health check).
    pub async fn serve_with<F>(
        &self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
        fallback: F,
    ) -> std::io::Result<()>
    where
        F: Fn(&Request<Incoming>) -> Response<Full<Bytes>> + Send + Sync + 'static,
    {
        self.serve_using(listener, stop, ServeConfig::new().fallback(fallback))
            .await
    }

    /// Like [`serve`](Self::serve), over TLS with `config` (feature `tls`): `https://`
    /// polling and `wss://`. A Socket.IO server reaches it through
    /// [`Endpoint::engine`](crate::Endpoint::engine).
    ///
    /// A real server reads its PEM files (`CertificateDer::pem_file_iter`,
    /// `PrivateKeyDer::from_pem_file`); this example makes a self-signed certificate:
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    /// use wsio_engine::{Engine, EngineConfig};
    /// # struct Quiet;
    /// # impl wsio_engine::Handler for Quiet {
    /// #     fn on_open(&self, _: &Arc<wsio_engine::Session>) -> Arc<dyn wsio_engine::SessionHandler> {
    /// #         Arc::new(Quiet)
    /// #     }
    /// # }
    /// # impl wsio_engine::SessionHandler for Quiet {
    /// #     fn on_message(&self, _: event_proto::Message) -> wsio_engine::BoxFuture<'_, ()> {
    /// #         Box::pin(std::future::ready(()))
    /// #     }
    /// #     fn on_close(&self, _: wsio_engine::CloseReason) {}
    /// # }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])?;
    /// let certs: Vec<CertificateDer<'static>> = vec![made.cert.der().clone()];
    /// let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    ///
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let mut tls = rustls::ServerConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()?
    ///     .with_no_client_auth()
    ///     .with_single_cert(certs, key)?;
    /// // HTTP/2 first, HTTP/1.1 for the clients without it (also what an empty list gets).
    /// tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    ///
    /// let engine = Engine::new(EngineConfig::default(), Quiet);
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// // Until the future resolves: at once here, on Ctrl-C (`tokio::signal::ctrl_c`) in a
    /// // real server.
    /// engine.serve_tls(listener, Arc::new(tls), async {}).await?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "tls")]
    pub async fn serve_tls(
        &self,
        listener: TcpListener,
        config: Arc<rustls::ServerConfig>,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        self.serve_using(listener, stop, ServeConfig::new().tls(config))
            .await
    }

    /// Serves on `listener` as `serving` says (fallback, TLS, drain timeout) until `stop`
    /// resolves. Then it stops accepting (the listener is closed), closes every session with
    /// `server shutting down`, and waits up to the drain timeout for the connections to
    /// finish.
    pub async fn serve_using(
        &self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
        serving: ServeConfig,
    ) -> std::io::Result<()> {
        serve(self.clone(), listener, stop, serving).await
    }
}

/// Serves `engine` on `listener` until `stop` resolves, then drains.
///
/// Each connection must send every request head within the configured
/// [`header_read_timeout`](crate::EngineConfig::header_read_timeout), counted from its accept
/// and from each response after which it stays idle; hyper closes it otherwise.
async fn serve<H: Handler>(
    engine: Engine<H>,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
    serving: ServeConfig,
) -> std::io::Result<()> {
    let header_read_timeout = engine.config().header_read_timeout;
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    http.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(serving.max_concurrent_streams)
        .keep_alive_interval(engine.config().ping_interval)
        .keep_alive_timeout(engine.config().ping_timeout)
        .enable_connect_protocol();
    let http = Arc::new(http);
    let write_stall = engine
        .config()
        .ping_interval
        .saturating_add(engine.config().ping_timeout);
    let (stopping, stop_signal) = watch::channel(false);
    let (tracker, _) = watch::channel(());
    #[cfg(feature = "tls")]
    let handshake = engine
        .config()
        .header_read_timeout
        .unwrap_or(TLS_HANDSHAKE_TIMEOUT);
    accept_until(&listener, stop, |tcp, peer| {
        let _ = tcp.set_nodelay(true);
        let engine = engine.clone();
        let fallback = serving.fallback.clone();
        let http = http.clone();
        let mut stop_signal = stop_signal.clone();
        let tcp = WriteDeadline::new(
            Tracked {
                io: tcp,
                _live: tracker.subscribe(),
            },
            write_stall,
        );
        #[cfg(feature = "tls")]
        let tls = serving.tls.clone();
        let span = tracing::debug_span!("connection", remote = %peer);
        let hold = Arc::new(AtomicBool::new(false));
        let connection = async move {
            let holding = hold.clone();
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let engine = engine.clone();
                let fallback = fallback.clone();
                let holding = holding.clone();
                async move {
                    let mut response = match &fallback {
                        Some(f) if !engine.serves(req.uri().path()) => f(&req),
                        _ => engine.handle(req, Some(peer)).await,
                    };
                    if response.extensions_mut().remove::<WritesAtOnce>().is_some() {
                        holding.store(true, Ordering::Release);
                    }
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            #[cfg(feature = "tls")]
            if let Some(tls) = tls {
                let tls = match tokio::time::timeout(handshake, tls.accept(tcp)).await {
                    Ok(Ok(tls)) => tls,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => {
                        tracing::debug!("TLS handshake timed out");
                        return;
                    }
                };
                let tls = Coalesce::new(Preface::new(tls, header_read_timeout), hold);
                run_connection(&http, tls, service, &mut stop_signal).await;
                return;
            }
            let tcp = Coalesce::new(Preface::new(tcp, header_read_timeout), hold);
            run_connection(&http, tcp, service, &mut stop_signal).await;
        };
        tokio::spawn(tracing::Instrument::instrument(connection, span));
    })
    .await;
    // Stop accepting: new connections are refused rather than left in the backlog.
    drop(listener);
    let _ = stopping.send(true);
    engine.close_all(CloseReason::ServerShuttingDown);
    // Let pending polls and WebSocket close frames go out: wait for the last connection.
    let live = tracker.receiver_count();
    if tokio::time::timeout(serving.drain_timeout, tracker.closed())
        .await
        .is_err()
    {
        tracing::debug!(
            connections = tracker.receiver_count(),
            of = live,
            "drain timed out with connections still open"
        );
    }
    Ok(())
}

/// Serves one connection's HTTP/1.1 requests (and upgrades) or HTTP/2 streams with `service`;
/// once `stop_signal` is tripped, lets the requests in flight finish and closes the connection
/// (HTTP/2: a GOAWAY, then the open streams, WebSockets included, run to their end).
async fn run_connection<S, Svc>(
    http: &auto::Builder<TokioExecutor>,
    io: S,
    service: Svc,
    stop_signal: &mut watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    Svc: hyper::service::Service<
            Request<Incoming>,
            Response = Response<Full<Bytes>>,
            Error = std::convert::Infallible,
        >,
    Svc::Future: Send + 'static,
{
    let connection = http.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = async { let _ = stop_signal.wait_for(|stopping| *stopping).await; } => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "http connection ended with an error");
    }
}

/// Reads of a wrapper come straight from the stream it wraps (`io`).
macro_rules! forward_read {
    ($wrapper:ident) => {
        impl<S: AsyncRead + Unpin> AsyncRead for $wrapper<S> {
            fn poll_read(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<std::io::Result<()>> {
                Pin::new(&mut self.io).poll_read(cx, buf)
            }
        }
    };
}

/// Writes of a wrapper go straight to the stream it wraps (`io`); its shutdown is its own
/// `shutdown_io`.
macro_rules! forward_write {
    ($wrapper:ident) => {
        impl<S: AsyncWrite + Unpin> AsyncWrite for $wrapper<S> {
            fn poll_write(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<std::io::Result<usize>> {
                Pin::new(&mut self.io).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<std::io::Result<usize>> {
                Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                self.io.is_write_vectored()
            }

            fn poll_flush(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<std::io::Result<()>> {
                Pin::new(&mut self.io).poll_flush(cx)
            }

            fn poll_shutdown(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<std::io::Result<()>> {
                self.shutdown_io(cx)
            }
        }
    };
}

/// A connection's TCP stream, counted while it exists (upgraded WebSockets hold it too): the
/// drain waits for every one to be dropped.
///
/// Its shutdown does nothing: whoever shuts it down (hyper once a connection is done, a
/// WebSocket after its closing handshake) drops it right after, and closing the socket sends
/// the same FIN that `shutdown(SHUT_WR)` would have (or the same reset, when unread bytes
/// remain), so the system call would change nothing on the wire. Over TLS the `close_notify`
/// is still written by the TLS layer above.
struct Tracked<S> {
    io: S,
    _live: watch::Receiver<()>,
}

impl<S> Tracked<S> {
    fn shutdown_io(&mut self, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

forward_read!(Tracked);

forward_write!(Tracked);

/// A connection's stream whose writes may not wait longer than `stall` for the peer: a write,
/// vectored write or flush still pending once `stall` has passed since it first waited fails
/// with `TimedOut`, and hyper (or the WebSocket above) drops the connection. Any write that goes
/// through starts the count again, so a slow reader keeps its connection; one that reads
/// nothing at all does not keep it, nor the answer buffered for it, for ever.
struct WriteDeadline<S> {
    io: S,
    stall: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(io: S, stall: Duration) -> WriteDeadline<S> {
        WriteDeadline {
            io,
            stall,
            deadline: None,
        }
    }

    /// `polled`, the outcome of a write to `io`, unless it is still waiting past the deadline.
    fn check<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<std::io::Result<T>>,
    ) -> Poll<std::io::Result<T>> {
        if polled.is_ready() {
            self.deadline = None;
            return polled;
        }
        let stall = self.stall;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        ready!(deadline.as_mut().poll(cx));
        self.deadline = None;
        Poll::Ready(Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the peer read nothing within the write deadline",
        )))
    }
}

forward_read!(WriteDeadline);

impl<S: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        self.check(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.check(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_flush(cx);
        self.check(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let polled = Pin::new(&mut self.io).poll_shutdown(cx);
        self.check(cx, polled)
    }
}

/// A connection's stream whose first reads must come within a deadline: until its first bytes
/// tell HTTP/1.1 (anything but the HTTP/2 preface) from HTTP/2 (the whole preface), a read that
/// waits past the deadline fails with `TimedOut`. After that hyper's own timeouts apply.
///
/// Its first read from the socket, when asked for less than [`READ_AHEAD`] bytes (hyper's
/// version check), takes up to that many and keeps the rest for the next reads.
struct Preface<S> {
    io: S,
    deadline: Option<Pin<Box<Sleep>>>,
    seen: usize,
    ahead: Vec<u8>,
    first_read: bool,
}

impl<S> Preface<S> {
    fn new(io: S, timeout: Option<Duration>) -> Preface<S> {
        Preface {
            io,
            deadline: timeout.map(|t| Box::pin(tokio::time::sleep(t))),
            seen: 0,
            ahead: Vec::new(),
            first_read: true,
        }
    }
}

impl<S: AsyncWrite + Unpin> Preface<S> {
    fn shutdown_io(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + Unpin> Preface<S> {
    /// Reads into `buf`: from what was read ahead, else from the socket (the first time
    /// through a buffer of [`READ_AHEAD`] bytes when `buf` has room for less).
    fn read_some(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if !self.ahead.is_empty() {
            let n = self.ahead.len().min(buf.remaining());
            buf.put_slice(&self.ahead[..n]);
            self.ahead.drain(..n);
            if self.ahead.is_empty() {
                // Handed out: the connection (a WebSocket's, for hours) keeps no buffer.
                self.ahead = Vec::new();
            }
            return Poll::Ready(Ok(()));
        }
        if !self.first_read || buf.remaining() >= READ_AHEAD {
            self.first_read = false;
            return Pin::new(&mut self.io).poll_read(cx, buf);
        }
        let mut storage = [MaybeUninit::<u8>::uninit(); READ_AHEAD];
        let mut ahead = ReadBuf::uninit(&mut storage);
        ready!(Pin::new(&mut self.io).poll_read(cx, &mut ahead))?;
        self.first_read = false;
        let read = ahead.filled();
        let n = read.len().min(buf.remaining());
        buf.put_slice(&read[..n]);
        self.ahead.extend_from_slice(&read[n..]);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Preface<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.deadline.is_none() {
            return this.read_some(cx, buf);
        }
        let before = buf.filled().len();
        match this.read_some(cx, buf) {
            Poll::Ready(result) => {
                let read = &buf.filled()[before..];
                let expected = H2_PREFACE.get(this.seen..).unwrap_or_default();
                let decided = read.is_empty()
                    || !expected.starts_with(&read[..read.len().min(expected.len())])
                    || this.seen + read.len() >= H2_PREFACE.len();
                this.seen += read.len();
                if decided {
                    this.deadline = None;
                }
                Poll::Ready(result)
            }
            Poll::Pending => match this.deadline.as_mut().map(|d| d.as_mut().poll(cx)) {
                Some(Poll::Ready(())) => Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "no request within the header read timeout",
                ))),
                _ => Poll::Pending,
            },
        }
    }
}

forward_write!(Preface);

/// A connection's stream that holds back a response marked [`WritesAtOnce`] (a WebSocket's
/// 101, followed at once by the open packet) and writes it together with the next bytes, in
/// one system call: the order of the bytes on the wire is unchanged, the 101 only waits for
/// the first frame. `hold` is set by the service when it returns such a response; the next
/// write (the response's head) is then kept, flushes leave it kept, and the next write or the
/// shutdown sends it.
struct Coalesce<S> {
    io: S,
    hold: Arc<AtomicBool>,
    held: Vec<u8>,
}

impl<S> Coalesce<S> {
    fn new(io: S, hold: Arc<AtomicBool>) -> Coalesce<S> {
        Coalesce {
            io,
            hold,
            held: Vec::new(),
        }
    }
}

forward_read!(Coalesce);

impl<S: AsyncWrite + Unpin> Coalesce<S> {
    /// Writes the held bytes followed by `bufs` (at least one byte of `bufs`, when they have
    /// any, unless the stream takes no more); the count is of `bufs`' bytes.
    fn write_after_held(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        while !self.held.is_empty() {
            let mut slices = Vec::with_capacity(bufs.len() + 1);
            slices.push(IoSlice::new(&self.held));
            slices.extend(bufs.iter().map(|b| IoSlice::new(b)));
            let n = ready!(Pin::new(&mut self.io).poll_write_vectored(cx, &slices))?;
            if n == 0 {
                return Poll::Ready(Ok(0));
            }
            let from_held = n.min(self.held.len());
            self.held.drain(..from_held);
            if self.held.is_empty() {
                // Written: the connection (a WebSocket's, for hours) keeps no buffer.
                self.held = Vec::new();
            }
            if n > from_held {
                return Poll::Ready(Ok(n - from_held));
            }
        }
        if bufs.iter().all(|b| b.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    /// Keeps `bufs` when the service marked the response they start (the hold flag): their
    /// length; `None` when they are to be written.
    fn take_held(&mut self, bufs: &[IoSlice<'_>]) -> Option<usize> {
        if !self.held.is_empty() || !self.hold.swap(false, Ordering::AcqRel) {
            return None;
        }
        for buf in bufs {
            self.held.extend_from_slice(buf);
        }
        Some(self.held.len())
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Coalesce<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        if let Some(n) = this.take_held(bufs) {
            return Poll::Ready(Ok(n));
        }
        if this.held.is_empty() {
            return Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        }
        this.write_after_held(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if !self.held.is_empty() {
            // Held for the next write, which comes at once.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if !this.held.is_empty() {
            ready!(this.write_after_held(cx, &[]))?;
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// A stream that records each write call and each read from its input.
    #[derive(Default)]
    struct Recorder {
        input: Vec<u8>,
        reads: usize,
        writes: Vec<Vec<u8>>,
        shutdowns: usize,
    }

    impl AsyncRead for Recorder {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            self.reads += 1;
            let n = self.input.len().min(buf.remaining());
            buf.put_slice(&self.input[..n]);
            self.input.drain(..n);
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Recorder {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            self.writes.push(buf.to_vec());
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            let all: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
            let n = all.len();
            self.writes.push(all);
            Poll::Ready(Ok(n))
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<std::io::Result<()>> {
            self.shutdowns += 1;
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_marked_response_goes_out_with_the_next_write() {
        let hold = Arc::new(AtomicBool::new(false));
        let mut io = Coalesce::new(Recorder::default(), hold.clone());
        io.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        io.flush().await.unwrap();
        assert_eq!(
            io.io.writes.len(),
            1,
            "unmarked responses are written at once"
        );

        hold.store(true, Ordering::Release);
        io.write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        io.flush().await.unwrap();
        assert_eq!(io.io.writes.len(), 1, "the 101 waits, flushed or not");
        io.write_all(b"\x81\x020x").await.unwrap();
        io.flush().await.unwrap();
        assert_eq!(
            io.io.writes[1], b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x020x",
            "one write, in order"
        );
        assert_eq!(
            io.held.capacity(),
            0,
            "nothing kept for the connection's lifetime once written"
        );
        io.write_all(b"next").await.unwrap();
        assert_eq!(io.io.writes.len(), 3);
        assert_eq!(io.io.writes[2], b"next");
    }

    #[tokio::test]
    async fn a_held_response_is_written_before_the_shutdown() {
        let hold = Arc::new(AtomicBool::new(true));
        let mut io = Coalesce::new(Recorder::default(), hold);
        io.write_all(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
            .await
            .unwrap();
        io.shutdown().await.unwrap();
        assert_eq!(
            io.io.writes,
            vec![b"HTTP/1.1 101 Switching Protocols\r\n\r\n".to_vec()]
        );
        assert_eq!(io.io.shutdowns, 1);
    }

    #[tokio::test]
    async fn the_version_check_and_the_request_head_take_one_read() {
        let head = b"GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n";
        let recorder = Recorder {
            input: head.to_vec(),
            ..Recorder::default()
        };
        let mut io = Preface::new(recorder, Some(Duration::from_secs(5)));
        let mut version = [0u8; 24];
        io.read_exact(&mut version).await.unwrap();
        assert!(io.deadline.is_none(), "decided: not the HTTP/2 preface");
        let mut rest = vec![0u8; 16 * 1024];
        let n = io.read(&mut rest).await.unwrap();
        assert_eq!([&version[..], &rest[..n]].concat(), head);
        assert_eq!(io.io.reads, 1);
        assert_eq!(
            io.ahead.capacity(),
            0,
            "nothing kept for the connection's lifetime once handed out"
        );
        // Later reads go straight to the stream.
        let _ = io.read(&mut version).await.unwrap();
        assert_eq!(io.io.reads, 2);
    }

    #[tokio::test]
    async fn the_h2_preface_is_recognised_across_the_read_ahead() {
        let recorder = Recorder {
            input: [H2_PREFACE, b"\0\0\0\x04\0\0\0\0\0"].concat(),
            ..Recorder::default()
        };
        let mut io = Preface::new(recorder, Some(Duration::from_secs(5)));
        let mut first = [0u8; 10];
        io.read_exact(&mut first).await.unwrap();
        assert!(
            io.deadline.is_some(),
            "a prefix of the preface decides nothing"
        );
        let mut rest = [0u8; 14];
        io.read_exact(&mut rest).await.unwrap();
        assert!(io.deadline.is_none());
        assert_eq!([&first[..], &rest[..]].concat(), H2_PREFACE);
        assert_eq!(io.io.reads, 1);
    }
}

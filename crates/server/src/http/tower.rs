//! The server as a tower [`Service`] and [`Layer`], to mount it in axum, hyper-util or any
//! tower stack (feature `tower`, on by default).
//!
//! * [`SocketIoService`] answers every request it gets as the Engine.IO endpoint (404
//!   outside [`Config::path`](crate::Config::path)).
//! * [`SocketIoLayer`] wraps another service: requests for the Engine.IO path go to the
//!   server, all others to the wrapped service.
//!
//! Both accept any request body. A polling POST body is read up to
//! [`Config::max_payload`](crate::Config::max_payload) bytes and no further: a longer body
//! (or a longer declared `Content-Length`) gets 413 and closes the session, as over the
//! server's own listener. WebSocket transports need the connection's upgrade, which hyper
//! (and so axum) puts in every request's extensions; the HTTP/1 connection must be served
//! with upgrades enabled.
//!
//! Whoever serves the connections also owns their deadline for request heads. Give hyper's
//! builder a timer and [`Config::header_read_timeout`](crate::Config::header_read_timeout),
//! as in the [`SocketIoLayer`] example and as [`Server::serve`] does: without a timer, hyper
//! applies no deadline, and a peer that sends its request head slowly, or nothing at all,
//! holds its connection forever. Other HTTP servers (axum's `serve`, for one) have their own
//! settings for this; check that one is set.
//!
//! The peer address given to sessions ([`RequestInfo::remote_addr`](crate::engine::RequestInfo))
//! is the request's [`SocketAddr`] extension when it has one, else the address set with
//! `with_remote`, else none. Under axum, a middleware can copy the `ConnectInfo` address
//! into that extension.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::net::SocketAddr;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Body;
use tower_layer::Layer;
use tower_service::Service;

use crate::Server;
use crate::engine::EngineError;
use crate::sync::BoxFuture;

/// The answers of the Socket.IO endpoint.
pub type IoResponse = Response<Full<Bytes>>;

/// The server as a tower service: every request it gets is for the Engine.IO endpoint.
///
/// Cloning is cheap; every clone serves the same [`Server`]. It is always ready and never
/// fails: errors are HTTP answers.
///
/// ```
/// # async fn demo() {
/// use tower::ServiceExt;
/// use wsio_server::{Config, Server, SocketIoService};
///
/// let io = Server::new(Config::default());
/// let request = http::Request::get("/socket.io/?EIO=4&transport=polling")
///     .body(http_body_util::Empty::<bytes::Bytes>::new())
///     .expect("request");
/// let response = SocketIoService::new(io).oneshot(request).await;
/// assert!(response.is_ok_and(|r| r.status() == 200));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SocketIoService {
    server: Server,
    remote: Option<SocketAddr>,
}

impl SocketIoService {
    /// A service answering for `server`.
    pub fn new(server: Server) -> SocketIoService {
        SocketIoService {
            server,
            remote: None,
        }
    }

    /// Uses `remote` as the peer address of requests without a [`SocketAddr`] extension
    /// (for a service made per connection).
    #[must_use]
    pub fn with_remote(mut self, remote: Option<SocketAddr>) -> SocketIoService {
        self.remote = remote;
        self
    }

    /// The server this service answers for.
    pub fn server(&self) -> &Server {
        &self.server
    }

    fn answer<B>(&self, req: Request<B>) -> BoxFuture<'static, IoResponse>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let server = self.server.clone();
        let remote = req
            .extensions()
            .get::<SocketAddr>()
            .copied()
            .or(self.remote);
        Box::pin(async move { answer(&server, req, remote).await })
    }
}

impl<B> Service<Request<B>> for SocketIoService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Response = IoResponse;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<IoResponse, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let answer = self.answer(req);
        Box::pin(async move { Ok(answer.await) })
    }
}

/// Mounts the server next to other routes: requests for the Engine.IO path
/// ([`Config::path`](crate::Config::path), `/socket.io/` by default) go to the server,
/// every other request to the wrapped service.
///
/// With axum: `Router::new().route("/", get(page)).layer(SocketIoLayer::new(io))` (the
/// layer's answers are `http::Response`s whose body is either the server's or the router's).
/// With hyper, wrap the application's service and serve it with upgrades:
///
/// ```no_run
/// use bytes::Bytes;
/// use http_body_util::Full;
/// use hyper::body::Incoming;
/// use hyper_util::rt::{TokioIo, TokioTimer};
/// use hyper_util::service::TowerToHyperService;
/// use tower_layer::Layer;
/// use wsio_server::{Config, Server, Socket, SocketIoLayer};
///
/// # async fn demo() -> std::io::Result<()> {
/// let io = Server::new(Config::default());
/// io.ns("/", |socket: Socket| {
///     let _ = socket.emit("hello", "world");
/// });
///
/// // The application: one page; Socket.IO lives beside it under /socket.io/.
/// let app = tower::service_fn(|_req: http::Request<Incoming>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from("app"))))
/// });
/// // Request heads must arrive within the server's deadline.
/// let mut http = hyper::server::conn::http1::Builder::new();
/// http.timer(TokioTimer::new())
///     .header_read_timeout(io.config().header_read_timeout);
/// let layer = SocketIoLayer::new(io);
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// loop {
///     let (tcp, peer) = listener.accept().await?;
///     let service = layer.clone().with_remote(Some(peer)).layer(app);
///     tokio::spawn(
///         http.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service))
///             .with_upgrades(),
///     );
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SocketIoLayer {
    io: SocketIoService,
}

impl SocketIoLayer {
    /// A layer routing the Engine.IO path to `server`.
    pub fn new(server: Server) -> SocketIoLayer {
        SocketIoLayer {
            io: SocketIoService::new(server),
        }
    }

    /// Uses `remote` as the peer address of requests without a [`SocketAddr`] extension.
    #[must_use]
    pub fn with_remote(mut self, remote: Option<SocketAddr>) -> SocketIoLayer {
        self.io = self.io.with_remote(remote);
        self
    }
}

impl<S> Layer<S> for SocketIoLayer {
    type Service = SocketIoRouter<S>;

    fn layer(&self, inner: S) -> SocketIoRouter<S> {
        SocketIoRouter {
            io: self.io.clone(),
            inner,
        }
    }
}

/// The service made by [`SocketIoLayer`]: the Engine.IO path to the server, the rest to
/// `S`.
///
/// It is always ready: the wrapped service is polled for readiness only for the requests
/// it gets (on a clone, as tower middleware that routes does).
#[derive(Debug, Clone)]
pub struct SocketIoRouter<S> {
    io: SocketIoService,
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SocketIoRouter<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<Box<dyn StdError + Send + Sync>>,
    ResBody: Send + 'static,
{
    type Response = Response<Either<Full<Bytes>, ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        if self.io.server.0.engine.serves(req.uri().path()) {
            let answer = self.io.answer(req);
            return Box::pin(async move { Ok(answer.await.map(Either::Left)) });
        }
        // The clone that was not polled stays here; the polled one takes the request.
        let fresh = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, fresh);
        Box::pin(async move {
            std::future::poll_fn(|cx| inner.poll_ready(cx)).await?;
            let response = inner.call(req).await?;
            Ok(response.map(Either::Right))
        })
    }
}

/// Reads what the engine needs of `req`'s body, then answers through the server.
async fn answer<B>(server: &Server, req: Request<B>, remote: Option<SocketAddr>) -> IoResponse
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let max_payload = server.0.config.max_payload;
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Only polling POSTs carry a body; one declared too long is refused by the engine from
    // its header alone, so it is not read here either.
    let declared_too_long = declared.is_some_and(|len| len > max_payload as u64);
    let bytes = if parts.method == Method::POST && !declared_too_long {
        // One byte more than allowed is enough for the engine to refuse it.
        match read_at_most(body, max_payload.saturating_add(1)).await {
            Ok(bytes) => bytes,
            Err(()) => return EngineError::BadRequest.response(None),
        }
    } else {
        Bytes::new()
    };
    let Some((body, connection)) = super::incoming::incoming(bytes).await else {
        let mut response = Response::new(Full::new(Bytes::from_static(b"Internal Server Error")));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return response;
    };
    let response = server
        .handle(Request::from_parts(parts, body), remote)
        .await;
    drop(connection);
    response
}

/// The body's first `limit` bytes (fewer if it is shorter); the rest is never read.
async fn read_at_most<B>(body: B, limit: usize) -> Result<Bytes, ()>
where
    B: Body,
{
    let mut body = std::pin::pin!(body);
    let mut out = BytesMut::new();
    while out.len() < limit {
        let Some(frame) = body.frame().await else {
            break;
        };
        let Ok(frame) = frame else {
            return Err(());
        };
        if let Ok(mut data) = frame.into_data() {
            let take = data.remaining().min(limit - out.len());
            out.extend_from_slice(&data.copy_to_bytes(take));
        }
    }
    Ok(out.freeze())
}

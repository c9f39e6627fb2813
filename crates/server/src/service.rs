//! The server as a hyper service and, with the `tower` feature (on by default), as a tower
//! `Service` and `Layer`: the engine's
//! services ([`wsio_engine::HttpService`], [`wsio_engine::EngineService`],
//! [`wsio_engine::EngineLayer`]) serving a [`Server`](crate::Server).
//!
//! Whoever serves the connections owns their deadline for request heads: give hyper's builder
//! a timer and [`Config::header_read_timeout`](crate::Config::header_read_timeout), as in the
//! [`SocketIoLayer`] example and as [`Server::serve`](crate::Server::serve) does. See the
//! engine's [`EngineService`](wsio_engine::EngineService) for bodies, upgrades and peer
//! addresses.

use std::net::SocketAddr;

use crate::server::Server;

/// The server as a hyper service for one connection (whose peer address it carries), from
/// [`Server::service`](crate::Server::service).
///
/// ```no_run
/// # async fn demo(io: wsio_server::Server) -> std::io::Result<()> {
/// use hyper_util::rt::{TokioIo, TokioTimer};
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// let (tcp, peer) = listener.accept().await?;
/// let service = io.service(Some(peer));
/// tokio::spawn(
///     hyper::server::conn::http1::Builder::new()
///         .timer(TokioTimer::new())
///         .header_read_timeout(io.config().header_read_timeout)
///         .serve_connection(TokioIo::new(tcp), service)
///         .with_upgrades(),
/// );
/// # Ok(()) }
/// ```
pub type IoService = wsio_engine::HttpService<Server>;

impl Server {
    /// The server as a hyper service for a connection from `remote`.
    pub fn service(&self, remote: Option<SocketAddr>) -> IoService {
        wsio_engine::HttpService::new(self.clone(), remote)
    }
}

/// The server as a tower service: every request it gets is for the Engine.IO endpoint (404
/// outside [`Config::path`](crate::Config::path)).
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
#[cfg(feature = "tower")]
pub type SocketIoService = wsio_engine::EngineService<Server>;

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
#[cfg(feature = "tower")]
pub type SocketIoLayer = wsio_engine::EngineLayer<Server>;

/// The service made by [`SocketIoLayer`]: the Engine.IO path to the server, the rest to `S`.
#[cfg(feature = "tower")]
pub type SocketIoRouter<S> = wsio_engine::EngineRouter<S, Server>;

/// The answers of the Socket.IO endpoint.
#[cfg(feature = "tower")]
pub type IoResponse = wsio_engine::EngineResponse;

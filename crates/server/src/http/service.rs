//! A hyper `Service` so hyper (and, through an adapter, axum/tower) users can mount the
//! server.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::Server;
use crate::engine::Endpoint;
use crate::sync::BoxFuture;

/// The server as a hyper service for one connection (whose peer address it carries).
///
/// Serving the connection is the caller's part, and so is its deadline for request heads:
/// give hyper a timer and [`Config::header_read_timeout`](crate::Config::header_read_timeout),
/// as [`Server::serve`] does, or a peer that never finishes a request holds its connection
/// forever.
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
#[derive(Debug, Clone)]
pub struct IoService {
    pub(crate) server: Server,
    pub(crate) remote: Option<SocketAddr>,
}

impl hyper::service::Service<Request<Incoming>> for IoService {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let server = self.server.clone();
        let remote = self.remote;
        Box::pin(async move { Ok(server.handle(req, remote).await) })
    }
}

/// Answers a request for the Engine.IO path of `endpoint`: CORS, preflight, then the engine.
pub(crate) async fn handle(
    endpoint: &dyn Endpoint,
    req: Request<Incoming>,
    remote: Option<SocketAddr>,
) -> Response<Full<Bytes>> {
    let engine = endpoint.engine();
    if !engine.serves(req.uri().path()) {
        let mut response = Response::new(Full::new(Bytes::from_static(b"Not Found")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    let cors = engine.config.cors.clone();
    let request_headers = cors.as_ref().map(|_| req.headers().clone());
    if req.method() == Method::OPTIONS {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NO_CONTENT;
        if let (Some(cors), Some(headers)) = (&cors, &request_headers) {
            cors.apply_preflight(headers, response.headers_mut());
        }
        return response;
    }
    let mut response = engine.handle(req, remote, endpoint.handler()).await;
    if let (Some(cors), Some(headers)) = (&cors, &request_headers) {
        cors.apply(headers, response.headers_mut());
    }
    response
}

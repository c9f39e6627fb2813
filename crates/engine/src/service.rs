//! A hyper `Service`, so hyper users can mount an endpoint on connections they serve.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::engine::{Endpoint, Engine, Handler};
use crate::handler::BoxFuture;

/// An [`Endpoint`] as a hyper service for one connection (whose peer address it carries).
///
/// Serving the connection is the caller's part, and so is its deadline for request heads:
/// give hyper a timer and
/// [`EngineConfig::header_read_timeout`](crate::EngineConfig::header_read_timeout), as
/// [`Engine::serve`](crate::Engine::serve) does, or a peer that never finishes a request holds
/// its connection forever.
///
/// ```no_run
/// # async fn demo<H: wsio_engine::Handler>(engine: wsio_engine::Engine<H>) -> std::io::Result<()> {
/// use hyper_util::rt::{TokioIo, TokioTimer};
///
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// let (tcp, peer) = listener.accept().await?;
/// let service = engine.service(Some(peer));
/// tokio::spawn(
///     hyper::server::conn::http1::Builder::new()
///         .timer(TokioTimer::new())
///         .header_read_timeout(engine.config().header_read_timeout)
///         .serve_connection(TokioIo::new(tcp), service)
///         .with_upgrades(),
/// );
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct HttpService<E> {
    endpoint: E,
    remote: Option<SocketAddr>,
}

impl<E: Endpoint> HttpService<E> {
    /// A service answering for `endpoint`, on a connection from `remote`.
    pub fn new(endpoint: E, remote: Option<SocketAddr>) -> HttpService<E> {
        HttpService { endpoint, remote }
    }
}

impl<H: Handler> Engine<H> {
    /// The endpoint as a hyper service for a connection from `remote`.
    pub fn service(&self, remote: Option<SocketAddr>) -> HttpService<Engine<H>> {
        HttpService::new(self.clone(), remote)
    }
}

impl<E: Endpoint> hyper::service::Service<Request<Incoming>> for HttpService<E> {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let endpoint = self.endpoint.clone();
        let remote = self.remote;
        Box::pin(async move { Ok(endpoint.engine().handle(req, remote).await) })
    }
}

//! An endpoint as a tower [`Service`] and [`Layer`], to mount it in axum, hyper-util or any
//! tower stack (feature `tower`, on by default).
//!
//! * [`EngineService`] answers every request it gets as the Engine.IO endpoint (404
//!   outside [`EngineConfig::path`](crate::EngineConfig::path)).
//! * [`EngineLayer`] wraps another service: requests for the Engine.IO path go to the
//!   endpoint, all others to the wrapped service ([`EngineRouter`]).
//!
//! Both serve any [`Endpoint`]: an [`Engine`](crate::Engine), or a server built on one.
//! Both accept any request body. A polling POST body is read up to
//! [`EngineConfig::max_payload`](crate::EngineConfig::max_payload) bytes and no further: a
//! longer body (or a longer declared `Content-Length`) gets 413 and closes the session, as
//! over the engine's own listener. WebSocket transports need the connection's upgrade, which
//! hyper (and so axum) puts in every request's extensions; the HTTP/1 connection must be
//! served with upgrades enabled.
//!
//! Whoever serves the connections also owns their deadline for request heads. Give hyper's
//! builder a timer and
//! [`EngineConfig::header_read_timeout`](crate::EngineConfig::header_read_timeout), as
//! [`Engine::serve`](crate::Engine::serve) does: without a timer, hyper applies no deadline,
//! and a peer that sends its request head slowly, or nothing at all, holds its connection
//! forever. Other HTTP servers (axum's `serve`, for one) have their own settings for this;
//! check that one is set.
//!
//! The peer address given to sessions ([`RequestInfo::remote_addr`](crate::RequestInfo)) is
//! the request's [`SocketAddr`] extension when it has one, else the address set with
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

use crate::engine::Endpoint;
use crate::handler::BoxFuture;
use crate::response::RefusalReason;

/// The answers of an endpoint.
pub type EngineResponse = Response<Full<Bytes>>;

/// An endpoint as a tower service: every request it gets is for the Engine.IO endpoint.
///
/// Cloning is cheap; every clone serves the same endpoint. It is always ready and never
/// fails: errors are HTTP answers.
#[derive(Debug, Clone)]
pub struct EngineService<E> {
    endpoint: E,
    remote: Option<SocketAddr>,
}

impl<E: Endpoint> EngineService<E> {
    /// A service answering for `endpoint`.
    pub fn new(endpoint: E) -> EngineService<E> {
        EngineService {
            endpoint,
            remote: None,
        }
    }

    /// Uses `remote` as the peer address of requests without a [`SocketAddr`] extension
    /// (for a service made per connection).
    #[must_use]
    pub fn with_remote(mut self, remote: Option<SocketAddr>) -> EngineService<E> {
        self.remote = remote;
        self
    }

    /// The endpoint this service answers for.
    pub fn endpoint(&self) -> &E {
        &self.endpoint
    }

    fn answer<B>(&self, req: Request<B>) -> BoxFuture<'static, EngineResponse>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let endpoint = self.endpoint.clone();
        let remote = req
            .extensions()
            .get::<SocketAddr>()
            .copied()
            .or(self.remote);
        Box::pin(async move { answer(&endpoint, req, remote).await })
    }
}

impl<B, E: Endpoint> Service<Request<B>> for EngineService<E>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    type Response = EngineResponse;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<EngineResponse, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let answer = self.answer(req);
        Box::pin(async move { Ok(answer.await) })
    }
}

/// Mounts an endpoint next to other routes: requests for the Engine.IO path
/// ([`EngineConfig::path`](crate::EngineConfig::path)) go to the endpoint, every other
/// request to the wrapped service.
///
/// With axum: `Router::new().route("/", get(page)).layer(EngineLayer::new(endpoint))` (the
/// layer's answers are `http::Response`s whose body is either the endpoint's or the
/// router's). With hyper, wrap the application's service with it, and serve it through
/// hyper-util's `TowerToHyperService` with upgrades.
#[derive(Debug, Clone)]
pub struct EngineLayer<E> {
    io: EngineService<E>,
}

impl<E: Endpoint> EngineLayer<E> {
    /// A layer routing the Engine.IO path to `endpoint`.
    pub fn new(endpoint: E) -> EngineLayer<E> {
        EngineLayer {
            io: EngineService::new(endpoint),
        }
    }

    /// Uses `remote` as the peer address of requests without a [`SocketAddr`] extension.
    #[must_use]
    pub fn with_remote(mut self, remote: Option<SocketAddr>) -> EngineLayer<E> {
        self.io = self.io.with_remote(remote);
        self
    }
}

impl<S, E: Endpoint> Layer<S> for EngineLayer<E> {
    type Service = EngineRouter<S, E>;

    fn layer(&self, inner: S) -> EngineRouter<S, E> {
        EngineRouter {
            io: self.io.clone(),
            inner,
        }
    }
}

/// The service made by [`EngineLayer`]: the Engine.IO path to the endpoint, the rest to
/// `S`.
///
/// It is always ready: the wrapped service is polled for readiness only for the requests
/// it gets (on a clone, as tower middleware that routes does).
#[derive(Debug, Clone)]
pub struct EngineRouter<S, E> {
    io: EngineService<E>,
    inner: S,
}

impl<S, E, ReqBody, ResBody> Service<Request<ReqBody>> for EngineRouter<S, E>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<Box<dyn StdError + Send + Sync>>,
    ResBody: Send + 'static,
    E: Endpoint,
{
    type Response = Response<Either<Full<Bytes>, ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        if self.io.endpoint.engine().serves(req.uri().path()) {
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

/// Reads what the engine needs of `req`'s body, then answers through the endpoint.
async fn answer<E, B>(endpoint: &E, req: Request<B>, remote: Option<SocketAddr>) -> EngineResponse
where
    E: Endpoint,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn StdError + Send + Sync>>,
{
    let engine = endpoint.engine();
    let max_payload = engine.config().max_payload;
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
            Err(()) => return RefusalReason::BadRequest.response(None),
        }
    } else {
        Bytes::new()
    };
    let Some((body, connection)) = crate::incoming::incoming(bytes).await else {
        let mut response = Response::new(Full::new(Bytes::from_static(b"Internal Server Error")));
        *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
        return response;
    };
    let response = engine
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

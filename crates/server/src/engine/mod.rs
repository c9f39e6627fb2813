//! Engine.IO v4 over hyper: sessions, long-polling, WebSocket and the upgrade between them.

mod echo;
mod endpoint;
mod errors;
mod polling;
mod read_wake;
mod request;
mod session;
mod sid;
mod websocket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use event_proto::engine::Handshake;
use http::{Method, Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;

pub(crate) use echo::Echo;
pub(crate) use endpoint::Endpoint;
pub use errors::EngineError;
pub use request::RequestInfo;
pub(crate) use request::query_param;
pub(crate) use session::{Conn, ConnHandler, Outgoing, Transport};
pub use sid::Sid;
pub(crate) use websocket::SharedPacket;

use crate::config::Config;
use crate::sync::lock;

/// Creates the layer above for each new session.
pub(crate) trait EngineHandler: Send + Sync + 'static {
    /// A session opened; returns its handler.
    fn on_open(&self, conn: &Arc<Conn>) -> Arc<dyn ConnHandler>;
}

/// The live sessions, by id.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    sessions: Mutex<HashMap<Sid, Arc<Conn>>>,
}

impl Registry {
    pub(crate) fn get(&self, sid: &str) -> Option<Arc<Conn>> {
        lock(&self.sessions).get(sid).cloned()
    }

    pub(crate) fn remove(&self, sid: &Sid) {
        lock(&self.sessions).remove(sid);
    }

    pub(crate) fn len(&self) -> usize {
        lock(&self.sessions).len()
    }

    pub(crate) fn all(&self) -> Vec<Arc<Conn>> {
        lock(&self.sessions).values().cloned().collect()
    }
}

/// The Engine.IO endpoint: routes requests to sessions.
pub(crate) struct Engine {
    pub(crate) config: Arc<Config>,
    pub(crate) registry: Arc<Registry>,
}

/// The body type of every answer.
pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// A plain-text answer with status 200.
pub(crate) fn text_response(body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    response
}

impl Engine {
    pub(crate) fn new(config: Arc<Config>) -> Engine {
        Engine {
            config,
            registry: Arc::new(Registry::default()),
        }
    }

    /// True when `path` is the Engine.IO path (with or without its trailing slash).
    pub(crate) fn serves(&self, path: &str) -> bool {
        let base = self.config.path.trim_end_matches('/');
        path.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest == "/")
    }

    /// Closes every live session with `reason`.
    pub(crate) fn close_all(&self, reason: crate::DisconnectReason) {
        for conn in self.registry.all() {
            conn.close(reason);
        }
    }

    /// Answers one request addressed to the Engine.IO path.
    pub(crate) async fn handle(
        &self,
        req: Request<Incoming>,
        remote: Option<SocketAddr>,
        handler: &dyn EngineHandler,
    ) -> HttpResponse {
        let query = req.uri().query().unwrap_or("");
        if query_param(query, "EIO").as_deref() != Some("4") {
            return EngineError::UnsupportedProtocolVersion.response(None);
        }
        let transport = query_param(query, "transport");
        let is_ws = match transport.as_deref() {
            Some("polling") => false,
            Some("websocket") => true,
            _ => return EngineError::UnknownTransport.response(None),
        };
        let sid = query_param(query, "sid");
        let needs_check = sid.is_none() || is_ws;
        if let (true, Some(allow)) = (needs_check, &self.config.allow_request) {
            let (parts, body) = req.into_parts();
            if let Err(message) = allow(&parts) {
                return EngineError::Forbidden.response(Some(&message));
            }
            let req = Request::from_parts(parts, body);
            return self.route(req, remote, handler, sid, is_ws).await;
        }
        self.route(req, remote, handler, sid, is_ws).await
    }

    async fn route(
        &self,
        req: Request<Incoming>,
        remote: Option<SocketAddr>,
        handler: &dyn EngineHandler,
        sid: Option<String>,
        is_ws: bool,
    ) -> HttpResponse {
        match (sid, is_ws) {
            (None, _) if req.method() != Method::GET => {
                EngineError::BadHandshakeMethod.response(None)
            }
            (None, false) => {
                let conn = self.open(&req, remote, Transport::Polling, handler);
                let handshake = self.handshake(&conn, vec!["websocket".to_owned()]);
                text_response(event_proto::engine::encode_payload(
                    &[handshake.to_packet()],
                ))
            }
            (None, true) => websocket::open(self, req, remote, handler),
            (Some(sid), is_ws) => {
                let Some(conn) = self.registry.get(&sid) else {
                    return EngineError::UnknownSid.response(None);
                };
                if is_ws {
                    return websocket::upgrade(self, req, conn);
                }
                match *req.method() {
                    Method::GET => polling::get(&conn, self.config.max_payload).await,
                    Method::POST => polling::post(&conn, req, self.config.max_payload).await,
                    _ => EngineError::BadRequest.response(None),
                }
            }
        }
    }

    /// Creates and registers a session, with its heartbeat task.
    pub(crate) fn open<B>(
        &self,
        req: &Request<B>,
        remote: Option<SocketAddr>,
        transport: Transport,
        handler: &dyn EngineHandler,
    ) -> Arc<Conn> {
        let info = RequestInfo::detached(req.headers(), req.uri(), remote);
        let conn = Arc::new(Conn::new(
            info,
            transport,
            self.config.ping_interval,
            self.config.ping_timeout,
            self.config.queue_capacity,
            Arc::downgrade(&self.registry),
        ));
        lock(&self.registry.sessions).insert(conn.sid.clone(), conn.clone());
        conn.set_handler(handler.on_open(&conn));
        tokio::spawn(conn.clone().run_heartbeat(self.config.connect_timeout));
        conn
    }

    /// The open handshake of `conn`.
    pub(crate) fn handshake(&self, conn: &Conn, upgrades: Vec<String>) -> Handshake {
        Handshake {
            sid: conn.sid.to_string(),
            upgrades,
            ping_interval: millis(self.config.ping_interval),
            ping_timeout: millis(self.config.ping_timeout),
            max_payload: u64::try_from(self.config.max_payload).unwrap_or(u64::MAX),
        }
    }
}

/// Serves an Engine.IO-only echo on `listener` with `config` until `stop` resolves: every
/// message a client sends, text or binary, comes back unchanged over its session (the
/// application of `wsio engine-echo`). Then every session is closed.
pub async fn serve_echo(
    listener: tokio::net::TcpListener,
    config: Config,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let endpoint = EngineEcho(Arc::new(Engine::new(Arc::new(config))));
    crate::http::serve::serve(endpoint, listener, stop, None).await
}

/// The echo endpoint; clones share the engine.
#[derive(Clone)]
struct EngineEcho(Arc<Engine>);

impl Endpoint for EngineEcho {
    fn engine(&self) -> &Engine {
        &self.0
    }

    fn handler(&self) -> &dyn EngineHandler {
        &Echo
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

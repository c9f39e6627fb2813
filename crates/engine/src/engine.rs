//! [`Engine`]: an Engine.IO endpoint, its live sessions and the handler above them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use event_proto::engine::Handshake;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::close_reason::CloseReason;
use crate::config::EngineConfig;
use crate::handler::SessionHandler;
use crate::request::{EngineQuery, RequestInfo};
use crate::response::{HttpResponse, RefusalReason, not_found, text_response};
use crate::session::{Registry, Session, Transport};
use crate::{polling, websocket};

/// The layer above the engine: told of every new session, it returns that session's
/// [`SessionHandler`]. One per [`Engine`]; called once per session.
pub trait Handler: Send + Sync + 'static {
    /// A session opened (its handshake is about to be sent); returns the handler of its
    /// messages and close. The handler is kept by the session until it closes: to reach the
    /// session from it, hold the session weakly.
    fn on_open(&self, session: &Arc<Session>) -> Arc<dyn SessionHandler>;
}

struct Shared<H> {
    config: EngineConfig,
    registry: Arc<Registry>,
    handler: H,
    /// Endpoints serving WebTransport now: while there is one, polling handshakes offer it.
    webtransport: AtomicUsize,
}

/// An Engine.IO v4 endpoint: it answers the requests for its path, keeps the live sessions,
/// and hands each new session to its [`Handler`]. Cloning is cheap and every clone is the
/// same endpoint.
///
/// The handler is a type parameter, so the engine calls it without dynamic dispatch; each
/// session calls its own [`SessionHandler`](crate::SessionHandler) (one per session).
pub struct Engine<H>(Arc<Shared<H>>);

impl<H> Clone for Engine<H> {
    fn clone(&self) -> Self {
        Engine(self.0.clone())
    }
}

impl<H> std::fmt::Debug for Engine<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.0.config)
            .field("sessions", &self.0.registry.len())
            .finish()
    }
}

impl<H: Handler> Engine<H> {
    /// An endpoint with `config`, whose sessions go to `handler`.
    pub fn new(config: EngineConfig, handler: H) -> Engine<H> {
        Engine(Arc::new(Shared {
            config,
            registry: Arc::new(Registry::default()),
            handler,
            webtransport: AtomicUsize::new(0),
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.0.config
    }

    /// The handler of new sessions.
    pub fn handler(&self) -> &H {
        &self.0.handler
    }

    /// A snapshot of what the engine has done: live sessions by transport, sessions opened,
    /// upgraded and closed (by reason), refused requests, slow consumers, packets and bytes in
    /// and out. Walks the live sessions once; cheap enough to scrape every few seconds.
    pub fn stats(&self) -> crate::EngineStats {
        let registry = &self.0.registry;
        let mut stats = registry.counters.snapshot();
        for session in registry.all() {
            match session.transport() {
                Transport::WebSocket => stats.sessions_websocket += 1,
                Transport::WebTransport => stats.sessions_webtransport += 1,
                Transport::Polling | Transport::Upgrading => stats.sessions_polling += 1,
            }
            crate::stats::Counters::add_live(&mut stats, &session.traffic);
        }
        stats
    }

    /// Number of live sessions.
    pub fn session_count(&self) -> usize {
        self.0.registry.len()
    }

    /// The live session `sid`, if any.
    pub fn session(&self, sid: &str) -> Option<Arc<Session>> {
        self.0.registry.get(sid)
    }

    /// Closes every live session with `reason`.
    pub fn close_all(&self, reason: CloseReason) {
        for session in self.0.registry.all() {
            session.close(reason);
        }
    }

    /// True when `path` is the Engine.IO path (with or without its trailing slash).
    pub fn serves(&self, path: &str) -> bool {
        let base = self.0.config.path.trim_end_matches('/');
        path.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest == "/")
    }

    /// Answers one HTTP request (for hyper users who route themselves): CORS and preflight,
    /// then the Engine.IO protocol. Requests outside the Engine.IO path get 404.
    pub async fn handle(&self, req: Request<Incoming>, remote: Option<SocketAddr>) -> HttpResponse {
        if !self.serves(req.uri().path()) {
            return not_found();
        }
        let cors = self.0.config.cors.as_ref();
        if req.method() == Method::OPTIONS {
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = StatusCode::NO_CONTENT;
            if let Some(cors) = cors {
                cors.apply_preflight(req.headers(), response.headers_mut());
            }
            return response;
        }
        // Only the allowed Origin is kept (one shared header value), not the request's headers.
        let origin = cors.and_then(|cors| cors.allowed(req.headers()).cloned());
        let mut response = self.answer(req, remote).await;
        if response.status().is_client_error() {
            let reason = RefusalReason::take(&mut response);
            self.0.registry.counters.refused(reason);
        }
        if let (Some(cors), Some(origin)) = (cors, origin) {
            cors.apply_origin(origin, response.headers_mut());
        }
        response
    }

    /// Answers one request addressed to the Engine.IO path.
    async fn answer(&self, req: Request<Incoming>, remote: Option<SocketAddr>) -> HttpResponse {
        let query = EngineQuery::parse(req.uri().query().unwrap_or(""));
        if query.eio.as_deref() != Some("4") {
            return RefusalReason::UnsupportedProtocolVersion.response(None);
        }
        let is_ws = match query.transport.as_deref() {
            Some("polling") => false,
            Some("websocket") => true,
            _ => return RefusalReason::UnknownTransport.response(None),
        };
        // The session is looked up while the query still borrows the request; an unknown sid
        // is refused after `allow_request`, as before.
        let session = query.sid.as_deref().map(|sid| self.0.registry.get(sid));
        let needs_check = session.is_none() || is_ws;
        if let (true, Some(allow)) = (needs_check, &self.0.config.allow_request) {
            let (parts, body) = req.into_parts();
            if let Err(message) = allow(&parts) {
                return RefusalReason::Forbidden.response(Some(&message));
            }
            let req = Request::from_parts(parts, body);
            return self.route(req, remote, session, is_ws).await;
        }
        self.route(req, remote, session, is_ws).await
    }

    /// `session`: `None` for a handshake (no `sid`), `Some(None)` for a `sid` that names no
    /// live session.
    async fn route(
        &self,
        req: Request<Incoming>,
        remote: Option<SocketAddr>,
        session: Option<Option<Arc<Session>>>,
        is_ws: bool,
    ) -> HttpResponse {
        let config = &self.0.config;
        match (session, is_ws) {
            (None, _)
                if req.method() != Method::GET
                    && !(is_ws && crate::extended_connect::is_extended_connect(&req)) =>
            {
                RefusalReason::BadHandshakeMethod.response(None)
            }
            (None, false) => {
                let session = self.open(&req, remote, Transport::Polling);
                let handshake = self.handshake(&session, self.upgrades());
                text_response(event_proto::engine::encode_payload(
                    &[handshake.to_packet()],
                ))
            }
            (None, true) => self.count_http2(websocket::open(config, req, |req| {
                let session = self.open(req, remote, Transport::WebSocket);
                let open = self.handshake(&session, Vec::new()).to_packet();
                (session, open)
            })),
            (Some(None), _) => RefusalReason::UnknownSid.response(None),
            (Some(Some(session)), true) => {
                self.count_http2(websocket::upgrade(config, req, session))
            }
            (Some(Some(session)), false) => {
                // The span a WebSocket or WebTransport session's task runs in, for the length
                // of one request: what a POST delivers logs with its session.
                let span =
                    tracing::debug_span!("session", sid = %session.sid(), transport = "polling");
                let answer = async {
                    match *req.method() {
                        Method::GET => polling::get(&session, config.max_payload).await,
                        Method::POST => polling::post(&session, req, config.max_payload).await,
                        _ => RefusalReason::BadRequest.response(None),
                    }
                };
                tracing::Instrument::instrument(answer, span).await
            }
        }
    }

    /// Counts a WebSocket accepted over HTTP/2: the `200` of an extended CONNECT (an
    /// HTTP/1.1 upgrade is answered `101`).
    fn count_http2(&self, response: HttpResponse) -> HttpResponse {
        if response.status() == StatusCode::OK {
            self.0.registry.counters.websocket_over_http2();
        }
        response
    }

    /// Creates and registers a session, with its heartbeat task.
    pub(crate) fn open<B>(
        &self,
        req: &Request<B>,
        remote: Option<SocketAddr>,
        transport: Transport,
    ) -> Arc<Session> {
        let config = &self.0.config;
        let info = RequestInfo::detached(req.headers(), req.uri(), remote);
        let session = Arc::new(Session::new(
            info,
            transport,
            config.ping_interval,
            config.ping_timeout,
            config.queue_capacity,
            Arc::downgrade(&self.0.registry),
        ));
        self.0.registry.insert(session.clone());
        self.0.registry.counters.opened();
        tracing::debug!(sid = %session.sid(), ?transport, "session opened");
        session.set_handler(self.0.handler.on_open(&session));
        tokio::spawn(session.clone().run_heartbeat(config.connect_timeout));
        session
    }

    /// The transports a polling session may upgrade to: WebSocket, then WebTransport while an
    /// endpoint serves it (the reference's order; its client tries WebTransport first).
    fn upgrades(&self) -> Vec<String> {
        let mut upgrades = vec!["websocket".to_owned()];
        if self.0.webtransport.load(Ordering::Relaxed) > 0 {
            upgrades.push("webtransport".to_owned());
        }
        upgrades
    }

    /// Counts an endpoint serving WebTransport (`serving`) or one that stopped.
    #[cfg_attr(not(feature = "webtransport"), allow(dead_code))]
    pub(crate) fn serving_webtransport(&self, serving: bool) {
        if serving {
            self.0.webtransport.fetch_add(1, Ordering::Relaxed);
        } else {
            self.0.webtransport.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Counts a request refused before any session exists.
    #[cfg_attr(not(feature = "webtransport"), allow(dead_code))]
    pub(crate) fn refused(&self, reason: RefusalReason) {
        self.0.registry.counters.refused(reason);
    }

    /// The open handshake of `session`.
    pub(crate) fn handshake(&self, session: &Session, upgrades: Vec<String>) -> Handshake {
        let config = &self.0.config;
        Handshake {
            sid: session.sid().to_string(),
            upgrades,
            ping_interval: millis(config.ping_interval),
            ping_timeout: millis(config.ping_timeout),
            max_payload: u64::try_from(config.max_payload).unwrap_or(u64::MAX),
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Something that holds an [`Engine`]: the engine itself, or a server built on one (a
/// Socket.IO server). The hyper and tower services serve any endpoint.
pub trait Endpoint: Clone + Send + Sync + 'static {
    /// The handler of the engine's sessions.
    type Handler: Handler;
    /// The engine.
    fn engine(&self) -> &Engine<Self::Handler>;
}

impl<H: Handler> Endpoint for Engine<H> {
    type Handler = H;

    fn engine(&self) -> &Engine<H> {
        self
    }
}

//! [`Server`]: the Socket.IO server handle.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use tokio::net::TcpListener;
use wsio_engine::{CloseReason, Endpoint, Engine, Handler, Session, SessionHandler};

use crate::client::Client;
use crate::config::Config;
use crate::error::{AckError, BroadcastError};
use crate::handler::HandlerOutput;
use crate::namespace::{DynamicNamespace, Namespace, Namespaces, NsSetup};
use crate::reason::DisconnectReason;
use crate::socket::Socket;

pub(crate) struct ServerInner {
    config: Arc<Config>,
    engine: Engine<SocketIo>,
    namespaces: Arc<Namespaces>,
}

/// The Socket.IO layer as the handler of its [`Engine`]: every new session gets the Socket.IO
/// side of a connection (its decoder and its sockets by namespace).
pub struct SocketIo {
    namespaces: Weak<Namespaces>,
    limits: event_proto::Limits,
    parser: event_proto::AnyParser,
}

impl Handler for SocketIo {
    fn on_open(&self, session: &Arc<Session>) -> Arc<dyn SessionHandler> {
        Client::new(
            session.clone(),
            self.namespaces.clone(),
            self.limits,
            self.parser,
        )
    }
}

/// A Socket.IO server: namespaces, their sockets, and the Engine.IO endpoint. Cloning is
/// cheap and every clone is the same server.
///
/// ```
/// use std::time::Duration;
/// use wsio_server::{AckSender, Config, Server, Socket, Value};
///
/// let io = Server::new(Config::default());
/// io.ns("/", |socket: Socket| {
///     socket.on("echo", |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
///         let _ = socket.emit("echo", &args);
///         if let Some(ack) = ack {
///             let _ = ack.send(&args);
///         }
///     });
/// });
/// io.ns("/admin", |_socket| {}).middleware(|req| async move {
///     match req.auth.get("token").and_then(Value::as_str) {
///         Some("secret") => Ok(()),
///         _ => Err(wsio_server::ConnectError::new("unauthorized")),
///     }
/// });
/// assert!(io.of("/admin").is_some());
/// ```
///
/// Listening (runs until `stop` resolves):
///
/// ```no_run
/// # async fn demo(io: wsio_server::Server) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
/// io.serve(listener, async { let _ = tokio::signal::ctrl_c().await; }).await
/// # }
/// ```
#[derive(Clone)]
pub struct Server(pub(crate) Arc<ServerInner>);

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.0.config)
            .finish()
    }
}

impl Server {
    /// A server with `config` and no namespaces (clients joining any get `Invalid namespace`).
    pub fn new(config: Config) -> Server {
        let namespaces = Arc::new(Namespaces::new(
            config.adapter.clone(),
            config.connection_state_recovery,
            config.parser,
        ));
        let socket_io = SocketIo {
            namespaces: Arc::downgrade(&namespaces),
            // A packet is one Engine.IO message, which the engine already bounds by
            // `max_payload`: the parser takes the same bound for what it reads in one message.
            limits: event_proto::Limits {
                max_payload: config.max_payload,
                ..config.limits
            },
            parser: config.parser,
        };
        Server(Arc::new(ServerInner {
            engine: Engine::new(config.engine_config(), socket_io),
            config: Arc::new(config),
            namespaces,
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// Declares namespace `name`; `on_connect` runs for every socket that joins it, after
    /// the middleware accepted it. Declaring an existing name replaces its handler.
    ///
    /// The handler may be `async`; the part before its first pending `.await` runs before
    /// any event of the socket is dispatched, so handlers registered there see every event
    /// (see [`Socket::on`] for the order rule).
    pub fn ns<F, R, M>(&self, name: &str, on_connect: F) -> Namespace
    where
        F: Fn(Socket) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        self.0.namespaces.declare(
            name,
            NsSetup::new(Arc::new(move |socket| on_connect(socket).finish())),
        )
    }

    /// Declares the dynamic namespaces matching `pattern`, where `*` stands for any run of
    /// characters (`/room-*`). Each matching namespace is created on its first connection.
    /// The handler may be `async`, as with [`ns`](Self::ns).
    pub fn dynamic_ns<F, R, M>(&self, pattern: &str, on_connect: F) -> DynamicNamespace
    where
        F: Fn(Socket) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        let dynamic = DynamicNamespace {
            pattern: pattern.to_owned(),
            setup: NsSetup::new(Arc::new(move |socket| on_connect(socket).finish())),
        };
        self.0.namespaces.declare_dynamic(dynamic.clone());
        dynamic
    }

    /// The namespace `name`, if declared (or already created from a dynamic pattern).
    pub fn of(&self, name: &str) -> Option<Namespace> {
        self.0.namespaces.get(name)
    }

    /// A snapshot of the server: its Engine.IO figures (sessions by transport, closes by
    /// reason, packets and bytes, ...), and for each namespace on this server its sockets,
    /// rooms, events received and emitted, broadcasts, acknowledgements pending and timed
    /// out, middleware refusals and adapter reconnects (see [`NamespaceStats`]); plus the
    /// joins refused for an unknown namespace. Cheap enough to read every few seconds: the
    /// figures are counted as things happen, and reading them takes each namespace's
    /// socket and room maps' read locks for a moment.
    ///
    /// [`NamespaceStats`]: crate::NamespaceStats
    ///
    /// ```
    /// let io = wsio_server::Server::new(wsio_server::Config::default());
    /// io.ns("/", |_socket| {});
    /// let stats = io.stats();
    /// assert_eq!(stats.engine.sessions_websocket, 0);
    /// assert_eq!(stats.namespaces[0].name, "/");
    /// assert_eq!(stats.namespaces[0].sockets, 0);
    /// assert_eq!(stats.namespaces[0].rooms, Some(0));
    /// assert_eq!(stats.namespaces[0].events_received, 0);
    /// assert_eq!(stats.unknown_namespace_refusals, 0);
    /// ```
    pub fn stats(&self) -> crate::ServerStats {
        let namespaces = &self.0.namespaces;
        let mut by_namespace: Vec<_> = namespaces.all().iter().map(Namespace::stats).collect();
        by_namespace.sort_by(|a, b| a.name.cmp(&b.name));
        crate::ServerStats {
            engine: self.0.engine.stats(),
            namespaces: by_namespace,
            unknown_namespace_refusals: namespaces.unknown_refusals(),
        }
    }

    /// Number of live Engine.IO sessions.
    pub fn session_count(&self) -> usize {
        self.0.engine.session_count()
    }

    /// Answers one HTTP request (for hyper users who route themselves). Requests outside the
    /// Engine.IO path get 404.
    pub async fn handle(
        &self,
        req: Request<Incoming>,
        remote: Option<SocketAddr>,
    ) -> Response<Full<Bytes>> {
        self.0.engine.handle(req, remote).await
    }

    /// Serves HTTP on `listener` until `stop` resolves, then closes every session with
    /// `server shutting down`.
    pub async fn serve(
        &self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
    ) -> std::io::Result<()> {
        self.0.engine.serve(listener, stop).await
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
        self.0.engine.serve_with(listener, stop, fallback).await
    }

    /// Emits `event` with `args` to the server-side handlers of namespace `/` on every other
    /// server of the cluster ([`Namespace::server_side_emit`]). When `/` is not declared it
    /// reaches no server, as [`emit`](Self::emit) reaches no socket.
    pub async fn server_side_emit<T: serde::Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), BroadcastError> {
        self.main_or_empty().server_side_emit(event, args).await
    }

    /// [`Namespace::server_side_emit_with_ack`] on namespace `/`. When `/` is not declared no
    /// server is asked, and the answers are none.
    pub async fn server_side_emit_with_ack<T: serde::Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
        timeout: std::time::Duration,
    ) -> Result<Vec<event_proto::Value>, AckError> {
        self.main_or_empty()
            .server_side_emit_with_ack(event, args, timeout)
            .await
    }

    /// Closes every session; their sockets leave with `reason`.
    pub fn close(&self, reason: DisconnectReason) {
        if let Some(reason) = reason.close_reason() {
            self.0.engine.close_all(reason);
            return;
        }
        // A namespace reason is no reason to close a session: the sockets leave with it
        // first, then their sessions close.
        for ns in self.0.namespaces.all() {
            for socket in ns.sockets() {
                socket.leave_namespace(reason);
            }
        }
        self.0.engine.close_all(CloseReason::ForcedClose);
    }
}

impl Endpoint for Server {
    type Handler = SocketIo;

    fn engine(&self) -> &Engine<SocketIo> {
        &self.0.engine
    }
}

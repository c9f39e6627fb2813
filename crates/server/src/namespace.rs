//! Namespaces: their connect handler, middleware, sockets and adapter.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, Weak};

use event_proto::{AnyParser, Value};
use wsio_engine::{RequestInfo, Sid};

use crate::adapter::Room;
use crate::adapter_factory::{AdapterContext, AdapterFactory};
use crate::error::{AckError, AdapterError, BroadcastError, EmitError};
use crate::local_adapter::{LocalAdapter, LocalSockets};
use crate::ns_core::{NsCore, SocketRegistry};
use crate::prepared::Prepared;
use crate::recovery::RecoveryConfig;
use crate::server_side::{ServerSideAck, ServerSideHandlers};
use crate::socket::Socket;
use crate::stats::NamespaceStats;
use crate::sync::{BoxFuture, lock, read, write};

/// What a connect middleware sees: the namespace, the client's `auth` payload and the
/// opening HTTP request (headers, query, remote address); and what it gives the socket it
/// admits: its [`data`](crate::Socket::data) and extensions, as Node's middlewares set
/// `socket.data`. Every middleware of one attempt shares what the earlier ones set.
///
/// ```
/// use wsio_server::{Config, ConnectError, Server, Socket};
///
/// #[derive(Clone)]
/// struct UserId(u64);
///
/// let io = Server::new(Config::default());
/// io.ns("/", |socket: Socket| {
///     let user: Option<UserId> = socket.extension();
///     let name: Option<String> = socket.data();
///     # drop((user, name));
/// })
/// .middleware(|req| async move {
///     let token = req.auth.get("token").and_then(|t| t.as_str()).unwrap_or_default();
///     if token != "secret" {
///         return Err(ConnectError::new("unauthorized"));
///     }
///     req.insert_extension(UserId(7));
///     req.set_data(&"ada").map_err(|e| ConnectError::new(e.to_string()))
/// });
/// ```
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// The namespace being joined.
    pub ns: String,
    /// The CONNECT payload (`auth` on the client); an empty object when none was sent.
    pub auth: Value,
    /// The request that opened the Engine.IO session.
    pub info: Arc<RequestInfo>,
    prepared: Arc<Mutex<Prepared>>,
}

impl ConnectRequest {
    pub(crate) fn new(ns: String, auth: Value, info: Arc<RequestInfo>) -> ConnectRequest {
        ConnectRequest {
            ns,
            auth,
            info,
            prepared: Arc::default(),
        }
    }

    /// Sets the data of the socket this attempt admits (see
    /// [`Socket::set_data`](crate::Socket::set_data)); on a recovered session, it replaces
    /// the restored data.
    pub fn set_data<T: serde::Serialize + ?Sized>(
        &self,
        data: &T,
    ) -> Result<(), event_proto::Error> {
        let value = event_proto::value::to_value(data)?;
        lock(&self.prepared).data = Some(value);
        Ok(())
    }

    /// The data an earlier middleware set, deserialized as `T`.
    pub fn data<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        let value = lock(&self.prepared).data.clone()?;
        event_proto::value::from_value(value).ok()
    }

    /// Stores a value of type `T` on the socket this attempt admits (see
    /// [`Socket::insert_extension`](crate::Socket::insert_extension)).
    pub fn insert_extension<T: Any + Send + Sync>(&self, value: T) {
        lock(&self.prepared)
            .extensions
            .insert(TypeId::of::<T>(), Box::new(value));
    }

    /// A clone of the extension of type `T` an earlier middleware stored.
    pub fn extension<T: Any + Send + Sync + Clone>(&self) -> Option<T> {
        lock(&self.prepared)
            .extensions
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .cloned()
    }

    /// What the middlewares set, taken out (once) for the admitted socket.
    pub(crate) fn take_prepared(&self) -> Prepared {
        std::mem::take(&mut *lock(&self.prepared))
    }
}

/// A middleware's refusal, sent to the client as CONNECT_ERROR `{message, data}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    /// The error message the client sees (`err.message`).
    pub message: String,
    /// Extra data (`err.data`).
    pub data: Option<serde_json::Value>,
}

impl ConnectError {
    /// A refusal with a message and no data.
    pub fn new(message: impl Into<String>) -> ConnectError {
        ConnectError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds data.
    pub fn with_data(mut self, data: serde_json::Value) -> ConnectError {
        self.data = Some(data);
        self
    }
}

pub(crate) type ConnectHandler = Arc<dyn Fn(Socket) + Send + Sync>;
pub(crate) type Middleware =
    Arc<dyn Fn(ConnectRequest) -> BoxFuture<'static, Result<(), ConnectError>> + Send + Sync>;

/// The behaviour shared by a namespace and, for dynamic namespaces, all its children.
pub(crate) struct NsSetup {
    pub(crate) on_connect: ConnectHandler,
    pub(crate) middlewares: RwLock<Vec<Middleware>>,
}

impl NsSetup {
    pub(crate) fn new(on_connect: ConnectHandler) -> Arc<NsSetup> {
        Arc::new(NsSetup {
            on_connect,
            middlewares: RwLock::new(Vec::new()),
        })
    }

    pub(crate) fn add_middleware<F, Fut>(&self, f: F)
    where
        F: Fn(ConnectRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        write(&self.middlewares).push(Arc::new(move |req| Box::pin(f(req))));
    }

    /// Runs every middleware in order; the first refusal wins.
    pub(crate) async fn check(&self, req: &ConnectRequest) -> Result<(), ConnectError> {
        let middlewares = read(&self.middlewares).clone();
        for middleware in middlewares {
            middleware(req.clone()).await?;
        }
        Ok(())
    }
}

/// A namespace's state: its core (name, adapter, acknowledgement ids), the connected
/// sockets, and what runs for them.
pub(crate) struct NsInner {
    pub(crate) core: Arc<NsCore>,
    pub(crate) setup: Arc<NsSetup>,
    pub(crate) sockets: RwLock<HashMap<Sid, Socket>>,
    pub(crate) server_side: ServerSideHandlers,
    pub(crate) recovery: Option<RecoveryConfig>,
}

impl std::fmt::Debug for NsInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.core.name)
            .finish()
    }
}

impl NsInner {
    /// A namespace whose adapter comes from `adapter`, or is a [`LocalAdapter`] when `None`.
    pub(crate) fn new(
        name: &str,
        setup: Arc<NsSetup>,
        adapter: Option<&AdapterFactory>,
        recovery: Option<RecoveryConfig>,
        parser: AnyParser,
    ) -> Arc<NsInner> {
        Arc::new_cyclic(|weak: &Weak<NsInner>| {
            let sockets: Weak<dyn LocalSockets> = weak.clone();
            let adapter = match adapter {
                Some(factory) => factory(&AdapterContext::new(name, sockets, recovery, parser)),
                None => Arc::new(LocalAdapter::new(sockets, recovery)),
            };
            NsInner {
                core: NsCore::new(name, adapter, parser),
                setup,
                sockets: RwLock::new(HashMap::new()),
                server_side: ServerSideHandlers::default(),
                recovery,
            }
        })
    }
}

impl SocketRegistry for NsInner {
    fn core(&self) -> &Arc<NsCore> {
        &self.core
    }

    fn forget(&self, sid: &Sid) {
        write(&self.sockets).remove(sid);
    }
}

impl LocalSockets for NsInner {
    fn sockets(&self) -> RwLockReadGuard<'_, HashMap<Sid, Socket>> {
        read(&self.sockets)
    }

    fn next_ack_id(&self) -> u64 {
        self.core.next_ack_id()
    }

    fn parser(&self) -> AnyParser {
        self.core.parser
    }

    fn dispatch_server_side(&self, data: Vec<Value>, ack: Option<ServerSideAck>) {
        self.server_side.dispatch(data, ack);
    }
}

impl Socket {
    /// The namespace the socket is in.
    pub fn namespace(&self) -> Namespace {
        let registry: Arc<dyn Any + Send + Sync> = self.0.registry.clone();
        match registry.downcast::<NsInner>() {
            Ok(ns) => Namespace(ns),
            // Sockets are only ever registered in a namespace's state (`NsInner`).
            Err(_) => unreachable!("a socket's registry is its namespace"),
        }
    }
}

/// A namespace handle: cheap to clone. It keeps the namespace alive: a closure the namespace
/// holds (a server-side handler, a connect middleware) should capture a [`WeakNamespace`]
/// ([`downgrade`](Self::downgrade)) instead, or the two never drop. A socket's handlers need
/// neither: [`Socket::namespace`](crate::Socket::namespace) gives the socket's namespace.
#[derive(Debug, Clone)]
pub struct Namespace(pub(crate) Arc<NsInner>);

/// A handle on a namespace that does not keep it alive: what a handler stored in the
/// namespace captures to reach it. [`upgrade`](Self::upgrade) gives the namespace back while
/// a [`Namespace`] (or the server that declared it) still holds it.
///
/// ```
/// use wsio_server::{Config, Server};
///
/// let io = Server::new(Config::default());
/// let ns = io.ns("/", |_socket| {});
/// let weak = ns.downgrade();
/// ns.on_server_side("announce", move |args, _ack| {
///     let weak = weak.clone();
///     async move {
///         if let Some(ns) = weak.upgrade() {
///             let _ = ns.emit("announce", &args).await;
///         }
///     }
/// });
/// let weak = ns.downgrade();
/// drop((io, ns));
/// assert!(weak.upgrade().is_none());
/// ```
#[derive(Debug, Clone)]
pub struct WeakNamespace(Weak<NsInner>);

impl WeakNamespace {
    /// The namespace, unless it was dropped.
    pub fn upgrade(&self) -> Option<Namespace> {
        self.0.upgrade().map(Namespace)
    }
}

impl Namespace {
    /// A handle on this namespace that does not keep it alive (see [`WeakNamespace`]).
    pub fn downgrade(&self) -> WeakNamespace {
        WeakNamespace(Arc::downgrade(&self.0))
    }

    /// The namespace's name, e.g. `/admin`.
    pub fn name(&self) -> &str {
        self.0.core.name.as_str()
    }

    /// Adds a connect middleware: it sees the CONNECT payload and the handshake, may set the
    /// socket's data and extensions ([`ConnectRequest`]), and refuses the connection with an
    /// error (sent as CONNECT_ERROR). Middlewares run in the order they were added.
    pub fn middleware<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(ConnectRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        self.0.setup.add_middleware(f);
        self
    }

    /// The connected sockets.
    pub fn sockets(&self) -> Vec<Socket> {
        read(&self.0.sockets).values().cloned().collect()
    }

    /// The connected socket of id `id` on this server, if any (the reference's
    /// `namespace.sockets.get(id)`).
    pub fn socket(&self, id: &str) -> Option<Socket> {
        read(&self.0.sockets).get(id).cloned()
    }

    /// Registers the handler of server-side event `event`, emitted by the *other* servers
    /// of a cluster with [`server_side_emit`](Self::server_side_emit). The handler gets the
    /// arguments, and an answer handle when the emitter waits for acknowledgements. A
    /// handler that reaches the namespace captures a [`WeakNamespace`]
    /// ([`downgrade`](Self::downgrade)): a captured `Namespace` (or `Server`) would keep the
    /// namespace, which holds the handler, alive forever.
    ///
    /// ```
    /// use wsio_server::{Config, Server};
    ///
    /// let io = Server::new(Config::default());
    /// let ns = io.ns("/", |_socket| {});
    /// ns.on_server_side("ping", |args, ack| {
    ///     if let Some(ack) = ack {
    ///         let _ = ack.send(&("pong", args.len()));
    ///     }
    /// });
    /// ```
    ///
    /// The handler may be `async` (see [`HandlerOutput`](crate::HandlerOutput)).
    pub fn on_server_side<F, R, M>(&self, event: &str, handler: F) -> &Self
    where
        F: Fn(Vec<Value>, Option<ServerSideAck>) -> R + Send + Sync + 'static,
        R: crate::handler::HandlerOutput<M>,
    {
        self.0.server_side.on(event, handler);
        self
    }

    /// Emits `event` with `args` (a tuple or sequence) to this namespace's server-side
    /// handlers on every other server of the cluster. With the in-memory adapter there are
    /// no other servers and nothing happens.
    pub async fn server_side_emit<T: serde::Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> Result<(), BroadcastError> {
        let data = server_side_data(event, args).map_err(BroadcastError::Encode)?;
        Ok(self.0.core.adapter.server_side_emit(data).await?)
    }

    /// Like [`server_side_emit`](Self::server_side_emit), and waits up to `timeout` for one
    /// answer per other server (the first argument each acknowledged with). When a server
    /// did not answer in time it fails with [`AckError::Incomplete`], which carries the
    /// answers that did arrive (Node's `err.responses`):
    ///
    /// ```
    /// # async fn demo(ns: wsio_server::Namespace) {
    /// use std::time::Duration;
    ///
    /// match ns.server_side_emit_with_ack("load", &(), Duration::from_secs(1)).await {
    ///     Ok(all) => println!("every server answered: {all:?}"),
    ///     Err(e) if e.is_timeout() => println!("only these came: {:?}", e.responses()),
    ///     Err(e) => println!("failed: {e}"),
    /// }
    /// # }
    /// ```
    pub async fn server_side_emit_with_ack<T: serde::Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
        timeout: std::time::Duration,
    ) -> Result<Vec<Value>, AckError> {
        let data = server_side_data(event, args).map_err(EmitError::Encode)?;
        self.0
            .core
            .adapter
            .server_side_emit_with_ack(data, timeout)
            .await
    }

    /// How many servers share this namespace, this one included.
    pub async fn server_count(&self) -> Result<usize, AdapterError> {
        self.0.core.adapter.server_count().await
    }

    /// Every room with at least one member, on every server of the cluster.
    pub async fn all_rooms(&self) -> Result<Vec<Room>, AdapterError> {
        self.0.core.adapter.all_rooms().await
    }

    /// The namespace's figures on this server, for [`Server::stats`](crate::Server::stats).
    pub(crate) fn stats(&self) -> NamespaceStats {
        let core = &self.0.core;
        let mut stats = NamespaceStats {
            name: self.name().to_owned(),
            sockets: read(&self.0.sockets).len(),
            rooms: core.adapter.local_room_count(),
            adapter_reconnects: core.adapter.reconnects(),
            adapter_request_timeouts: core.adapter.request_timeouts(),
            ..NamespaceStats::default()
        };
        core.counters.read_into(&mut stats);
        stats
    }
}

/// The namespaces of a server: declared ones by name, and the patterns of dynamic ones,
/// with what every new namespace gets (its adapter, the recovery settings, the parser).
pub(crate) struct Namespaces {
    by_name: RwLock<HashMap<String, Namespace>>,
    dynamic: RwLock<Vec<DynamicNamespace>>,
    adapter: Option<AdapterFactory>,
    recovery: Option<RecoveryConfig>,
    parser: AnyParser,
    /// Joins refused because no namespace has the name asked for.
    unknown_refusals: AtomicU64,
}

impl Namespaces {
    pub(crate) fn new(
        adapter: Option<AdapterFactory>,
        recovery: Option<RecoveryConfig>,
        parser: AnyParser,
    ) -> Self {
        Namespaces {
            by_name: RwLock::new(HashMap::new()),
            dynamic: RwLock::new(Vec::new()),
            adapter,
            recovery,
            parser,
            unknown_refusals: AtomicU64::new(0),
        }
    }

    /// Counts a join refused because no namespace has the name asked for.
    pub(crate) fn count_unknown(&self) {
        crate::stats::count(&self.unknown_refusals);
    }

    /// Joins refused so far because no namespace had the name asked for.
    pub(crate) fn unknown_refusals(&self) -> u64 {
        self.unknown_refusals.load(Ordering::Relaxed)
    }

    /// Declares namespace `name` with `setup`, replacing any namespace of that name.
    pub(crate) fn declare(&self, name: &str, setup: Arc<NsSetup>) -> Namespace {
        let ns = Namespace(NsInner::new(
            name,
            setup,
            self.adapter.as_ref(),
            self.recovery,
            self.parser,
        ));
        write(&self.by_name).insert(name.to_owned(), ns.clone());
        ns
    }

    /// Declares the dynamic namespaces of `dynamic`'s pattern.
    pub(crate) fn declare_dynamic(&self, dynamic: DynamicNamespace) {
        write(&self.dynamic).push(dynamic);
    }

    /// The namespace `name`, if declared (or already created from a dynamic pattern).
    pub(crate) fn get(&self, name: &str) -> Option<Namespace> {
        read(&self.by_name).get(name).cloned()
    }

    /// Every namespace.
    pub(crate) fn all(&self) -> Vec<Namespace> {
        read(&self.by_name).values().cloned().collect()
    }

    /// The namespace `name`, creating it if a dynamic pattern matches.
    pub(crate) fn get_or_create(&self, name: &str) -> Option<Arc<NsInner>> {
        if let Some(ns) = read(&self.by_name).get(name) {
            return Some(ns.0.clone());
        }
        let setup = read(&self.dynamic)
            .iter()
            .find(|d| d.matches(name))
            .map(|d| d.setup.clone())?;
        let mut by_name = write(&self.by_name);
        let ns = by_name.entry(name.to_owned()).or_insert_with(|| {
            Namespace(NsInner::new(
                name,
                setup,
                self.adapter.as_ref(),
                self.recovery,
                self.parser,
            ))
        });
        Some(ns.0.clone())
    }
}

/// `[event, ...args]` for a server-side emit.
fn server_side_data<T: serde::Serialize + ?Sized>(
    event: &str,
    args: &T,
) -> Result<Vec<Value>, event_proto::Error> {
    let mut data = vec![Value::from(event)];
    match event_proto::value::to_value(args)? {
        Value::Array(items) => data.extend(items),
        Value::Null => {}
        other => data.push(other),
    }
    Ok(data)
}

/// A dynamic namespace: every namespace whose name matches its pattern is created on first
/// connection, sharing this handler and middleware.
#[derive(Clone)]
pub struct DynamicNamespace {
    pub(crate) pattern: String,
    pub(crate) setup: Arc<NsSetup>,
}

impl std::fmt::Debug for DynamicNamespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicNamespace")
            .field("pattern", &self.pattern)
            .finish()
    }
}

impl DynamicNamespace {
    /// Adds a connect middleware to every matching namespace.
    pub fn middleware<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(ConnectRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ConnectError>> + Send + 'static,
    {
        self.setup.add_middleware(f);
        self
    }

    /// True when `name` matches the pattern (`*` matches any run of characters).
    pub fn matches(&self, name: &str) -> bool {
        glob(self.pattern.as_bytes(), name.as_bytes())
    }
}

/// `*`-only glob matching, iterative (no recursion, linear backtracking).
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_patterns() {
        assert!(glob(b"/room-*", b"/room-1"));
        assert!(glob(b"/room-*", b"/room-"));
        assert!(!glob(b"/room-*", b"/roo"));
        assert!(glob(b"/*/chat", b"/a/b/chat"));
        assert!(!glob(b"/*/chat", b"/a/b/chat2"));
        assert!(glob(b"/exact", b"/exact"));
        assert!(!glob(b"/exact", b"/exactly"));
    }
}

//! Namespaces: their connect handler, middleware, sockets and adapter.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use event_proto::{Str, Value};

use super::adapter::{Adapter, AdapterContext, AdapterFactory, LocalAdapter, Room};
use super::broadcast::BroadcastOperator;
use super::handle::Socket;
use crate::engine::{RequestInfo, Sid};
use crate::sync::{BoxFuture, read, write};

/// What a connect middleware sees: the namespace, the client's `auth` payload and the
/// opening HTTP request (headers, query, remote address).
#[derive(Debug, Clone)]
pub struct ConnectRequest {
    /// The namespace being joined.
    pub ns: String,
    /// The CONNECT payload (`auth` on the client); an empty object when none was sent.
    pub auth: Value,
    /// The request that opened the Engine.IO session.
    pub info: Arc<RequestInfo>,
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
    pub(crate) async fn check(&self, req: ConnectRequest) -> Result<(), ConnectError> {
        let middlewares = read(&self.middlewares).clone();
        for middleware in middlewares {
            middleware(req.clone()).await?;
        }
        Ok(())
    }
}

pub(crate) struct NsInner {
    pub(crate) name: Str,
    pub(crate) setup: Arc<NsSetup>,
    pub(crate) sockets: RwLock<HashMap<Sid, Socket>>,
    pub(crate) adapter: Arc<dyn Adapter>,
    next_ack: AtomicU64,
}

impl std::fmt::Debug for NsInner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.name)
            .finish()
    }
}

impl NsInner {
    /// A namespace whose adapter comes from `adapter`, or is a [`LocalAdapter`] when `None`.
    pub(crate) fn new(
        name: &str,
        setup: Arc<NsSetup>,
        adapter: Option<&AdapterFactory>,
    ) -> Arc<NsInner> {
        Arc::new_cyclic(|weak| NsInner {
            name: Str::from(name),
            setup,
            sockets: RwLock::new(HashMap::new()),
            adapter: match adapter {
                Some(factory) => factory(&AdapterContext::new(name, weak.clone())),
                None => Arc::new(LocalAdapter::new(weak.clone())),
            },
            next_ack: AtomicU64::new(0),
        })
    }

    /// A fresh acknowledgement id, unique within the namespace.
    pub(crate) fn next_ack_id(&self) -> u64 {
        self.next_ack.fetch_add(1, Ordering::Relaxed)
    }
}

/// A namespace handle: cheap to clone.
#[derive(Debug, Clone)]
pub struct Namespace(pub(crate) Arc<NsInner>);

impl Namespace {
    /// The namespace's name, e.g. `/admin`.
    pub fn name(&self) -> &str {
        self.0.name.as_str()
    }

    /// Adds a connect middleware: it sees the CONNECT payload and the handshake, and refuses
    /// the connection with an error (sent as CONNECT_ERROR).
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

    /// An operator addressing every socket of the namespace.
    pub fn broadcast(&self) -> BroadcastOperator {
        BroadcastOperator::new(self.0.clone())
    }

    /// An operator addressing the sockets in `rooms`.
    pub fn to(&self, rooms: impl IntoIterator<Item = impl Into<Room>>) -> BroadcastOperator {
        self.broadcast().to(rooms)
    }

    /// An operator addressing every socket except those in `rooms`.
    pub fn except(&self, rooms: impl IntoIterator<Item = impl Into<Room>>) -> BroadcastOperator {
        self.broadcast().except(rooms)
    }

    /// Emits `event` with `args` (a tuple or sequence) to every socket of the namespace.
    pub async fn emit<T: serde::Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
    ) -> crate::Result<()> {
        self.broadcast().emit(event, args).await
    }
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

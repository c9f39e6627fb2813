//! The part of a namespace that its sockets and broadcast operators use: name, adapter and
//! acknowledgement ids ([`NsCore`]), and the registry a socket leaves ([`SocketRegistry`]).
//!
//! The namespace itself (its sockets by id, connect handler, middlewares and server-side
//! handlers) sits above the socket module and implements [`SocketRegistry`].

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use event_proto::{AnyParser, Str};
use wsio_engine::Sid;

use crate::adapter::Adapter;
use crate::stats::NsCounters;

/// A namespace's name, adapter and acknowledgement ids.
pub(crate) struct NsCore {
    pub(crate) name: Str,
    pub(crate) adapter: Arc<dyn Adapter>,
    /// How the namespace's packets are written.
    pub(crate) parser: AnyParser,
    /// What [`Server::stats`](crate::Server::stats) reports of the namespace.
    pub(crate) counters: NsCounters,
    next_ack: AtomicU64,
}

impl std::fmt::Debug for NsCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Namespace")
            .field("name", &self.name)
            .finish()
    }
}

impl NsCore {
    pub(crate) fn new(name: &str, adapter: Arc<dyn Adapter>, parser: AnyParser) -> Arc<NsCore> {
        Arc::new(NsCore {
            name: Str::from(name),
            adapter,
            parser,
            counters: NsCounters::default(),
            next_ack: AtomicU64::new(0),
        })
    }

    /// A fresh acknowledgement id, unique within the namespace.
    pub(crate) fn next_ack_id(&self) -> u64 {
        self.next_ack.fetch_add(1, Ordering::Relaxed)
    }
}

/// The namespace a socket is registered in, as the socket sees it. A socket holds it for
/// its whole life, which keeps the namespace alive; the namespace's state is the one
/// implementation, which is how [`Socket::namespace`](crate::Socket::namespace) gives back
/// the typed handle.
pub(crate) trait SocketRegistry: Any + Send + Sync {
    /// The namespace's name, adapter and acknowledgement ids.
    fn core(&self) -> &Arc<NsCore>;
    /// Removes socket `sid` from the namespace's sockets (it left).
    fn forget(&self, sid: &Sid);
}

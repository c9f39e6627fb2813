//! [`ServerStats`]: what a server has done, for metrics and health pages; and the counters
//! each namespace keeps for it ([`NsCounters`]).

use std::sync::atomic::{AtomicU64, Ordering};

pub use wsio_engine::EngineStats;

/// A snapshot of a server: its Engine.IO figures and its namespaces' sockets on this server.
/// Read it with [`Server::stats`](crate::Server::stats); render it in whatever format a
/// metrics system wants (the `wsio` binary serves it to Prometheus).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Sessions, upgrades, closes, refused requests, packets and bytes (see [`EngineStats`]).
    pub engine: EngineStats,
    /// Each namespace that exists on this server, with the sockets connected to it here.
    pub namespaces: Vec<NamespaceStats>,
    /// Attempts to join a namespace that is neither declared nor matched by a dynamic
    /// pattern (answered `Invalid namespace`). Counted here rather than by namespace, since
    /// the names come from clients.
    pub unknown_namespace_refusals: u64,
}

/// One namespace in a [`ServerStats`]. Counters count since the namespace was declared on
/// this server (declaring a name again starts a new namespace, and new counters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamespaceStats {
    /// The namespace's name, such as `/`.
    pub name: String,
    /// Sockets connected to it on this server.
    pub sockets: usize,
    /// Rooms with at least one member on this server, each socket's own room (named after
    /// its id) left out; `None` when the namespace's adapter does not tell
    /// ([`Adapter::local_room_count`](crate::adapter::Adapter::local_room_count)).
    pub rooms: Option<usize>,
    /// EVENT packets received from clients (acknowledgements not included).
    pub events_received: u64,
    /// Events emitted by this server: each [`Socket::emit`](crate::Socket::emit) and
    /// [`Socket::emit_with_ack`](crate::Socket::emit_with_ack) counts one, and so does each
    /// broadcast, however many sockets it reaches.
    pub events_emitted: u64,
    /// Broadcasts sent from this server
    /// ([`BroadcastOperator::emit`](crate::BroadcastOperator::emit) and
    /// [`emit_with_ack`](crate::BroadcastOperator::emit_with_ack), `io.emit` included).
    pub broadcasts: u64,
    /// Acknowledgements being waited for right now: one per
    /// [`Socket::emit_with_ack`](crate::Socket::emit_with_ack) in progress, and one per
    /// recipient of a [broadcast with acknowledgements](crate::BroadcastOperator::emit_with_ack)
    /// until its answer is collected (in the recipients' order: an answer that came early
    /// stays counted until those before it are collected, the deadline at most).
    pub acks_pending: u64,
    /// Acknowledgements that did not come in time.
    pub acks_timed_out: u64,
    /// Connections to the namespace refused by one of its middlewares.
    pub middleware_refusals: u64,
    /// How often the adapter had to reconnect to the other servers of a cluster (the Redis
    /// adapters' subscriber reconnections); `None` when the adapter has no such connection
    /// ([`Adapter::reconnects`](crate::adapter::Adapter::reconnects)). Adapters of one
    /// cluster connection report the same count in each namespace.
    pub adapter_reconnects: Option<u64>,
    /// Requests to the other servers of a cluster that timed out before every answer came
    /// (fetching sockets or rooms, server-side emits with acknowledgements, the client counts
    /// of broadcasts with acknowledgements); `None` when the adapter sends no such requests
    /// ([`Adapter::request_timeouts`](crate::adapter::Adapter::request_timeouts)).
    pub adapter_request_timeouts: Option<u64>,
}

/// What a namespace counts for [`NamespaceStats`]; relaxed atomics, since each figure stands
/// alone.
#[derive(Debug, Default)]
pub(crate) struct NsCounters {
    pub(crate) events_received: AtomicU64,
    pub(crate) events_emitted: AtomicU64,
    pub(crate) broadcasts: AtomicU64,
    pub(crate) acks_pending: AtomicU64,
    pub(crate) acks_timed_out: AtomicU64,
    pub(crate) middleware_refusals: AtomicU64,
}

/// Adds one to `counter`.
#[inline]
pub(crate) fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Adds `n` to `counter`.
#[inline]
pub(crate) fn count_n(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

impl NsCounters {
    /// Fills the counted figures of `stats`.
    pub(crate) fn read_into(&self, stats: &mut NamespaceStats) {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        stats.events_received = get(&self.events_received);
        stats.events_emitted = get(&self.events_emitted);
        stats.broadcasts = get(&self.broadcasts);
        stats.acks_pending = get(&self.acks_pending);
        stats.acks_timed_out = get(&self.acks_timed_out);
        stats.middleware_refusals = get(&self.middleware_refusals);
    }
}

/// Acknowledgements being waited for: counted in `acks_pending` from its creation until
/// each is [`settled`](Self::settle), or the guard dropped (a wait that was cancelled).
pub(crate) struct AwaitedAcks<'a> {
    counters: &'a NsCounters,
    left: u64,
}

impl<'a> AwaitedAcks<'a> {
    /// Starts waiting for `n` acknowledgements.
    pub(crate) fn new(counters: &'a NsCounters, n: u64) -> Self {
        count_n(&counters.acks_pending, n);
        AwaitedAcks { counters, left: n }
    }

    /// One wait ended; `timed_out` when its answer did not come in time.
    pub(crate) fn settle(&mut self, timed_out: bool) {
        if self.left > 0 {
            self.left -= 1;
            self.counters.acks_pending.fetch_sub(1, Ordering::Relaxed);
        }
        if timed_out {
            count(&self.counters.acks_timed_out);
        }
    }
}

impl Drop for AwaitedAcks<'_> {
    fn drop(&mut self) {
        if self.left > 0 {
            self.counters
                .acks_pending
                .fetch_sub(self.left, Ordering::Relaxed);
        }
    }
}

//! What an engine has done since it started: counters kept where they are cheap to keep, and
//! the snapshot [`EngineStats`] that [`Engine::stats`](crate::Engine::stats) reads from them.
//!
//! Rare events (a session opened, an upgrade, a refused request, a close) are counted on the
//! engine. Traffic is counted on each session, by the task that carries it, so that no counter
//! is shared by the sessions of a broadcast; a closing session adds its traffic to the
//! engine's. A snapshot adds the live sessions' traffic to that.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::close_reason::CloseReason;
use crate::response::RefusalReason;

/// A snapshot of an engine's activity. Counters run from the engine's start; traffic counts
/// Engine.IO packets and their data bytes (a text packet's text, a binary packet's bytes),
/// not HTTP or WebSocket framing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineStats {
    /// Live sessions on long-polling (those probing a WebSocket included).
    pub sessions_polling: usize,
    /// Live sessions on WebSocket.
    pub sessions_websocket: usize,
    /// Live sessions on WebTransport (feature `webtransport`).
    pub sessions_webtransport: usize,
    /// Sessions opened.
    pub sessions_opened: u64,
    /// Sessions moved from long-polling to WebSocket or WebTransport.
    pub upgrades: u64,
    /// WebSockets accepted as a stream of an HTTP/2 connection (RFC 8441 extended CONNECT),
    /// opening a session or probing to upgrade one; the others came by HTTP/1.1 upgrade.
    pub websockets_over_http2: u64,
    /// Requests to the Engine.IO path answered with an error (unknown session or transport,
    /// unsupported protocol version, refused by `allow_request`, bad request, body too
    /// large): the sum of [`requests_refused_by_reason`](Self::requests_refused_by_reason).
    pub requests_refused: u64,
    /// Requests refused, by reason, in the order of [`RefusalReason::ALL`];
    /// [`refused`](Self::refused) reads one.
    pub requests_refused_by_reason: [u64; 7],
    /// Sessions closed, by reason, in the order of [`CloseReason`]'s variants: transport close,
    /// transport error, ping timeout, parse error, forced close, server shutting down.
    pub sessions_closed: [u64; 6],
    /// Sessions closed because their outgoing queue was full (slow consumers; counted in
    /// transport error too).
    pub slow_consumers: u64,
    /// Packets received.
    pub packets_in: u64,
    /// Data bytes received.
    pub bytes_in: u64,
    /// Packets queued to be sent (the open packet of a handshake goes out with it, uncounted).
    pub packets_out: u64,
    /// Data bytes queued to be sent.
    pub bytes_out: u64,
    /// Volatile packets dropped because their session's queue was full.
    pub volatile_dropped: u64,
}

impl EngineStats {
    /// Sessions closed with `reason`.
    pub fn closed(&self, reason: CloseReason) -> u64 {
        self.sessions_closed[slot(reason)]
    }

    /// Requests refused for `reason`.
    pub fn refused(&self, reason: RefusalReason) -> u64 {
        self.requests_refused_by_reason[reason.slot()]
    }
}

/// The data bytes of `packet`: a message's text or bytes; 0 for the others.
pub(crate) fn data_len(packet: &event_proto::engine::Packet) -> u64 {
    use event_proto::engine::Packet;
    let len = match packet {
        Packet::Message(text) | Packet::Open(text) | Packet::Ping(text) | Packet::Pong(text) => {
            text.len()
        }
        Packet::Binary(bytes) => bytes.len(),
        Packet::Close | Packet::Upgrade | Packet::Noop => 0,
    };
    len as u64
}

fn slot(reason: CloseReason) -> usize {
    match reason {
        CloseReason::TransportClose => 0,
        CloseReason::TransportError => 1,
        CloseReason::PingTimeout => 2,
        CloseReason::ParseError => 3,
        CloseReason::ForcedClose => 4,
        CloseReason::ServerShuttingDown => 5,
    }
}

/// One session's traffic (or the total of the closed ones).
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    packets_in: AtomicU64,
    bytes_in: AtomicU64,
    packets_out: AtomicU64,
    bytes_out: AtomicU64,
    volatile_dropped: AtomicU64,
}

impl Traffic {
    pub(crate) fn received(&self, packets: u64, bytes: u64) {
        self.packets_in.fetch_add(packets, Ordering::Relaxed);
        self.bytes_in.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn queued(&self, packets: u64, bytes: u64) {
        self.packets_out.fetch_add(packets, Ordering::Relaxed);
        self.bytes_out.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn dropped(&self) {
        self.volatile_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `other`'s figures to these.
    pub(crate) fn absorb(&self, other: &Traffic) {
        for (mine, theirs) in self.fields().into_iter().zip(other.fields()) {
            mine.fetch_add(theirs.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }

    /// Adds these figures to `stats`.
    fn add_to(&self, stats: &mut EngineStats) {
        let [packets_in, bytes_in, packets_out, bytes_out, dropped] =
            self.fields().map(|f| f.load(Ordering::Relaxed));
        stats.packets_in += packets_in;
        stats.bytes_in += bytes_in;
        stats.packets_out += packets_out;
        stats.bytes_out += bytes_out;
        stats.volatile_dropped += dropped;
    }

    fn fields(&self) -> [&AtomicU64; 5] {
        [
            &self.packets_in,
            &self.bytes_in,
            &self.packets_out,
            &self.bytes_out,
            &self.volatile_dropped,
        ]
    }
}

/// The engine-wide counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    sessions_opened: AtomicU64,
    upgrades: AtomicU64,
    websockets_over_http2: AtomicU64,
    requests_refused: [AtomicU64; 7],
    sessions_closed: [AtomicU64; 6],
    slow_consumers: AtomicU64,
    /// The traffic of the sessions that closed.
    pub(crate) retired: Traffic,
}

impl Counters {
    pub(crate) fn opened(&self) {
        self.sessions_opened.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn upgraded(&self) {
        self.upgrades.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn websocket_over_http2(&self) {
        self.websockets_over_http2.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn refused(&self, reason: RefusalReason) {
        self.requests_refused[reason.slot()].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn closed(&self, reason: CloseReason) {
        self.sessions_closed[slot(reason)].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn slow_consumer(&self) {
        self.slow_consumers.fetch_add(1, Ordering::Relaxed);
    }

    /// The engine-wide part of a snapshot: everything but the live sessions.
    pub(crate) fn snapshot(&self) -> EngineStats {
        let by_reason = self
            .requests_refused
            .each_ref()
            .map(|c| c.load(Ordering::Relaxed));
        let mut stats = EngineStats {
            sessions_opened: self.sessions_opened.load(Ordering::Relaxed),
            upgrades: self.upgrades.load(Ordering::Relaxed),
            websockets_over_http2: self.websockets_over_http2.load(Ordering::Relaxed),
            requests_refused_by_reason: by_reason,
            requests_refused: by_reason.iter().sum(),
            sessions_closed: self
                .sessions_closed
                .each_ref()
                .map(|c| c.load(Ordering::Relaxed)),
            slow_consumers: self.slow_consumers.load(Ordering::Relaxed),
            ..EngineStats::default()
        };
        self.retired.add_to(&mut stats);
        stats
    }

    /// Adds a live session's traffic to `stats`.
    pub(crate) fn add_live(stats: &mut EngineStats, traffic: &Traffic) {
        traffic.add_to(stats);
    }
}

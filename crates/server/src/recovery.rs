//! Connection state recovery: sessions kept after an abnormal disconnect, and the packets a
//! reconnecting client missed (Socket.IO 4.6 semantics).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use event_proto::{Encoded, Value};
use wsio_engine::Sid;

use crate::addressing::{BroadcastOptions, Room};
use crate::event_codec::with_offset;

/// Settings of connection state recovery ([`Config::connection_state_recovery`](crate::Config)).
///
/// With recovery on, the CONNECT reply carries a private session id (`pid`), and every event
/// sent without an acknowledgement and not volatile carries an offset as its last argument. A
/// client that lost its transport reconnects with `{pid, offset}` and gets its socket id,
/// rooms and data back, plus every event it missed, in order, before the CONNECT reply.
///
/// ```
/// use std::time::Duration;
/// use wsio_server::{Config, RecoveryConfig};
///
/// let config = Config {
///     connection_state_recovery: Some(RecoveryConfig {
///         max_disconnection_duration: Duration::from_secs(30),
///         ..RecoveryConfig::default()
///     }),
///     ..Config::default()
/// };
/// assert!(config.connection_state_recovery.unwrap().skip_middlewares);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryConfig {
    /// How long a disconnected session and the packets it may miss are kept. Default 2 min
    /// (the reference's). Longer lets clients recover after longer outages; every packet sent
    /// in that window stays in memory (bounded by `max_packets`).
    pub max_disconnection_duration: Duration,
    /// Whether a recovered socket skips the namespace's middlewares. Default `true` (the
    /// reference's): the socket was admitted before, and its data comes back with it.
    pub skip_middlewares: bool,
    /// Most packets kept per namespace for replay. Default 10,000. Each costs a shared
    /// reference to the packet's bytes (which live on as long as it is kept) plus its
    /// addressing (about 100 bytes). A client whose last offset has been dropped gets a fresh
    /// session instead of a partial replay.
    pub max_packets: usize,
}

impl Default for RecoveryConfig {
    fn default() -> Self {
        RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(120),
            skip_middlewares: true,
            max_packets: 10_000,
        }
    }
}

/// What is kept of a socket that left abnormally, so that it can be restored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionState {
    /// The socket id, given back on recovery.
    pub sid: Sid,
    /// The private session id the client presents to recover.
    pub pid: String,
    /// The rooms the socket was in, its own id included.
    pub rooms: Vec<Room>,
    /// The socket's serializable data ([`Socket::set_data`](crate::Socket::set_data)).
    pub data: Value,
}

impl SessionState {
    /// The rooms to put the socket back in: the saved ones, its own id room included.
    pub fn rooms_to_rejoin(&self) -> Vec<Room> {
        let mut rooms = self.rooms.clone();
        if !rooms.iter().any(|room| room == self.sid.as_str()) {
            rooms.push(self.sid.to_string());
        }
        rooms
    }
}

/// A session found again, with the packets its socket missed.
#[derive(Debug, Clone)]
pub struct RestoredSession {
    /// The session as it was persisted.
    pub state: SessionState,
    /// The missed packets, in order, each already carrying its offset.
    pub missed: Vec<Encoded>,
}

/// True when a packet sent with `opts` was addressed to a socket in `rooms`.
pub fn addressed_to(rooms: &[Room], opts: &BroadcastOptions) -> bool {
    let included = opts.rooms.is_empty() || opts.rooms.iter().any(|r| rooms.contains(r));
    included && !opts.except.iter().any(|r| rooms.contains(r))
}

struct StoredPacket {
    seq: u64,
    at: Instant,
    rooms: Vec<Room>,
    except: Vec<Room>,
    packet: Encoded,
}

struct StoredSession {
    state: SessionState,
    expires: Instant,
}

/// The in-memory store of one namespace: a bounded log of offset-carrying packets and the
/// sessions waiting to be restored. Time is passed in, so the store never reads a clock.
pub(crate) struct SessionStore {
    config: RecoveryConfig,
    /// Distinguishes this process's offsets from another's (a restarted server).
    tag: String,
    next_seq: u64,
    packets: VecDeque<StoredPacket>,
    sessions: HashMap<String, StoredSession>,
    /// Pids in persistence order (all sessions live equally long, so expiry is FIFO).
    expiry: VecDeque<(Instant, String)>,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("packets", &self.packets.len())
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

impl SessionStore {
    pub(crate) fn new(config: RecoveryConfig) -> SessionStore {
        let tag = Sid::random().as_str()[..6].to_owned();
        SessionStore {
            config,
            tag,
            next_seq: 0,
            packets: VecDeque::new(),
            sessions: HashMap::new(),
            expiry: VecDeque::new(),
        }
    }

    /// Gives `packet` the next offset, keeps it, and returns it carrying the offset.
    pub(crate) fn record(
        &mut self,
        packet: &Encoded,
        opts: &BroadcastOptions,
        now: Instant,
    ) -> Encoded {
        self.prune(now);
        let seq = self.next_seq;
        self.next_seq += 1;
        let offset = format!("{}.{seq:x}", self.tag);
        let packet = with_offset(packet, &offset);
        if self.packets.len() >= self.config.max_packets.max(1) {
            self.packets.pop_front();
        }
        self.packets.push_back(StoredPacket {
            seq,
            at: now,
            rooms: opts.rooms.clone(),
            except: opts.except.clone(),
            packet: packet.clone(),
        });
        packet
    }

    pub(crate) fn persist(&mut self, state: SessionState, now: Instant) {
        self.prune(now);
        let expires = now + self.config.max_disconnection_duration;
        self.expiry.push_back((expires, state.pid.clone()));
        self.sessions
            .insert(state.pid.clone(), StoredSession { state, expires });
    }

    /// The session `pid` and what it missed after `offset`; `None` when the session is unknown
    /// or expired, or the offset is not (or no longer) in the log. A restored session is
    /// removed: a pid can be used once.
    pub(crate) fn restore(
        &mut self,
        pid: &str,
        offset: &str,
        now: Instant,
    ) -> Option<RestoredSession> {
        self.prune(now);
        let seq = self.parse_offset(offset)?;
        let first = self.packets.front()?.seq;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        if index >= self.packets.len() {
            return None;
        }
        let session = self.sessions.remove(pid)?;
        let state = session.state;
        let missed = self
            .packets
            .iter()
            .skip(index + 1)
            .filter(|p| {
                let opts = BroadcastOptions {
                    rooms: p.rooms.clone(),
                    except: p.except.clone(),
                    ..BroadcastOptions::default()
                };
                addressed_to(&state.rooms, &opts)
            })
            .map(|p| p.packet.clone())
            .collect();
        Some(RestoredSession { state, missed })
    }

    fn parse_offset(&self, offset: &str) -> Option<u64> {
        let (tag, seq) = offset.split_once('.')?;
        if tag != self.tag {
            return None;
        }
        u64::from_str_radix(seq, 16).ok()
    }

    fn prune(&mut self, now: Instant) {
        let max_age = self.config.max_disconnection_duration;
        while self
            .packets
            .front()
            .is_some_and(|p| now.saturating_duration_since(p.at) > max_age)
        {
            self.packets.pop_front();
        }
        while let Some((expires, _)) = self.expiry.front() {
            if *expires > now {
                break;
            }
            if let Some((expires, pid)) = self.expiry.pop_front()
                && self
                    .sessions
                    .get(&pid)
                    .is_some_and(|s| s.expires <= expires)
            {
                self.sessions.remove(&pid);
            }
        }
    }

    #[cfg(test)]
    fn session_count(&self) -> usize {
        self.sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_codec::encode_event;

    fn event(name: &str) -> Encoded {
        encode_event(event_proto::AnyParser::Json, "/", vec![Value::from(name)]).unwrap()
    }

    fn to(rooms: &[&str], except: &[&str]) -> BroadcastOptions {
        BroadcastOptions {
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            except: except.iter().map(|r| r.to_string()).collect(),
            ..BroadcastOptions::default()
        }
    }

    fn offset_of(packet: &Encoded) -> String {
        let data = crate::event_codec::decode_event(packet).unwrap();
        data.last().and_then(Value::as_str).unwrap().to_owned()
    }

    fn state(rooms: &[&str]) -> SessionState {
        SessionState {
            sid: Sid::from("s1"),
            pid: "p1".into(),
            rooms: rooms.iter().map(|r| r.to_string()).collect(),
            data: Value::Null,
        }
    }

    #[test]
    fn replays_only_what_was_addressed_after_the_offset() {
        let mut store = SessionStore::new(RecoveryConfig::default());
        let t = Instant::now();
        let seen = store.record(&event("a"), &to(&[], &[]), t);
        store.persist(state(&["s1", "red"]), t);
        store.record(&event("b"), &to(&["red"], &[]), t);
        store.record(&event("c"), &to(&["blue"], &[]), t);
        store.record(&event("d"), &to(&[], &["red"]), t);
        store.record(&event("e"), &to(&["s1"], &[]), t);
        let restored = store.restore("p1", &offset_of(&seen), t).unwrap();
        let names: Vec<String> = restored
            .missed
            .iter()
            .map(|p| {
                crate::event_codec::decode_event(p).unwrap()[0]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["b", "e"]);
        assert_eq!(restored.state.rooms, ["s1", "red"]);
        // A pid is good for one recovery only.
        assert!(store.restore("p1", &offset_of(&seen), t).is_none());
    }

    #[test]
    fn refuses_unknown_foreign_or_dropped_offsets() {
        let config = RecoveryConfig {
            max_packets: 2,
            ..RecoveryConfig::default()
        };
        let mut store = SessionStore::new(config);
        let t = Instant::now();
        let first = store.record(&event("a"), &to(&[], &[]), t);
        store.persist(state(&["s1"]), t);
        assert!(store.restore("p1", "zz.0", t).is_none());
        assert!(store.restore("p1", "garbage", t).is_none());
        assert!(store.restore("nope", &offset_of(&first), t).is_none());
        store.record(&event("b"), &to(&[], &[]), t);
        store.record(&event("c"), &to(&[], &[]), t);
        // "a" fell out of the log: a partial replay would lose "b"'s predecessor gap.
        assert!(store.restore("p1", &offset_of(&first), t).is_none());
        assert_eq!(store.session_count(), 1);
    }

    #[test]
    fn sessions_and_packets_expire() {
        let config = RecoveryConfig {
            max_disconnection_duration: Duration::from_secs(10),
            ..RecoveryConfig::default()
        };
        let mut store = SessionStore::new(config);
        let t = Instant::now();
        let first = store.record(&event("a"), &to(&[], &[]), t);
        store.persist(state(&["s1"]), t);
        let later = t + Duration::from_secs(11);
        assert!(store.restore("p1", &offset_of(&first), later).is_none());
        assert_eq!(store.session_count(), 0);
    }

    #[test]
    fn an_offset_at_the_end_of_the_log_replays_nothing() {
        let mut store = SessionStore::new(RecoveryConfig::default());
        let t = Instant::now();
        let last = store.record(&event("a"), &to(&[], &[]), t);
        store.persist(state(&["s1"]), t);
        let restored = store.restore("p1", &offset_of(&last), t).unwrap();
        assert!(restored.missed.is_empty());
    }
}

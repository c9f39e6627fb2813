//! State shared by the client's handles and its driver task: namespaces, buffers, pending
//! acknowledgements, and the routing of outgoing packets.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use event_proto::engine;
use event_proto::socket::Packet;
use event_proto::{Parser, Str, Value};
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::Config;
use crate::connector::Tls;
use crate::error::{Error, Result};
use crate::handler::{AuthFn, ClientCallbacks, NsCallbacks};
use crate::url::ServerUrl;

/// What an outgoing packet is, which decides its fate when the connection drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An event: buffered until the namespace reconnects.
    Event,
    /// A volatile event, an ack or a control packet: dropped with the connection.
    Transient,
}

/// One Socket.IO packet encoded as Engine.IO packets (head and attachments), waiting for the
/// transport.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    pub ns: Str,
    pub packets: Vec<engine::Packet>,
    pub kind: Kind,
}

/// The Engine.IO session in use.
#[derive(Debug, Clone)]
pub(crate) struct EngineInfo {
    pub sid: String,
    pub transport: engine::Transport,
}

/// One namespace.
#[derive(Default)]
pub(crate) struct Namespace {
    /// The application wants it joined (cleared by a disconnect from either side).
    pub wanted: bool,
    /// Joined on the current connection.
    pub connected: bool,
    /// The socket id the server gave at the last join.
    pub sid: Option<String>,
    /// Events emitted while not joined, sent in order at the next join.
    pub buffer: VecDeque<Outgoing>,
    /// Emits waiting for an acknowledgement, by ack id.
    pub acks: HashMap<u64, oneshot::Sender<Vec<Value>>>,
    pub next_ack: u64,
    /// The server's refusal of the last join, until the next successful one.
    pub refused: Option<crate::reason::ConnectError>,
    /// Connection state recovery: the private session id of the last join's CONNECT reply
    /// (`None` when the server does not offer recovery).
    pub pid: Option<String>,
    /// Connection state recovery: the offset of the last event received in the session of
    /// `pid`.
    pub offset: Option<String>,
    /// The last join recovered the session (the server answered with the `pid` we held).
    pub recovered: bool,
    /// Events received while a recovering join waits for the server's reply (the missed
    /// events it replays), dispatched at the join; dropped with the connection.
    pub early: Vec<Packet>,
    pub callbacks: NsCallbacks,
}

/// Everything behind the lock.
#[derive(Default)]
pub(crate) struct State {
    pub engine: Option<EngineInfo>,
    pub namespaces: BTreeMap<String, Namespace>,
    pub closed: bool,
    pub callbacks: ClientCallbacks,
}

impl State {
    /// The names of the namespaces for which `pick` holds.
    pub(crate) fn names(&self, pick: impl Fn(&Namespace) -> bool) -> Vec<String> {
        self.namespaces
            .iter()
            .filter(|(_, ns)| pick(ns))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// The `CONNECT` auth payload: the application's `user` payload, merged into
/// `{pid, offset}` once the namespace holds a recovery `pid` (the application's keys win on a
/// clash). `offset` is left out until an event brought one; the server then cannot recover
/// and starts a fresh session. A `user` payload that is not an object is sent unchanged.
pub(crate) fn recovery_auth(
    pid: Option<String>,
    offset: Option<String>,
    user: Option<serde_json::Value>,
) -> Option<serde_json::Value> {
    let Some(pid) = pid else {
        return user;
    };
    let mut merged = serde_json::Map::new();
    merged.insert("pid".to_owned(), pid.into());
    if let Some(offset) = offset {
        merged.insert("offset".to_owned(), offset.into());
    }
    match user {
        None => {}
        Some(serde_json::Value::Object(user)) => merged.extend(user),
        Some(other) => return Some(other),
    }
    Some(serde_json::Value::Object(merged))
}

/// Shared by every handle and the driver.
pub(crate) struct Shared {
    pub config: Config,
    pub url: Arc<ServerUrl>,
    pub tls: Tls,
    pub headers: Arc<[(String, String)]>,
    pub auth: Option<AuthFn>,
    state: Mutex<State>,
    outbox: mpsc::Sender<Outgoing>,
    /// Bumped after every state change that waiters may care about.
    changed: watch::Sender<u64>,
    /// Set once the application disconnects the client.
    pub shutdown: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(
        config: Config,
        url: ServerUrl,
        tls: Tls,
        auth: Option<AuthFn>,
        state: State,
    ) -> (Arc<Shared>, mpsc::Receiver<Outgoing>) {
        let (outbox, rx) = mpsc::channel(config.outgoing_queue.max(1));
        let headers = Arc::from(config.headers.clone());
        let shared = Shared {
            config,
            url: Arc::new(url),
            tls,
            headers,
            auth,
            state: Mutex::new(state),
            outbox,
            changed: watch::Sender::new(0),
            shutdown: watch::Sender::new(false),
        };
        (Arc::new(shared), rx)
    }

    /// The state, also after a handler panicked while holding the lock.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes everyone waiting in [`Shared::wait_for`].
    pub(crate) fn notify(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until `done` holds for the state, or the timeout passes.
    pub(crate) async fn wait_for(
        &self,
        timeout: std::time::Duration,
        done: impl Fn(&State) -> bool,
    ) -> bool {
        let mut rx = self.changed.subscribe();
        let wait = async {
            loop {
                if done(&self.lock()) {
                    return true;
                }
                if rx.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or(false)
    }

    /// Sends an event (or ack) of namespace `out.ns`: to the transport when the namespace is
    /// joined, else into its buffer (events) or nowhere (volatile events and acks).
    pub(crate) fn route(&self, out: Outgoing) -> Result<()> {
        let mut state = self.lock();
        if state.closed {
            return Err(Error::Closed);
        }
        let max = self.config.max_buffered_emits;
        let ns = state
            .namespaces
            .get_mut(out.ns.as_str())
            .ok_or_else(|| Error::InvalidNamespace(out.ns.to_string()))?;
        if ns.connected {
            return match self.outbox.try_send(out) {
                Ok(()) => Ok(()),
                Err(mpsc::error::TrySendError::Full(out)) if out.kind == Kind::Transient => Ok(()),
                Err(mpsc::error::TrySendError::Full(_)) => Err(Error::QueueFull),
                Err(mpsc::error::TrySendError::Closed(_)) => Err(Error::Closed),
            };
        }
        if out.kind == Kind::Transient {
            return Ok(());
        }
        if ns.buffer.len() >= max {
            return Err(Error::BufferFull);
        }
        ns.buffer.push_back(out);
        Ok(())
    }

    /// The encoded `CONNECT` for `ns`, with the auth payload computed now, plus what asks the
    /// server to recover the previous session (see [`recovery_auth`]).
    pub(crate) fn connect_packet(&self, ns: &str) -> Result<Outgoing> {
        // The auth callback runs without the lock held.
        let user = self.auth.as_ref().and_then(|auth| auth(ns));
        let (pid, offset) = {
            let state = self.lock();
            state
                .namespaces
                .get(ns)
                .map(|n| (n.pid.clone(), n.offset.clone()))
                .unwrap_or_default()
        };
        let auth = recovery_auth(pid, offset, user).map(Value::from);
        let encoded = self
            .config
            .parser
            .encode(&Packet::connect(Str::from(ns), auth))?;
        Ok(Outgoing {
            ns: Str::from(ns),
            packets: encoded.engine_packets().collect(),
            kind: Kind::Transient,
        })
    }

    /// Marks `ns` wanted, creating it if needed; sends its `CONNECT` when a connection is open
    /// and the namespace is not joined yet (with `again` false: only if it was not wanted).
    pub(crate) fn join(&self, ns: &str, again: bool) -> Result<()> {
        let send = {
            let mut state = self.lock();
            if state.closed {
                return Err(Error::Closed);
            }
            let open = state.engine.is_some();
            let entry = state.namespaces.entry(ns.to_owned()).or_default();
            let send = open && !entry.connected && (again || !entry.wanted);
            entry.wanted = true;
            send
        };
        if send {
            let packet = self.connect_packet(ns)?;
            self.outbox.try_send(packet).map_err(|_| Error::QueueFull)?;
        }
        Ok(())
    }

    /// Clears the wanted flag of `ns`; returns whether it was joined (the caller then sends a
    /// `DISCONNECT`). A namespace left by either side is not recoverable (servers keep only
    /// the sessions of lost connections), so its recovery session is forgotten.
    pub(crate) fn leave(&self, ns: &str) -> bool {
        let mut state = self.lock();
        match state.namespaces.get_mut(ns) {
            Some(entry) => {
                entry.wanted = false;
                entry.pid = None;
                entry.offset = None;
                entry.early.clear();
                std::mem::replace(&mut entry.connected, false)
            }
            None => false,
        }
    }

    /// Queues a control packet (such as `DISCONNECT`) for the open connection, if any.
    pub(crate) fn send_control(&self, out: Outgoing) {
        let _ = self.outbox.try_send(out);
    }

    /// A new ack id for `ns` and the receiver of its answer.
    pub(crate) fn register_ack(&self, ns: &str) -> Result<(u64, oneshot::Receiver<Vec<Value>>)> {
        let mut state = self.lock();
        let max = self.config.max_pending_acks;
        let entry = state
            .namespaces
            .get_mut(ns)
            .ok_or_else(|| Error::InvalidNamespace(ns.to_owned()))?;
        if entry.acks.len() >= max {
            return Err(Error::TooManyAcks);
        }
        let id = entry.next_ack;
        entry.next_ack = entry.next_ack.wrapping_add(1);
        let (tx, rx) = oneshot::channel();
        entry.acks.insert(id, tx);
        Ok((id, rx))
    }

    /// Forgets a pending ack (after its timeout).
    pub(crate) fn drop_ack(&self, ns: &str, id: u64) {
        if let Some(entry) = self.lock().namespaces.get_mut(ns) {
            entry.acks.remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn shared(max_buffered: usize) -> (Arc<Shared>, mpsc::Receiver<Outgoing>) {
        let config = Config {
            max_buffered_emits: max_buffered,
            ..Config::default()
        };
        let url = ServerUrl::parse("http://127.0.0.1:1").unwrap();
        let mut state = State::default();
        state.namespaces.insert("/".into(), Namespace::default());
        Shared::new(config, url, Tls::default(), None, state)
    }

    fn event(kind: Kind) -> Outgoing {
        Outgoing {
            ns: Str::from("/"),
            packets: vec![],
            kind,
        }
    }

    #[test]
    fn buffers_while_disconnected_and_drops_volatile() {
        let (s, mut rx) = shared(1);
        s.route(event(Kind::Event)).unwrap();
        s.route(event(Kind::Transient)).unwrap();
        assert!(matches!(
            s.route(event(Kind::Event)),
            Err(Error::BufferFull)
        ));
        assert_eq!(s.lock().namespaces["/"].buffer.len(), 1);
        s.lock().namespaces.get_mut("/").unwrap().connected = true;
        s.route(event(Kind::Event)).unwrap();
        assert!(rx.try_recv().is_ok());
        assert!(matches!(
            s.route(Outgoing {
                ns: Str::from("/x"),
                ..event(Kind::Event)
            }),
            Err(Error::InvalidNamespace(_))
        ));
    }

    #[test]
    fn recovery_auth_merges_pid_offset_and_user_keys() {
        use serde_json::json;
        let pid = || Some("p".to_owned());
        let offset = || Some("o".to_owned());
        assert_eq!(recovery_auth(None, offset(), None), None);
        assert_eq!(
            recovery_auth(None, offset(), Some(json!({"token": 1}))),
            Some(json!({"token": 1}))
        );
        assert_eq!(recovery_auth(pid(), None, None), Some(json!({"pid": "p"})));
        assert_eq!(
            recovery_auth(pid(), offset(), Some(json!({"token": 1}))),
            Some(json!({"pid": "p", "offset": "o", "token": 1}))
        );
        assert_eq!(
            recovery_auth(pid(), offset(), Some(json!({"offset": "mine"}))),
            Some(json!({"pid": "p", "offset": "mine"}))
        );
        assert_eq!(
            recovery_auth(pid(), offset(), Some(json!("opaque"))),
            Some(json!("opaque"))
        );
    }

    #[test]
    fn acks_are_bounded() {
        let (s, _rx) = shared(1);
        let (a, _) = s.register_ack("/").unwrap();
        let (b, _) = s.register_ack("/").unwrap();
        assert_eq!((a, b), (0, 1));
        s.drop_ack("/", a);
        assert_eq!(s.lock().namespaces["/"].acks.len(), 1);
    }
}

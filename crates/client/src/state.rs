//! State shared by the client's handles and its driver task: namespaces, buffers, pending
//! acknowledgements, and the routing of outgoing packets.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use event_proto::engine;
use event_proto::socket::Packet;
use event_proto::{JsonParser, Parser, Str, Value};
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
    pub transport: &'static str,
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

    /// The encoded `CONNECT` for `ns`, with the auth payload computed now.
    pub(crate) fn connect_packet(&self, ns: &str) -> Result<Outgoing> {
        let auth = self
            .auth
            .as_ref()
            .and_then(|auth| auth(ns))
            .map(Value::from);
        let encoded = JsonParser.encode(&Packet::connect(Str::from(ns), auth))?;
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
            // The auth callback runs without the lock held.
            let packet = self.connect_packet(ns)?;
            self.outbox.try_send(packet).map_err(|_| Error::QueueFull)?;
        }
        Ok(())
    }

    /// Clears the wanted flag of `ns`; returns whether it was joined (the caller then sends a
    /// `DISCONNECT`).
    pub(crate) fn leave(&self, ns: &str) -> bool {
        let mut state = self.lock();
        match state.namespaces.get_mut(ns) {
            Some(entry) => {
                entry.wanted = false;
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
    fn acks_are_bounded() {
        let (s, _rx) = shared(1);
        let (a, _) = s.register_ack("/").unwrap();
        let (b, _) = s.register_ack("/").unwrap();
        assert_eq!((a, b), (0, 1));
        s.drop_ack("/", a);
        assert_eq!(s.lock().namespaces["/"].acks.len(), 1);
    }
}

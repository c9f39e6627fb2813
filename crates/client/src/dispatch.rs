//! Received Socket.IO packets: joins, refusals, events, acknowledgements and server
//! disconnects, handed to the namespace's callbacks.

use std::sync::Arc;

use event_proto::socket::{Packet, PacketKind};
use event_proto::{AnyDecoder, Decoder, Message, Parser, Value};

use crate::ack::AckSender;
use crate::handler::NsCallbacks;
use crate::reason::{ConnectError, DisconnectReason};
use crate::socket::Socket;
use crate::state::{Outgoing, Shared};

/// The Socket.IO side of one connection.
pub(crate) struct Dispatch {
    shared: Arc<Shared>,
    decoder: AnyDecoder,
}

impl Dispatch {
    pub(crate) fn new(shared: Arc<Shared>) -> Dispatch {
        let decoder = shared.config.parser.decoder(shared.config.limits);
        Dispatch { shared, decoder }
    }

    /// Handles one Engine.IO message; returns packets to send at once (the emits buffered
    /// for a namespace that just joined), in order. An error ends the connection with that
    /// reason.
    pub(crate) fn on_message(
        &mut self,
        message: Message,
    ) -> Result<Vec<Outgoing>, DisconnectReason> {
        match self.decoder.push(message) {
            Ok(Some(packet)) if packet.validate().is_ok() => self.on_packet(packet),
            Ok(None) => Ok(Vec::new()),
            Ok(Some(_)) | Err(_) => Err(DisconnectReason::ParseError),
        }
    }

    fn socket(&self, packet: &Packet) -> Socket {
        Socket {
            shared: self.shared.clone(),
            ns: packet.ns.clone(),
        }
    }

    fn on_packet(&self, packet: Packet) -> Result<Vec<Outgoing>, DisconnectReason> {
        match packet.kind {
            PacketKind::Connect => return Ok(self.on_connect(&packet)),
            PacketKind::Disconnect => {
                let socket = self.socket(&packet);
                if self.shared.leave(socket.ns()) {
                    tracing::debug!(ns = %packet.ns, "namespace left: io server disconnect");
                    self.shared.notify();
                    fire_disconnect(&socket, DisconnectReason::IoServerDisconnect);
                }
            }
            PacketKind::ConnectError => self.on_connect_error(&packet),
            PacketKind::Event | PacketKind::BinaryEvent => self.on_event(packet)?,
            PacketKind::Ack | PacketKind::BinaryAck => self.on_ack(packet),
        }
        Ok(Vec::new())
    }

    fn on_connect(&self, packet: &Packet) -> Vec<Outgoing> {
        let field = |key: &str| {
            packet
                .data
                .as_ref()
                .and_then(|d| d.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let (sid, pid) = (field("sid"), field("pid"));
        let (early, buffered, callbacks) = {
            let mut state = self.shared.lock();
            let Some(ns) = state.namespaces.get_mut(packet.ns.as_str()) else {
                return Vec::new();
            };
            if !ns.wanted || ns.connected {
                return Vec::new();
            }
            ns.connected = true;
            ns.refused = None;
            ns.sid = sid;
            ns.recovered = pid.is_some() && ns.pid == pid;
            if ns.pid != pid {
                // A new session: offsets of the previous one mean nothing to it.
                ns.offset = None;
            }
            ns.pid = pid;
            (
                std::mem::take(&mut ns.early),
                std::mem::take(&mut ns.buffer),
                ns.callbacks.connect.clone(),
            )
        };
        self.shared.notify();
        tracing::debug!(
            ns = %packet.ns,
            replayed = early.len(),
            "namespace joined"
        );
        // The events the server replayed before its reply come first, then the join.
        for event in &early {
            self.dispatch_event(event);
        }
        let socket = self.socket(packet);
        for callback in callbacks {
            callback(socket.clone());
        }
        buffered.into()
    }

    fn on_connect_error(&self, packet: &Packet) {
        let data = packet.data.as_ref();
        let error = ConnectError {
            message: data
                .and_then(|d| d.get("message"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            data: data
                .and_then(|d| d.get("data"))
                .and_then(|d| event_proto::value::from_value_ref(d).ok()),
        };
        {
            let mut state = self.shared.lock();
            if let Some(ns) = state.namespaces.get_mut(packet.ns.as_str()) {
                ns.connected = false;
                ns.refused = Some(error.clone());
                ns.early.clear();
            }
        }
        self.shared.notify();
        tracing::info!(ns = %packet.ns, message = %error.message, "namespace refused");
        fire_connect_error(&self.socket(packet), &error);
    }

    /// Dispatches an event of a joined namespace; holds one that arrives while the namespace
    /// waits for the reply to a `CONNECT` asking for recovery (a session and an offset): the
    /// server replays the missed events before its reply. Other events of a namespace not
    /// joined are dropped (such as those the server sent before it saw our `DISCONNECT`).
    fn on_event(&self, packet: Packet) -> Result<(), DisconnectReason> {
        {
            let mut state = self.shared.lock();
            let Some(ns) = state.namespaces.get_mut(packet.ns.as_str()) else {
                return Ok(());
            };
            if !ns.connected {
                if !(ns.wanted && ns.pid.is_some() && ns.offset.is_some()) {
                    return Ok(());
                }
                if ns.early.len() >= self.shared.config.max_replayed_events {
                    ns.early.clear();
                    ns.pid = None;
                    ns.offset = None;
                    return Err(DisconnectReason::ParseError);
                }
                ns.early.push(packet);
                return Ok(());
            }
        }
        self.dispatch_event(&packet);
        Ok(())
    }

    /// Runs the handlers of an event, then records its offset: with a recovery `pid` held,
    /// a last argument that is a string is taken as the offset to recover from, as the
    /// reference client does (events with an ack id carry none).
    fn dispatch_event(&self, packet: &Packet) {
        let Some(name) = packet.event_name() else {
            return;
        };
        let (handler, any) = {
            let state = self.shared.lock();
            match state.namespaces.get(packet.ns.as_str()) {
                Some(ns) if ns.connected => (
                    ns.callbacks.events.get(name).cloned(),
                    ns.callbacks.any.clone(),
                ),
                _ => return,
            }
        };
        let socket = self.socket(packet);
        for callback in any {
            callback(socket.clone(), name.to_owned(), packet.args().to_vec());
        }
        if let Some(handler) = handler {
            let ack = packet
                .id
                .map(|id| AckSender::new(self.shared.clone(), packet.ns.clone(), id));
            handler(socket, packet, ack);
        }
        if packet.id.is_some() {
            return;
        }
        if let Some(offset) = packet.args().last().and_then(Value::as_str) {
            let mut state = self.shared.lock();
            if let Some(ns) = state.namespaces.get_mut(packet.ns.as_str())
                && ns.pid.is_some()
            {
                ns.offset = Some(offset.to_owned());
            }
        }
    }

    fn on_ack(&self, packet: Packet) {
        let Some(id) = packet.id else { return };
        let waiter = {
            let mut state = self.shared.lock();
            state
                .namespaces
                .get_mut(packet.ns.as_str())
                .and_then(|ns| ns.acks.remove(&id))
        };
        if let Some(waiter) = waiter {
            let _ = waiter.send(packet.args().to_vec());
        }
    }
}

/// Runs the disconnect callbacks of `socket`'s namespace.
pub(crate) fn fire_disconnect(socket: &Socket, reason: DisconnectReason) {
    for callback in callbacks(socket, |c| c.disconnect.clone()) {
        callback(socket.clone(), reason);
    }
}

/// Runs the connect-error callbacks of `socket`'s namespace.
pub(crate) fn fire_connect_error(socket: &Socket, error: &ConnectError) {
    for callback in callbacks(socket, |c| c.connect_error.clone()) {
        callback(socket.clone(), error.clone());
    }
}

/// An event whose arguments did not fit its handler: logged, and handed to the namespace's
/// rejected-event hook if it has one.
pub(crate) fn fire_rejected(socket: &Socket, packet: &Packet, error: &event_proto::Error) {
    let event = packet.event_name().unwrap_or_default();
    tracing::debug!(
        ns = %packet.ns,
        event,
        error = %error,
        "event arguments do not fit the handler's type: event dropped"
    );
    if let Some(hook) = callbacks(socket, |c| c.rejected.clone()) {
        hook(socket, event, error);
    }
}

/// A copy of some callbacks of `socket`'s namespace, to run without the lock.
fn callbacks<T: Default>(socket: &Socket, pick: impl Fn(&NsCallbacks) -> T) -> T {
    let state = socket.shared.lock();
    state
        .namespaces
        .get(socket.ns())
        .map(|ns| pick(&ns.callbacks))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Mutex;

    use super::*;
    use crate::config::Config;
    use crate::connector::Tls;
    use crate::state::{Namespace, State};
    use crate::url::ServerUrl;

    /// A dispatcher for namespace `/` (wanted, not joined) that logs events and joins.
    fn setup(max_replayed: usize) -> (Dispatch, Arc<Shared>, Arc<Mutex<Vec<String>>>) {
        let config = Config {
            max_replayed_events: max_replayed,
            ..Config::default()
        };
        let url = ServerUrl::parse("http://127.0.0.1:1").unwrap();
        let mut state = State::default();
        let mut ns = Namespace {
            wanted: true,
            ..Namespace::default()
        };
        let log = Arc::new(Mutex::new(Vec::new()));
        let (l1, l2) = (log.clone(), log.clone());
        ns.callbacks.any.push(Arc::new(move |_s, name, args| {
            l1.lock().unwrap().push(format!("{name}{}", args.len()));
        }));
        ns.callbacks.connect.push(Arc::new(move |s: Socket| {
            l2.lock()
                .unwrap()
                .push(format!("connect:{}", s.recovered()));
        }));
        state.namespaces.insert("/".into(), ns);
        let (shared, _rx) = Shared::new(config, url, Tls::default(), None, state);
        (Dispatch::new(shared.clone()), shared, log)
    }

    fn feed(d: &mut Dispatch, text: &str) -> Result<Vec<Outgoing>, DisconnectReason> {
        d.on_message(Message::Text(text.into()))
    }

    fn offset(shared: &Shared) -> Option<String> {
        shared.lock().namespaces["/"].offset.clone()
    }

    fn hold(shared: &Shared, pid: &str, offset: &str) {
        let mut state = shared.lock();
        let ns = state.namespaces.get_mut("/").unwrap();
        ns.pid = Some(pid.to_owned());
        ns.offset = Some(offset.to_owned());
    }

    #[test]
    fn tracks_offsets_only_with_a_pid_and_without_an_ack_id() {
        let (mut d, shared, _log) = setup(10);
        feed(&mut d, r#"0{"sid":"s1"}"#).unwrap();
        feed(&mut d, r#"2["a",1,"o1"]"#).unwrap();
        assert_eq!(offset(&shared), None, "no pid: no recovery");
        shared.lock().namespaces.get_mut("/").unwrap().connected = false;
        feed(&mut d, r#"0{"sid":"s2","pid":"p"}"#).unwrap();
        feed(&mut d, r#"2["a",1,"o1"]"#).unwrap();
        assert_eq!(offset(&shared).as_deref(), Some("o1"));
        feed(&mut d, r#"27["a","not-an-offset"]"#).unwrap();
        feed(&mut d, r#"2["a"]"#).unwrap();
        feed(&mut d, r#"2["a",{"x":"y"}]"#).unwrap();
        assert_eq!(offset(&shared).as_deref(), Some("o1"));
        feed(&mut d, r#"2["a","o2"]"#).unwrap();
        assert_eq!(offset(&shared).as_deref(), Some("o2"));
    }

    #[test]
    fn replayed_events_come_before_the_join() {
        let (mut d, shared, log) = setup(10);
        hold(&shared, "p", "o0");
        feed(&mut d, r#"2["a",1,"o1"]"#).unwrap();
        feed(&mut d, r#"2["b","o2"]"#).unwrap();
        assert!(log.lock().unwrap().is_empty());
        feed(&mut d, r#"0{"sid":"s","pid":"p"}"#).unwrap();
        assert_eq!(*log.lock().unwrap(), ["a2", "b1", "connect:true"]);
        assert_eq!(offset(&shared).as_deref(), Some("o2"));
        assert!(shared.lock().namespaces["/"].recovered);
    }

    #[test]
    fn a_new_pid_is_a_fresh_session() {
        let (mut d, shared, log) = setup(10);
        hold(&shared, "p", "o0");
        feed(&mut d, r#"0{"sid":"s","pid":"q"}"#).unwrap();
        assert_eq!(*log.lock().unwrap(), ["connect:false"]);
        let state = shared.lock();
        let ns = &state.namespaces["/"];
        assert_eq!((ns.pid.as_deref(), ns.offset.as_deref()), (Some("q"), None));
    }

    #[test]
    fn without_a_recovery_request_early_events_are_dropped() {
        let (mut d, shared, log) = setup(10);
        shared.lock().namespaces.get_mut("/").unwrap().pid = Some("p".into());
        feed(&mut d, r#"2["stale","o1"]"#).unwrap();
        feed(&mut d, r#"0{"sid":"s","pid":"p"}"#).unwrap();
        assert_eq!(*log.lock().unwrap(), ["connect:true"]);
    }

    #[test]
    fn a_replay_beyond_the_bound_drops_the_connection_and_the_session() {
        let (mut d, shared, log) = setup(2);
        hold(&shared, "p", "o0");
        feed(&mut d, r#"2["a","o1"]"#).unwrap();
        feed(&mut d, r#"2["a","o2"]"#).unwrap();
        assert_eq!(
            feed(&mut d, r#"2["a","o3"]"#).unwrap_err(),
            DisconnectReason::ParseError
        );
        let state = shared.lock();
        let ns = &state.namespaces["/"];
        assert!(ns.pid.is_none() && ns.offset.is_none() && ns.early.is_empty());
        assert!(log.lock().unwrap().is_empty());
    }
}

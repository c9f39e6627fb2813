//! Received Socket.IO packets: joins, refusals, events, acknowledgements and server
//! disconnects, handed to the namespace's callbacks.

use std::sync::Arc;

use event_proto::socket::{Packet, PacketKind};
use event_proto::{Decoder, JsonDecoder, JsonParser, Message, Parser, Value};

use crate::ack::AckSender;
use crate::error::Result;
use crate::handler::NsCallbacks;
use crate::reason::{ConnectError, DisconnectReason};
use crate::socket::Socket;
use crate::state::{Outgoing, Shared};

/// The Socket.IO side of one connection.
pub(crate) struct Dispatch {
    shared: Arc<Shared>,
    decoder: JsonDecoder,
}

impl Dispatch {
    pub(crate) fn new(shared: Arc<Shared>) -> Dispatch {
        let decoder = JsonParser.decoder(shared.config.limits);
        Dispatch { shared, decoder }
    }

    /// Handles one Engine.IO message; returns packets to send at once (the emits buffered
    /// for a namespace that just joined), in order.
    pub(crate) fn on_message(&mut self, message: Message) -> Result<Vec<Outgoing>> {
        match self.decoder.push(message)? {
            Some(packet) => {
                packet.validate()?;
                Ok(self.on_packet(packet))
            }
            None => Ok(Vec::new()),
        }
    }

    fn socket(&self, packet: &Packet) -> Socket {
        Socket {
            shared: self.shared.clone(),
            ns: packet.ns.clone(),
        }
    }

    fn on_packet(&self, packet: Packet) -> Vec<Outgoing> {
        match packet.kind {
            PacketKind::Connect => return self.on_connect(&packet),
            PacketKind::Disconnect => {
                let socket = self.socket(&packet);
                if self.shared.leave(socket.namespace()) {
                    self.shared.notify();
                    fire_disconnect(&socket, DisconnectReason::IoServerDisconnect);
                }
            }
            PacketKind::ConnectError => self.on_connect_error(&packet),
            PacketKind::Event | PacketKind::BinaryEvent => self.on_event(&packet),
            PacketKind::Ack | PacketKind::BinaryAck => self.on_ack(packet),
        }
        Vec::new()
    }

    fn on_connect(&self, packet: &Packet) -> Vec<Outgoing> {
        let sid = packet
            .data
            .as_ref()
            .and_then(|d| d.get("sid"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let (buffered, callbacks) = {
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
            (std::mem::take(&mut ns.buffer), ns.callbacks.connect.clone())
        };
        self.shared.notify();
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
            }
        }
        self.shared.notify();
        fire_connect_error(&self.socket(packet), &error);
    }

    fn on_event(&self, packet: &Packet) {
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
            callback(socket.clone(), name, packet.args());
        }
        if let Some(handler) = handler {
            let ack = packet
                .id
                .map(|id| AckSender::new(self.shared.clone(), packet.ns.clone(), id));
            handler(socket, packet, ack);
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

/// A copy of some callbacks of `socket`'s namespace, to run without the lock.
fn callbacks<T: Default>(socket: &Socket, pick: impl Fn(&NsCallbacks) -> T) -> T {
    let state = socket.shared.lock();
    state
        .namespaces
        .get(socket.namespace())
        .map(|ns| pick(&ns.callbacks))
        .unwrap_or_default()
}

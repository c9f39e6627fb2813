//! The Socket.IO side of one Engine.IO session: decoding, and its sockets by namespace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use event_proto::socket::{Packet, PacketKind};
use event_proto::{Decoder, JsonDecoder, JsonParser, Message, Parser, Str, Value};

use super::handle::{Socket, SocketIdentity};
use super::namespace::{ConnectRequest, NsInner};
use super::recovery::RestoredSession;
use super::server::ServerInner;
use crate::engine::{Conn, ConnHandler, Outgoing};
use crate::reason::DisconnectReason;
use crate::sync::{BoxFuture, lock};

pub(crate) struct Client {
    conn: Arc<Conn>,
    server: Weak<ServerInner>,
    decoder: Mutex<JsonDecoder>,
    sockets: Mutex<HashMap<Str, Socket>>,
    me: Weak<Client>,
}

impl Client {
    pub(crate) fn new(conn: Arc<Conn>, server: Weak<ServerInner>) -> Arc<Client> {
        let limits = server
            .upgrade()
            .map(|s| s.config.limits)
            .unwrap_or_default();
        Arc::new_cyclic(|me| Client {
            conn,
            server,
            decoder: Mutex::new(JsonParser.decoder(limits)),
            sockets: Mutex::new(HashMap::new()),
            me: me.clone(),
        })
    }

    /// Forgets the socket of namespace `ns` (it left).
    pub(crate) fn forget(&self, ns: &Str) {
        lock(&self.sockets).remove(ns);
    }

    /// Every socket of this client, one per namespace joined.
    pub(crate) fn sockets(&self) -> Vec<Socket> {
        lock(&self.sockets).values().cloned().collect()
    }

    fn socket(&self, ns: &Str) -> Option<Socket> {
        lock(&self.sockets).get(ns).cloned()
    }

    fn send_packet(&self, packet: &Packet) {
        if let Ok(encoded) = JsonParser.encode(packet) {
            let _ = self.conn.push(Outgoing::Socket(encoded), false);
        }
    }

    async fn dispatch(&self, packet: Packet) {
        match packet.kind {
            PacketKind::Connect => self.connect(packet).await,
            PacketKind::Disconnect => {
                if let Some(socket) = self.socket(&packet.ns) {
                    socket.leave_namespace(DisconnectReason::ClientNamespaceDisconnect);
                }
            }
            PacketKind::Event | PacketKind::BinaryEvent => {
                if let Some(socket) = self.socket(&packet.ns) {
                    socket.on_event(&packet);
                }
            }
            PacketKind::Ack | PacketKind::BinaryAck => {
                if let Some(socket) = self.socket(&packet.ns) {
                    socket.on_ack(&packet);
                }
            }
            PacketKind::ConnectError => self.conn.close(DisconnectReason::ParseError),
        }
    }

    async fn connect(&self, packet: Packet) {
        let Some(server) = self.server.upgrade() else {
            return;
        };
        if self.socket(&packet.ns).is_some() {
            return;
        }
        let Some(ns) = server.namespace(packet.ns.as_str()) else {
            self.send_packet(&Packet::connect_error(
                packet.ns.clone(),
                "Invalid namespace",
                None,
            ));
            return;
        };
        let auth = packet.data.unwrap_or(Value::Object(Vec::new()));
        let restored = match ns.recovery {
            Some(_) => restore(&ns, &auth).await,
            None => None,
        };
        let skip_middlewares = restored.is_some()
            && ns
                .recovery
                .is_some_and(|recovery| recovery.skip_middlewares);
        if !skip_middlewares {
            let request = ConnectRequest {
                ns: packet.ns.to_string(),
                auth: auth.clone(),
                info: self.conn.info.clone(),
            };
            if let Err(refused) = ns.setup.check(request).await {
                let data = refused.data.map(Value::from);
                self.send_packet(&Packet::connect_error(
                    packet.ns.clone(),
                    &refused.message,
                    data,
                ));
                return;
            }
        }
        if self.conn.is_closed() {
            return;
        }
        let (identity, rooms, missed) = match restored {
            Some(session) => {
                let state = session.state;
                let identity = SocketIdentity {
                    id: state.sid,
                    pid: Some(state.pid),
                    data: state.data,
                    recovered: true,
                };
                (identity, state.rooms, session.missed)
            }
            None => (
                SocketIdentity::fresh(ns.recovery.is_some()),
                Vec::new(),
                Vec::new(),
            ),
        };
        let socket = Socket::new(
            ns.clone(),
            self.conn.clone(),
            self.me.clone(),
            auth,
            identity,
        );
        let mut rooms = rooms;
        if !rooms.iter().any(|room| room == socket.id().as_str()) {
            rooms.push(socket.id().to_string());
        }
        let _ = socket.join(rooms).await;
        crate::sync::write(&ns.sockets).insert(socket.id().clone(), socket.clone());
        lock(&self.sockets).insert(packet.ns.clone(), socket.clone());
        self.conn.mark_joined();
        // What the client missed comes first, then the CONNECT reply.
        for encoded in missed {
            let _ = self.conn.push(Outgoing::Socket(encoded), false);
        }
        let mut reply = vec![("sid".to_owned(), Value::from(socket.id().as_str()))];
        if let Some(pid) = socket.pid() {
            reply.push(("pid".to_owned(), Value::from(pid)));
        }
        self.send_packet(&Packet::connect(packet.ns, Some(Value::Object(reply))));
        (ns.setup.on_connect)(socket);
    }
}

/// The session the CONNECT payload asks to recover (`{pid, offset}` strings), if the adapter
/// can restore it completely. Failures mean a fresh session, as in the reference.
async fn restore(ns: &NsInner, auth: &Value) -> Option<RestoredSession> {
    let pid = auth.get("pid")?.as_str()?.to_owned();
    let offset = auth.get("offset")?.as_str()?.to_owned();
    ns.adapter.restore_session(pid, offset).await.ok().flatten()
}

impl ConnHandler for Client {
    fn on_message(&self, message: Message) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let decoded = lock(&self.decoder).push(message);
            match decoded {
                Ok(Some(packet)) => self.dispatch(packet).await,
                Ok(None) => {}
                Err(_) => self.conn.close(DisconnectReason::ParseError),
            }
        })
    }

    fn on_close(&self, reason: DisconnectReason) {
        let sockets: Vec<Socket> = lock(&self.sockets).drain().map(|(_, s)| s).collect();
        for socket in sockets {
            socket.leave_namespace(reason);
        }
    }
}

//! The Socket.IO side of one Engine.IO session: decoding, and its sockets by namespace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use event_proto::socket::{Packet, PacketKind};
use event_proto::{Decoder, JsonDecoder, JsonParser, Message, Parser, Str, Value};

use super::handle::Socket;
use super::namespace::ConnectRequest;
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
        if self.conn.is_closed() {
            return;
        }
        let socket = Socket::new(ns.clone(), self.conn.clone(), self.me.clone(), auth);
        let _ = socket.join([socket.id().to_string()]).await;
        crate::sync::write(&ns.sockets).insert(socket.id().clone(), socket.clone());
        lock(&self.sockets).insert(packet.ns.clone(), socket.clone());
        self.conn.mark_joined();
        let sid = Value::Object(vec![("sid".to_owned(), Value::from(socket.id().as_str()))]);
        self.send_packet(&Packet::connect(packet.ns, Some(sid)));
        (ns.setup.on_connect)(socket);
    }
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

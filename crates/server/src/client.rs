//! The Socket.IO side of one Engine.IO session: decoding, and its sockets by namespace.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use event_proto::socket::{Packet, PacketKind};
use event_proto::{AnyDecoder, AnyParser, Decoder, Message, Parser, Str, Value};
use wsio_engine::{BoxFuture, CloseReason, Session, SessionHandler};

use crate::adapter::{AttachSession, warn_on_error};
use crate::namespace::{ConnectRequest, Namespaces, NsInner};
use crate::outgoing;
use crate::reason::DisconnectReason;
use crate::recovery::RestoredSession;
use crate::socket::{Connection, Socket, SocketIdentity};
use crate::sync::lock;

/// The decoder of a connection, and the bytes of the packet it is reading so far.
struct Decoding {
    decoder: AnyDecoder,
    bytes: usize,
}

impl Decoding {
    /// Reads `message`: a whole packet, with the bytes of every message that made it up.
    fn push(&mut self, message: Message) -> Result<Option<(Packet, usize)>, event_proto::Error> {
        self.bytes += message.len();
        match self.decoder.push(message)? {
            Some(packet) => Ok(Some((packet, std::mem::take(&mut self.bytes)))),
            None => Ok(None),
        }
    }
}

pub(crate) struct Client {
    session: Arc<Session>,
    namespaces: Weak<Namespaces>,
    decoder: Mutex<Decoding>,
    parser: AnyParser,
    sockets: Mutex<HashMap<Str, Socket>>,
    me: Weak<Client>,
}

impl Client {
    pub(crate) fn new(
        session: Arc<Session>,
        namespaces: Weak<Namespaces>,
        limits: event_proto::Limits,
        parser: AnyParser,
    ) -> Arc<Client> {
        Arc::new_cyclic(|me| Client {
            session,
            namespaces,
            decoder: Mutex::new(Decoding {
                decoder: parser.decoder(limits),
                bytes: 0,
            }),
            parser,
            sockets: Mutex::new(HashMap::new()),
            me: me.clone(),
        })
    }

    fn socket(&self, ns: &Str) -> Option<Socket> {
        lock(&self.sockets).get(ns).cloned()
    }

    fn send_packet(&self, packet: &Packet) {
        if let Ok(encoded) = self.parser.encode(packet) {
            let _ = self.session.push(outgoing::single(encoded), false);
        }
    }

    /// Handles `packet`, `size` bytes as it came.
    async fn dispatch(&self, packet: Packet, size: usize) {
        match packet.kind {
            PacketKind::Connect => self.connect(packet).await,
            PacketKind::Disconnect => {
                if let Some(socket) = self.socket(&packet.ns) {
                    socket.leave_namespace(DisconnectReason::ClientNamespaceDisconnect);
                }
            }
            PacketKind::Event | PacketKind::BinaryEvent => {
                if let Some(socket) = self.socket(&packet.ns) {
                    socket.on_event(&packet, size);
                }
            }
            PacketKind::Ack | PacketKind::BinaryAck => {
                if let Some(socket) = self.socket(&packet.ns) {
                    socket.on_ack(&packet);
                }
            }
            PacketKind::ConnectError => self.session.close(CloseReason::ParseError),
        }
    }

    async fn connect(&self, packet: Packet) {
        let Some(namespaces) = self.namespaces.upgrade() else {
            return;
        };
        if self.socket(&packet.ns).is_some() {
            return;
        }
        let Some(ns) = namespaces.get_or_create(packet.ns.as_str()) else {
            namespaces.count_unknown();
            tracing::info!(
                ns = %packet.ns,
                sid = %self.session.sid(),
                "namespace join refused: unknown namespace"
            );
            self.send_packet(&Packet::connect_error(
                packet.ns.clone(),
                "Invalid namespace",
                None,
            ));
            return;
        };
        let auth = packet.data.unwrap_or(Value::Object(Vec::new()));
        let resume = ns.recovery.and_then(|recovery| {
            let pid = auth.get("pid")?.as_str()?.to_owned();
            let offset = auth.get("offset")?.as_str()?.to_owned();
            Some((recovery.skip_middlewares, pid, offset))
        });
        // A recovered socket may skip the middlewares; otherwise they run first.
        if let Some((true, pid, offset)) = &resume
            && self
                .recover(&ns, &packet.ns, &auth, pid.clone(), offset.clone(), None)
                .await
        {
            return;
        }
        let request = ConnectRequest::new(
            packet.ns.to_string(),
            auth.clone(),
            self.session.info().clone(),
        );
        if let Err(refused) = ns.setup.check(&request).await {
            crate::stats::count(&ns.core.counters.middleware_refusals);
            tracing::info!(
                ns = %packet.ns,
                sid = %self.session.sid(),
                reason = %refused.message,
                "namespace join refused by a middleware"
            );
            let data = refused.data.map(Value::from);
            self.send_packet(&Packet::connect_error(
                packet.ns.clone(),
                &refused.message,
                data,
            ));
            return;
        }
        if let Some((false, pid, offset)) = resume
            && self
                .recover(&ns, &packet.ns, &auth, pid, offset, Some(&request))
                .await
        {
            return;
        }
        if self.session.is_closed() {
            return;
        }
        let identity = SocketIdentity::fresh(ns.recovery.is_some());
        let socket = Socket::new(
            ns.clone(),
            self.session.clone(),
            self.me.clone(),
            auth,
            identity,
        );
        socket.apply(request.take_prepared());
        // `join` logs an adapter's failure.
        let _ = socket.join(socket.id()).await;
        crate::sync::write(&ns.sockets).insert(socket.id().clone(), socket.clone());
        lock(&self.sockets).insert(packet.ns.clone(), socket.clone());
        self.session.confirm();
        self.send_packet(&connect_reply(&packet.ns, &socket));
        socket.in_span(|| {
            tracing::debug!("namespace join accepted");
            (ns.setup.on_connect)(socket.clone());
        });
    }

    /// Recovers the session `pid` (connection state recovery): the adapter restores it, and
    /// under its lock the socket comes back with its id, rooms and data, the missed packets
    /// are queued, then the CONNECT reply. Runs the connect handler and returns `true` when
    /// the session was restored; `false` means a fresh session. The restored socket gets what
    /// the middlewares of `request` set, when they ran.
    async fn recover(
        &self,
        ns: &Arc<NsInner>,
        name: &Str,
        auth: &Value,
        pid: String,
        offset: String,
        request: Option<&ConnectRequest>,
    ) -> bool {
        if self.session.is_closed() {
            return false;
        }
        let attached: Arc<Mutex<Option<Socket>>> = Arc::new(Mutex::new(None));
        let attach: AttachSession = Box::new({
            let (ns, session, me, auth, name) = (
                ns.clone(),
                self.session.clone(),
                self.me.clone(),
                auth.clone(),
                name.clone(),
            );
            let attached = attached.clone();
            let request = request.cloned();
            move |restored: RestoredSession| {
                let state = restored.state;
                let identity = SocketIdentity {
                    id: state.sid,
                    pid: Some(state.pid),
                    data: state.data,
                    recovered: true,
                };
                let socket = Socket::new(ns.clone(), session.clone(), me.clone(), auth, identity);
                if let Some(request) = request {
                    socket.apply(request.take_prepared());
                }
                crate::sync::write(&ns.sockets).insert(socket.id().clone(), socket.clone());
                if let Some(client) = me.upgrade() {
                    lock(&client.sockets).insert(name.clone(), socket.clone());
                }
                session.confirm();
                // What the client missed comes first, then the CONNECT reply.
                for encoded in restored.missed {
                    let _ = session.push(outgoing::single(encoded), false);
                }
                if let Ok(reply) = ns.core.parser.encode(&connect_reply(&name, &socket)) {
                    let _ = session.push(outgoing::single(reply), false);
                }
                *lock(&attached) = Some(socket);
            }
        });
        let restored = ns
            .core
            .adapter
            .restore_session_with(pid, offset, attach)
            .await;
        let socket = lock(&attached).take();
        let restored = warn_on_error(restored, name.as_str(), "restore session");
        match (restored, socket) {
            (Ok(true), Some(socket)) => {
                socket.in_span(|| {
                    tracing::debug!(recovered = true, "namespace join accepted");
                    (ns.setup.on_connect)(socket.clone());
                });
                true
            }
            _ => false,
        }
    }
}

/// The CONNECT reply for `socket`: `{sid}`, plus `pid` with connection state recovery.
fn connect_reply(ns: &Str, socket: &Socket) -> Packet {
    let mut reply = vec![("sid".to_owned(), Value::from(socket.id().as_str()))];
    if let Some(pid) = socket.pid() {
        reply.push(("pid".to_owned(), Value::from(pid)));
    }
    Packet::connect(ns.clone(), Some(Value::Object(reply)))
}

impl Connection for Client {
    fn sockets(&self) -> Vec<Socket> {
        lock(&self.sockets).values().cloned().collect()
    }

    fn forget(&self, ns: &Str) {
        lock(&self.sockets).remove(ns);
    }
}

impl SessionHandler for Client {
    fn on_message(&self, message: Message) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let decoded = lock(&self.decoder).push(message);
            match decoded {
                Ok(Some((packet, size))) => self.dispatch(packet, size).await,
                Ok(None) => {}
                Err(_) => self.session.close(CloseReason::ParseError),
            }
        })
    }

    fn on_close(&self, reason: CloseReason) {
        let reason = DisconnectReason::from(reason);
        let sockets: Vec<Socket> = lock(&self.sockets).drain().map(|(_, s)| s).collect();
        for socket in sockets {
            socket.leave_namespace(reason);
        }
    }
}

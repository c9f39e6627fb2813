//! `Socket`: one namespace of a client.

use std::sync::Arc;
use std::time::Duration;

use event_proto::socket::Packet;
use event_proto::{Parser, Str, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ack::{self, AckSender};
use crate::error::{Error, Result};
use crate::handler::HandlerOutput;
use crate::reason::{ConnectError, DisconnectReason};
use crate::state::{Kind, Outgoing, Shared};

/// One namespace (`/`, `/admin`, ...) of a [`Client`](crate::Client), multiplexed with the
/// others over the client's Engine.IO connection. Cheap to clone.
///
/// Handlers are plain closures or `async` ones (see [`HandlerOutput`]). They start on the
/// client's driver task, one at a time and in arrival order: a plain handler runs to its end
/// there, an `async` one up to its first `.await` that is not ready, and the rest of it as
/// a task of its own. So emits made before the first wait of consecutive events leave in
/// order, and slow work (such as `emit_with_ack`) never holds up the connection.
#[derive(Clone)]
pub struct Socket {
    pub(crate) shared: Arc<Shared>,
    pub(crate) ns: Str,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket").field("ns", &self.ns).finish()
    }
}

impl Socket {
    /// The namespace's name, such as `/` or `/admin` (as the server's `Socket::ns`).
    pub fn ns(&self) -> &str {
        self.ns.as_str()
    }

    /// The namespace's name: the former name of [`ns`](Self::ns).
    #[deprecated(note = "renamed `ns`, as on the server's socket")]
    pub fn namespace(&self) -> &str {
        self.ns()
    }

    /// The socket id the server gave at the last join, if joined once.
    pub fn id(&self) -> Option<String> {
        let state = self.shared.lock();
        state.namespaces.get(self.ns())?.sid.clone()
    }

    /// True when the last join recovered the previous session (connection state recovery,
    /// Socket.IO ≥ 4.6 servers): the server answered with the private session id (`pid`) the
    /// client presented, so the socket kept its id, rooms and server-side data, and every
    /// event missed while disconnected has been dispatched, in order, before the connect
    /// handlers ran. False after a fresh join, and for servers without recovery.
    ///
    /// How it works: the server's `CONNECT` reply carries a `pid`, and each event it sends
    /// without an ack id and not volatile carries an offset as its last argument. After an
    /// event's handlers ran, a string last argument becomes the namespace's offset (only while
    /// a `pid` is held, and not for events with an ack id). On reconnection the `CONNECT` auth
    /// is `{pid, offset}` merged with the [`auth`](crate::ClientBuilder::auth) payload, whose
    /// keys win on a clash; until an event brought an offset only `pid` is sent, and the
    /// server starts a fresh session. A fresh session (a new `pid`) clears the offset.
    ///
    /// Like the JavaScript client, the offset is not taken out of the arguments: handlers of
    /// a server with recovery on see it as one more argument (`(payload, offset)`), and an
    /// event that carries no offset (a volatile one) but whose own last argument is a string
    /// moves the offset too: that string is not an offset the server knows, so the next
    /// reconnection starts a fresh session unless another event came after it.
    /// Unlike that client, an event without arguments never moves it (the JavaScript client
    /// takes the event name), a new `pid` clears it, and leaving the namespace (from either
    /// side, which servers never keep a session for) forgets the `pid`, so events still in
    /// flight from the left socket are not taken for replayed ones.
    pub fn recovered(&self) -> bool {
        let state = self.shared.lock();
        state
            .namespaces
            .get(self.ns())
            .is_some_and(|ns| ns.recovered)
    }

    /// True while joined on the current connection.
    pub fn connected(&self) -> bool {
        let state = self.shared.lock();
        state
            .namespaces
            .get(self.ns())
            .is_some_and(|ns| ns.connected)
    }

    /// Handles event `event`, with its arguments converted into `T` (a tuple such as
    /// `(String, u32)`, or `Vec<Value>` for any). Events whose arguments do not convert are
    /// skipped (`on_any` still sees them, and so does
    /// [`on_rejected_event`](Self::on_rejected_event)). Binary arguments convert into
    /// `Vec<u8>`, `bytes::Bytes` (feature `serde`) or [`Value::Binary`]. Replaces an earlier
    /// handler of the same event.
    ///
    /// A tuple converts from exactly its number of arguments: an event with one more or one
    /// fewer (even for a trailing `Option`) is skipped, where a JavaScript handler would
    /// ignore the extra one or see `undefined`. `()` takes an event without arguments only.
    ///
    /// `ack` is `Some` when the server asked for an acknowledgement. The handler may be
    /// `async`: it then runs at once up to its first wait, and the rest of it concurrently
    /// with later events.
    ///
    /// With connection state recovery on the server, events sent without an ack id carry
    /// the server's offset as one more last argument: take it in `T` (`(Payload, String)`) or
    /// use `Vec<Value>` (see [`recovered`](Self::recovered)).
    pub fn on<T, F, R, M>(&self, event: &str, handler: F)
    where
        T: DeserializeOwned,
        F: Fn(Socket, T, Option<AckSender>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        let erased = move |socket: Socket, packet: &Packet, ack: Option<AckSender>| match packet
            .deserialize_args::<T>()
        {
            Ok(args) => handler(socket, args, ack).finish(),
            Err(e) => crate::dispatch::fire_rejected(&socket, packet, &e),
        };
        self.with_callbacks(|c| {
            c.events.insert(event.to_owned(), Arc::new(erased));
        });
    }

    /// Runs `handler` for each event dropped because its arguments did not deserialize into
    /// the type its [`on`](Self::on) handler takes, with the event's name and the error,
    /// replacing an earlier one (the same hook as the server's `Socket::on_rejected_event`).
    /// Without one, such events are logged with `tracing` at debug level and dropped; either
    /// way the event's handler does not run and its ack is not sent. The error
    /// ([`event_proto::Error::Arguments`]) says what did not fit: `event "move" has 1
    /// argument, the handler takes 2`, or `event "move": argument 2: expected i32, got the
    /// string "up"`.
    ///
    /// ```no_run
    /// # fn demo(socket: wsio_client::Socket) {
    /// socket.on("move", |_socket, (x, y): (i32, i32), _ack| { let _ = (x, y); });
    /// socket.on_rejected_event(|socket, event, error| {
    ///     let _ = socket.emit("bad-event", &(event, error.to_string()));
    /// });
    /// # }
    /// ```
    pub fn on_rejected_event<F>(&self, handler: F)
    where
        F: Fn(&Socket, &str, &event_proto::Error) + Send + Sync + 'static,
    {
        self.with_callbacks(|c| c.rejected = Some(Arc::new(handler)));
    }

    /// Adds a listener that sees every event of the namespace (name and raw arguments)
    /// before the event's own handler, like the JavaScript client's `socket.onAny`; listeners
    /// run in the order they were added. Plain or `async`, like every handler (the same
    /// shape as the server's `Socket::on_any`).
    pub fn on_any<F, R, M>(&self, handler: F)
    where
        F: Fn(Socket, String, Vec<Value>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        self.with_callbacks(|c| {
            c.any.push(Arc::new(move |socket, event, args| {
                handler(socket, event, args).finish();
            }));
        });
    }

    /// Runs at every join of the namespace, the first one and each after a reconnection. May
    /// be `async`.
    pub fn on_connect<F, R, M>(&self, handler: F)
    where
        F: Fn(Socket) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        self.with_callbacks(|c| c.connect.push(Arc::new(move |s| handler(s).finish())));
    }

    /// Runs when the namespace is left, with the reason. May be `async`.
    pub fn on_disconnect<F, R, M>(&self, handler: F)
    where
        F: Fn(Socket, DisconnectReason) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        self.with_callbacks(|c| {
            c.disconnect
                .push(Arc::new(move |s, reason| handler(s, reason).finish()));
        });
    }

    /// Runs when the server refuses the join (its message and data), or when a connection
    /// attempt fails before the server could answer (the local error as message).
    pub fn on_connect_error<F>(&self, handler: F)
    where
        F: Fn(Socket, ConnectError) + Send + Sync + 'static,
    {
        self.with_callbacks(|c| c.connect_error.push(Arc::new(handler)));
    }

    fn with_callbacks(&self, f: impl FnOnce(&mut crate::handler::NsCallbacks)) {
        let mut state = self.shared.lock();
        let ns = state.namespaces.entry(self.ns().to_owned()).or_default();
        f(&mut ns.callbacks);
    }

    /// Emits `event` with `args`, a value that serializes as a sequence (a tuple, `Vec` or
    /// array; `()` for none); bytes anywhere become binary attachments.
    ///
    /// While the namespace is not joined (between reconnections) the packet waits in a buffer
    /// of [`Config::max_buffered_emits`](crate::Config::max_buffered_emits) and is sent once,
    /// in order, at the next join; [`Error::BufferFull`] beyond that.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<()> {
        self.send(event, args, None, Kind::Event)
    }

    /// Like [`emit`](Self::emit), but the packet is dropped instead of buffered when the
    /// namespace is not joined or the outgoing queue is full (positions, typing indicators).
    pub fn emit_volatile<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<()> {
        self.send(event, args, None, Kind::Transient)
    }

    /// Emits `event` and waits up to `timeout` for the server's acknowledgement, converted
    /// into `R` (a tuple of the acknowledgement's arguments, or `Vec<Value>`). Buffered like
    /// [`emit`](Self::emit) while disconnected; the timeout runs from the call. An emit that
    /// was already sent when the connection dropped gets no answer from the new session and
    /// ends with [`Error::Timeout`].
    pub async fn emit_with_ack<T, R>(&self, event: &str, args: &T, timeout: Duration) -> Result<R>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let (id, rx) = self.shared.register_ack(self.ns())?;
        if let Err(e) = self.send(event, args, Some(id), Kind::Event) {
            self.shared.drop_ack(self.ns(), id);
            return Err(e);
        }
        ack::wait(&self.shared, self.ns(), id, rx, timeout).await
    }

    fn send<T: Serialize + ?Sized>(
        &self,
        event: &str,
        args: &T,
        ack: Option<u64>,
        kind: Kind,
    ) -> Result<()> {
        let encoded = self
            .shared
            .config
            .parser
            .encode_event(&self.ns, event, args, ack)?;
        self.shared.route(Outgoing {
            ns: self.ns.clone(),
            packets: encoded.engine_packets().collect(),
            kind,
        })
    }

    /// Joins the namespace again after the server disconnected it or refused the join (the
    /// auth payload is computed anew). Joining happens by itself at every reconnection.
    pub fn connect(&self) -> Result<()> {
        self.shared.join(self.ns(), true)
    }

    /// Leaves the namespace: sends `DISCONNECT` and stops rejoining it; the connection stays
    /// open for the other namespaces.
    pub fn disconnect(&self) -> Result<()> {
        if self.shared.leave(self.ns()) {
            let packet = self
                .shared
                .config
                .parser
                .encode(&Packet::disconnect(self.ns.clone()))?;
            self.shared.send_control(Outgoing {
                ns: self.ns.clone(),
                packets: packet.engine_packets().collect(),
                kind: Kind::Transient,
            });
            crate::dispatch::fire_disconnect(self, DisconnectReason::IoClientDisconnect);
        }
        self.shared.notify();
        Ok(())
    }

    /// Waits until the namespace is joined, up to `timeout`.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<()> {
        let ns = self.ns().to_owned();
        let joined = self
            .shared
            .wait_for(timeout, |s| {
                s.closed || s.namespaces.get(&ns).is_some_and(|n| n.connected)
            })
            .await;
        match (joined, self.connected()) {
            (_, true) => Ok(()),
            (true, false) => Err(Error::Closed),
            (false, false) => Err(Error::Timeout),
        }
    }
}

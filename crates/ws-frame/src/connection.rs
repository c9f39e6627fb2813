//! [`Connection`]: the WebSocket protocol of one open connection as a state machine, sans-I/O.
//!
//! Bytes from the transport go in, [`Event`]s and bytes to write come out, and time is an
//! input: the caller passes the current [`Instant`] and sleeps until the
//! [deadline](Connection::next_deadline) the machine names. The same machine serves any
//! transport that carries a WebSocket's frames (a TCP or TLS stream, an HTTP/2 stream).

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use crate::{
    CloseCode, CloseFrame, Error, Extension, Frame, FrameDecoder, Limits, Message,
    MessageAssembler, Outgoing, Role,
};

#[cfg(test)]
mod tests;

/// The largest read the buffer grows to while a big frame streams in.
const MAX_READ_CHUNK: usize = 64 * 1024;

/// Room made beyond what the next read is expected to bring.
const HEADROOM: usize = 256;

/// Where the closing handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// We sent a close frame and wait for the peer's; incoming messages are still delivered.
    CloseSent,
    /// Both close frames are out, or the connection failed: write what is queued, then shut
    /// the transport down and call [`Connection::transport_closed`]. Nothing more is read.
    Closing,
    /// The transport is done; nothing more comes or goes.
    Closed,
}

/// What the machine reports, from [`Connection::next_event`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A message or control frame. Pings are already answered (while open) and a peer's
    /// close frame already echoed; the application still sees them.
    Message(Message),
    /// The peer broke the protocol. A close frame with [`Error::close_code`] is queued (if
    /// ours was not sent yet) and the state is [`State::Closing`].
    ProtocolError(Error),
    /// The transport ended before the closing handshake: the state is [`State::Closed`].
    ResetWithoutClose,
    /// The peer stayed silent through the keepalive's ping and its pong deadline: the state
    /// is [`State::Closed`] and whatever waited to be written is dropped.
    KeepaliveTimeout,
    /// The closing handshake did not finish within the close timeout: whatever waited to be
    /// written is dropped and the state is [`State::Closing`] (shut the transport down).
    CloseTimeout,
}

/// Settings of a [`Connection`].
///
/// ```
/// use std::time::Duration;
/// use ws_frame::ConnectionConfig;
///
/// let config = ConnectionConfig {
///     keepalive_interval: Some(Duration::from_secs(20)),
///     ..ConnectionConfig::default()
/// };
/// assert_eq!(config.close_timeout, Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Frame, message and fragment limits for what the peer sends (1009 beyond them).
    pub limits: Limits,
    /// How much room the read buffer makes before each read, at least. Default 4 KiB.
    pub read_chunk: usize,
    /// How long the closing handshake may take from the moment our close frame is queued
    /// (sent by us, echoed, or failing the connection) until the transport is shut down.
    /// Default 5 s; `None` waits for ever.
    pub close_timeout: Option<Duration>,
    /// Send a ping after this long without a byte from the peer. Default `None` (off).
    pub keepalive_interval: Option<Duration>,
    /// After a keepalive ping, how long the peer has to send anything (a pong, or any other
    /// frame) before the connection is given up. `None`: the interval again.
    pub keepalive_timeout: Option<Duration>,
    /// Whether the transport writes several slices at once, so that large payloads may be
    /// queued without a copy (see [`Outgoing::new`]). Default `false`.
    pub vectored_writes: bool,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            limits: Limits::default(),
            read_chunk: 4096,
            close_timeout: Some(Duration::from_secs(5)),
            keepalive_interval: None,
            keepalive_timeout: None,
            vectored_writes: false,
        }
    }
}

/// Keepalive timing: a ping after a silent interval, failure after a silent timeout.
#[derive(Debug)]
struct Keepalive {
    interval: Duration,
    timeout: Duration,
    /// When the peer was last heard from (or the timer started); `None` until the first
    /// time input.
    last_heard: Option<Instant>,
    /// When our unanswered ping times out.
    ping_deadline: Option<Instant>,
}

/// The WebSocket protocol of one connection (RFC 6455 §5–7), sans-I/O, in the manner of a
/// "protocol object": no sockets, no clock, no tasks.
///
/// * **In**: bytes from the transport ([`receive_data`](Connection::receive_data), or a read
///   straight into [`read_buffer`](Connection::read_buffer) followed by
///   [`note_received`](Connection::note_received)), the transport's end
///   ([`receive_eof`](Connection::receive_eof)), messages to send
///   ([`send`](Connection::send)), and the time ([`next_deadline`](Connection::next_deadline),
///   [`handle_deadline`](Connection::handle_deadline)).
/// * **Out**: [`Event`]s ([`next_event`](Connection::next_event)), bytes to write
///   ([`outgoing_mut`](Connection::outgoing_mut), or [`data_to_send`](Connection::data_to_send)
///   at once), the [`State`], and the next deadline.
///
/// It checks masking for its [`Role`] (and masks what it sends as a client), decodes and
/// assembles frames within [`Limits`], validates UTF-8, answers pings with pongs and a peer's
/// close frame with an echo of its code, fails the connection on a protocol error with the
/// error's close code (1002, 1007, 1009…), runs the closing handshake (open → close sent →
/// closing → closed) with its timeout, and sends keepalive pings with a deadline for the
/// answer.
///
/// The [crate documentation](crate) drives one by hand: a client's text frame in, the message
/// out, then the closing handshake.
pub struct Connection {
    role: Role,
    state: State,
    limits: Limits,
    read_buf: BytesMut,
    decoder: FrameDecoder,
    assembler: MessageAssembler,
    read_chunk: usize,
    /// The size of the last frame received: the room the next read makes when no frame is
    /// under way (at least `read_chunk`, at most [`MAX_READ_CHUNK`]), so that a peer sending
    /// frames of one size has each read in one system call, with no copy of a partial frame
    /// into a larger buffer.
    last_frame: usize,
    /// Set when bytes arrived since the last time input.
    heard: bool,
    outgoing: Outgoing,
    close_timeout: Option<Duration>,
    /// Set when our close frame was queued and its deadline is not yet counted.
    close_timer_pending: bool,
    close_deadline: Option<Instant>,
    keepalive: Option<Keepalive>,
    /// An event found outside [`Connection::next_event`] (end of input, a deadline).
    pending: Option<Event>,
}

impl Connection {
    /// A connection for `role` whose opening handshake is done.
    pub fn new(role: Role, config: &ConnectionConfig) -> Self {
        Connection {
            role,
            state: State::Open,
            limits: config.limits,
            read_buf: BytesMut::new(),
            decoder: FrameDecoder::with_limits(role, &config.limits),
            assembler: MessageAssembler::new(config.limits),
            read_chunk: config.read_chunk.max(64),
            last_frame: 0,
            heard: false,
            outgoing: Outgoing::new(role, config.vectored_writes),
            close_timeout: config.close_timeout,
            close_timer_pending: false,
            close_deadline: None,
            keepalive: config.keepalive_interval.map(|interval| Keepalive {
                interval,
                timeout: config.keepalive_timeout.unwrap_or(interval),
                last_heard: None,
                ping_deadline: None,
            }),
            pending: None,
        }
    }

    /// Uses a negotiated per-message extension (permessage-deflate), one object per
    /// direction: `inbound` decodes the messages marked with its RSV bits, `outbound` encodes
    /// the data messages sent.
    pub fn with_extension(
        mut self,
        inbound: Box<dyn Extension>,
        outbound: Box<dyn Extension>,
    ) -> Self {
        self.decoder.set_allowed_rsv(inbound.rsv_bits());
        self.assembler = MessageAssembler::with_extension(self.limits, inbound);
        self.outgoing.set_extension(outbound);
        self
    }

    /// Which side of the connection this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Where the closing handshake stands.
    pub fn state(&self) -> State {
        self.state
    }

    /// Whether messages may still be sent.
    pub fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// Whether the read side still wants bytes: the transport should be read.
    pub fn wants_input(&self) -> bool {
        matches!(self.state, State::Open | State::CloseSent)
    }

    /// Bytes from the transport, copied into the read buffer. Ignored once the connection
    /// no longer reads ([`State::Closing`], [`State::Closed`]).
    pub fn receive_data(&mut self, data: &[u8]) {
        if self.wants_input() && !data.is_empty() {
            self.read_buf.extend_from_slice(data);
            self.heard = true;
        }
    }

    /// The read buffer, with room made for the next read: for a caller that reads from the
    /// transport straight into it (no copy). Call [`note_received`](Connection::note_received)
    /// after a read that brought bytes.
    ///
    /// The room is the rest of the frame under way, or else the size of the last frame, within
    /// the configured read chunk and 64 KiB: a frame's declared length is trusted only that far,
    /// and larger frames are read in steps as they arrive.
    pub fn read_buffer(&mut self) -> &mut BytesMut {
        let spare = self.read_buf.capacity() - self.read_buf.len();
        let (want, least) = match self.decoder.remaining(self.read_buf.len()) {
            Some(rest) => {
                let want = rest.clamp(self.read_chunk, MAX_READ_CHUNK);
                (want, want.min(rest))
            }
            None => {
                let want = self.last_frame.clamp(self.read_chunk, MAX_READ_CHUNK);
                (want, want / 2)
            }
        };
        if spare < least.max(1) {
            // A little more than wanted: a read that does not fill its buffer tells the caller's
            // reactor the socket is drained, which spares it a read that would find nothing.
            self.read_buf.reserve(want + HEADROOM);
        }
        &mut self.read_buf
    }

    /// Bytes were read into [`read_buffer`](Connection::read_buffer): the peer was heard from.
    pub fn note_received(&mut self) {
        self.heard = true;
    }

    /// The transport has nothing to read for now: the read buffer is released when it holds
    /// no part of a frame, so that an idle connection keeps no read memory.
    pub fn release_idle_read_buffer(&mut self) {
        if self.read_buf.is_empty() && !self.decoder.is_mid_frame() {
            self.read_buf = BytesMut::new();
        }
    }

    /// The transport's read side ended. After our close frame this completes the closing
    /// handshake (no event); otherwise [`Event::ResetWithoutClose`] follows. The state is
    /// [`State::Closed`] either way.
    pub fn receive_eof(&mut self) {
        if self.state == State::Open {
            self.pending = Some(Event::ResetWithoutClose);
        }
        self.state = State::Closed;
    }

    /// The next event, if the bytes received make one (or the end of input, or a deadline,
    /// made one). Automatic answers (pong, close echo, failure close) are queued meanwhile.
    pub fn next_event(&mut self) -> Option<Event> {
        if let Some(event) = self.pending.take() {
            return Some(event);
        }
        if !self.wants_input() {
            return None;
        }
        loop {
            let buffered = self.read_buf.len();
            match self.decoder.decode(&mut self.read_buf) {
                Ok(Some(frame)) => {
                    self.last_frame = buffered - self.read_buf.len();
                    match self.assembler.push(frame) {
                        Ok(Some(message)) => return Some(self.on_message(message)),
                        Ok(None) => {}
                        Err(error) => return Some(self.fail(error)),
                    }
                }
                Ok(None) => return None,
                Err(error) => return Some(self.fail(error)),
            }
        }
    }

    /// Automatic answers to control messages.
    fn on_message(&mut self, message: Message) -> Event {
        match &message {
            Message::Ping(payload) if self.state == State::Open => {
                self.outgoing.queue_frame(&Frame::pong(payload.clone()));
            }
            Message::Close(close) => {
                if self.state == State::Open {
                    let echo = close.as_ref().map(|c| CloseFrame::new(c.code, ""));
                    self.queue_close(&Frame::close(echo.as_ref()));
                }
                self.state = State::Closing;
            }
            _ => {}
        }
        Event::Message(message)
    }

    /// Fails the connection for a protocol error: a close frame with the error's code, then
    /// shutdown.
    fn fail(&mut self, error: Error) -> Event {
        if self.state == State::Open {
            let close = CloseFrame::new(error.close_code(), "");
            self.queue_close(&Frame::close(Some(&close)));
        }
        self.state = State::Closing;
        Event::ProtocolError(error)
    }

    /// Queues our close frame and starts the close timeout.
    fn queue_close(&mut self, frame: &Frame) {
        self.outgoing.queue_frame(frame);
        self.close_timer_pending = self.close_timeout.is_some();
    }

    /// Queues a message to send. A close frame starts the closing handshake
    /// ([`State::CloseSent`]) and its timeout.
    ///
    /// Fails with [`Error::NotOpen`] once the closing handshake has begun, or with the
    /// outbound extension's error (nothing is queued then).
    pub fn send(&mut self, message: Message) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(Error::NotOpen);
        }
        if let Message::Close(close) = &message {
            self.queue_close(&Frame::close(close.as_ref()));
            self.state = State::CloseSent;
            return Ok(());
        }
        self.outgoing.queue_message(message)
    }

    /// Starts the closing handshake with `code` and `reason` (see [`send`](Connection::send)).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        self.send(Message::Close(Some(CloseFrame::new(
            code,
            reason.to_owned(),
        ))))
    }

    /// A close frame went out by another way than this machine (the write half of a split
    /// connection): no more answers are sent, and the peer's close or the end of input now
    /// completes the handshake.
    pub fn note_close_sent(&mut self) {
        if self.state == State::Open {
            self.state = State::CloseSent;
            self.close_timer_pending = self.close_timeout.is_some();
        }
    }

    /// The bytes waiting to be written.
    pub fn outgoing(&self) -> &Outgoing {
        &self.outgoing
    }

    /// The bytes waiting to be written, to write them
    /// ([`Outgoing::chunks_vectored`], [`Outgoing::advance`]) or to add frames encoded
    /// beforehand ([`Outgoing::queue_encoded`]).
    pub fn outgoing_mut(&mut self) -> &mut Outgoing {
        &mut self.outgoing
    }

    /// Everything waiting to be written, as one buffer; the queue is left empty.
    pub fn data_to_send(&mut self) -> Bytes {
        self.outgoing.take_bytes()
    }

    /// Takes the outgoing queue (with what waits in it and the outbound extension) for a
    /// writer of its own, leaving an empty one without extension that still takes the
    /// automatic answers (pongs, close echo).
    pub fn take_outgoing(&mut self) -> Outgoing {
        let fresh = Outgoing::new(self.role, self.outgoing.is_vectored());
        std::mem::replace(&mut self.outgoing, fresh)
    }

    /// The transport is shut down (after [`State::Closing`]) or failed: the state is
    /// [`State::Closed`], and the buffers are dropped.
    pub fn transport_closed(&mut self) {
        self.state = State::Closed;
        self.outgoing.clear();
        self.read_buf = BytesMut::new();
        self.close_deadline = None;
        self.close_timer_pending = false;
    }

    /// Bytes held by the read buffer, a message in progress and the write buffer (their
    /// capacities): the connection's buffer memory, zero when idle.
    pub fn buffered_capacity(&self) -> usize {
        self.read_buf.capacity()
            + self.assembler.buffered_capacity()
            + self.outgoing.buffered_capacity()
    }

    /// Counts what happened since the last time input from `now`: the peer heard from
    /// (keepalive restarts), our close frame queued (its timeout starts).
    fn observe(&mut self, now: Instant) {
        if let Some(keepalive) = self.keepalive.as_mut() {
            if std::mem::take(&mut self.heard) || keepalive.last_heard.is_none() {
                keepalive.last_heard = Some(now);
                keepalive.ping_deadline = None;
            }
        } else {
            self.heard = false;
        }
        if std::mem::take(&mut self.close_timer_pending)
            && let Some(timeout) = self.close_timeout
        {
            self.close_deadline = Some(now + timeout);
        }
    }

    /// Whether a timer may run: keepalive is on, or our close frame is out. When not,
    /// [`next_deadline`](Connection::next_deadline) is `None` and a driver need not read the
    /// clock.
    pub fn has_timers(&self) -> bool {
        self.state != State::Closed
            && (self.keepalive.is_some()
                || self.close_timer_pending
                || self.close_deadline.is_some())
    }

    /// The next moment [`handle_deadline`](Connection::handle_deadline) has work, given that
    /// it is `now`: the keepalive's next ping or its pong deadline, or the close timeout.
    /// `None` when no timer runs.
    ///
    /// Timers count from the first call after what starts them (bytes from the peer, our
    /// close frame): call this before waiting, with the current time.
    pub fn next_deadline(&mut self, now: Instant) -> Option<Instant> {
        self.observe(now);
        if self.state == State::Closed {
            return None;
        }
        let keepalive = self.keepalive.as_ref().and_then(|k| match k.ping_deadline {
            Some(deadline) => Some(deadline),
            None => k.last_heard.map(|heard| heard + k.interval),
        });
        match (keepalive, self.close_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Does what is due at `now`: the close timeout ([`Event::CloseTimeout`]), the keepalive's
    /// pong deadline ([`Event::KeepaliveTimeout`]), or its ping (queued while open).
    pub fn handle_deadline(&mut self, now: Instant) {
        self.observe(now);
        if self.state == State::Closed {
            return;
        }
        if self.close_deadline.is_some_and(|deadline| deadline <= now) {
            self.close_deadline = None;
            self.outgoing.clear();
            self.state = State::Closing;
            self.pending = Some(Event::CloseTimeout);
            return;
        }
        let Some(keepalive) = self.keepalive.as_mut() else {
            return;
        };
        match keepalive.ping_deadline {
            Some(deadline) if deadline <= now => {
                self.outgoing.clear();
                self.state = State::Closed;
                self.pending = Some(Event::KeepaliveTimeout);
            }
            Some(_) => {}
            None => {
                let due = keepalive
                    .last_heard
                    .is_some_and(|h| h + keepalive.interval <= now);
                if due {
                    keepalive.ping_deadline = Some(now + keepalive.timeout);
                    if self.state == State::Open {
                        self.outgoing.queue_frame(&Frame::ping(Bytes::new()));
                    }
                }
            }
        }
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("outgoing", &self.outgoing.len())
            .finish_non_exhaustive()
    }
}

//! [`WebSocket`]: one open connection over any byte stream.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use ws_frame::{CloseCode, CloseFrame, Connection, ConnectionConfig, Event, Message, Role, State};

use crate::outbound;
use crate::{Config, Error, ExtensionPair};

/// An open WebSocket connection: receive with [`recv`](WebSocket::recv) (or as a
/// [`Stream`]), send with [`send`](WebSocket::send) (or as a [`Sink`]).
///
/// * Pings are answered and close frames echoed automatically, as part of receiving; the
///   application still sees them as [`Message::Ping`] and [`Message::Close`].
/// * **Reads are cancel-safe**: every byte read and every partial frame or message is kept in
///   the connection, so dropping a `recv()` future (for example in `tokio::select!`) loses
///   nothing; the next `recv()` continues where it stopped.
/// * **Backpressure**: encoded frames wait in a write buffer of at most
///   [`Config::max_write_buffer`] bytes; `send` waits for room, [`try_send`](WebSocket::try_send)
///   hands the message back when there is none. While the buffer is full, receiving pauses
///   too, so a peer that never reads cannot make us queue pongs without bound.
/// * When idle, the connection holds no read or write buffer memory.
/// * [`split`](WebSocket::split) gives a read half and a write half for two tasks, with no
///   lock for the caller to hold.
pub struct WebSocket<S> {
    pub(crate) io: S,
    pub(crate) config: Config,
    /// The protocol: close handshake, automatic answers, keepalive, limits.
    pub(crate) conn: Connection,
    /// Sleeps until the machine's next deadline; made on the first one.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<S> WebSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Wraps a stream on which the opening handshake is already done.
    ///
    /// `leftover` holds bytes read after the handshake (early frames); `extension` is the
    /// negotiated permessage-deflate (or another per-message extension), if any.
    pub fn from_raw(
        io: S,
        role: Role,
        config: Config,
        leftover: BytesMut,
        extension: Option<ExtensionPair>,
    ) -> Self {
        let machine_config = ConnectionConfig {
            limits: config.limits,
            read_chunk: config.read_chunk,
            close_timeout: Some(config.close_timeout),
            keepalive_interval: config.keepalive,
            keepalive_timeout: None,
            vectored_writes: io.is_write_vectored(),
        };
        let mut conn = Connection::new(role, &machine_config);
        if let Some(pair) = extension {
            conn = conn.with_extension(pair.inbound, pair.outbound);
        }
        conn.receive_data(&leftover);
        if config.keepalive.is_some() {
            // The keepalive period starts now.
            conn.next_deadline(Instant::now().into_std());
        }
        WebSocket {
            io,
            config,
            conn,
            timer: None,
        }
    }

    /// Which side of the connection this is.
    pub fn role(&self) -> Role {
        self.conn.role()
    }

    /// Whether permessage-deflate was negotiated.
    pub fn is_compressed(&self) -> bool {
        self.conn.outgoing().is_compressed()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// Bytes currently held in the read and write buffers (their capacities): the
    /// connection's buffer memory, zero when idle.
    pub fn buffered_capacity(&self) -> usize {
        self.conn.buffered_capacity()
    }

    /// Receives the next message; `None` once the connection is closed.
    ///
    /// After an error, keep calling `recv` until it returns `None`: that finishes the close
    /// (the close frame is written and the transport shut down). Cancel-safe (see the type's
    /// documentation).
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Sends a message, waiting while the write buffer is full, and flushes it.
    pub async fn send(&mut self, message: impl Into<Message>) -> Result<(), Error> {
        let message = message.into();
        std::future::poll_fn(|cx| self.poll_ready_to_send(cx)).await?;
        self.queue(message)?;
        self.flush().await
    }

    /// Queues a message, waiting while the write buffer is full, without flushing: messages
    /// fed one after another go out together on the next [`flush`](WebSocket::flush).
    pub async fn feed(&mut self, message: impl Into<Message>) -> Result<(), Error> {
        let message = message.into();
        std::future::poll_fn(|cx| self.poll_ready_to_send(cx)).await?;
        self.queue(message)
    }

    /// Whether [`feed_encoded`](WebSocket::feed_encoded) takes frames on this connection: the
    /// server side without permessage-deflate, whose frames go out unmasked and as they are.
    pub fn accepts_encoded(&self) -> bool {
        self.conn.role() == Role::Server && !self.is_compressed()
    }

    /// Queues data frames encoded beforehand (for example once for every recipient of the
    /// same message), waiting while the write buffer is full, without flushing.
    ///
    /// `frames` must be whole, unmasked, uncompressed data frames (as
    /// [`FrameEncoder`](ws_frame::FrameEncoder) of a server makes them), and the connection
    /// must [accept encoded frames](WebSocket::accepts_encoded); otherwise nothing is queued
    /// and the error is [`std::io::ErrorKind::Unsupported`]. Large frames are written from
    /// `frames` itself (a vectored write), not copied.
    pub async fn feed_encoded(&mut self, frames: Bytes) -> Result<(), Error> {
        if !self.accepts_encoded() {
            return Err(Error::Io(std::io::ErrorKind::Unsupported.into()));
        }
        std::future::poll_fn(|cx| self.poll_ready_to_send(cx)).await?;
        self.conn.outgoing_mut().queue_encoded(frames);
        Ok(())
    }

    /// Queues a message without waiting; hands it back if the write buffer is full or the
    /// connection is closing. Call [`flush`](WebSocket::flush) (or keep receiving) to write it.
    pub fn try_send(&mut self, message: Message) -> Result<(), (Message, Error)> {
        if !self.conn.is_open() {
            return Err((message, Error::Closed));
        }
        if self.is_full() {
            return Err((message, Error::Io(std::io::ErrorKind::WouldBlock.into())));
        }
        self.queue(message.clone()).map_err(|e| (message, e))
    }

    /// Writes out everything queued.
    pub async fn flush(&mut self) -> Result<(), Error> {
        std::future::poll_fn(|cx| outbound::poll_flush(self.conn.outgoing_mut(), &mut self.io, cx))
            .await
    }

    /// Closes the connection: sends a close frame, waits (up to
    /// [`Config::close_timeout`]) for the peer's, then shuts the transport down. Messages that
    /// arrive meanwhile are discarded.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        if self.conn.is_open() {
            self.queue(Message::Close(Some(CloseFrame::new(
                code,
                reason.to_owned(),
            ))))?;
        }
        let drained = async {
            while let Some(item) = self.recv().await {
                item?;
            }
            Ok::<(), Error>(())
        }
        .await;
        if let Err(Error::CloseTimeout) = drained {
            let _ = std::future::poll_fn(|cx| Pin::new(&mut self.io).poll_shutdown(cx)).await;
            self.conn.transport_closed();
        }
        drained
    }

    /// Whether the write buffer has reached its bound.
    fn is_full(&self) -> bool {
        self.conn.outgoing().len() >= self.config.max_write_buffer.max(1)
    }

    /// Encodes a message into the write buffer.
    fn queue(&mut self, message: Message) -> Result<(), Error> {
        if !self.conn.is_open() {
            return Err(Error::Closed);
        }
        self.conn.send(message).map_err(Error::from)
    }

    /// Ready when the write buffer has room for another message.
    fn poll_ready_to_send(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if !self.conn.is_open() {
            return Poll::Ready(Err(Error::Closed));
        }
        let bound = self.config.max_write_buffer.max(1);
        outbound::poll_room(self.conn.outgoing_mut(), bound, &mut self.io, cx)
    }

    /// The receive loop: flush replies, take the machine's events, read more, wait for its
    /// next deadline.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        loop {
            if !self.conn.outgoing().is_empty() {
                match outbound::poll_flush(self.conn.outgoing_mut(), &mut self.io, cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => return self.fail_transport(e),
                    // Keep reading while replies drain, unless the buffer is full.
                    Poll::Pending if self.is_full() => {
                        ready!(self.poll_timer(cx));
                        continue;
                    }
                    Poll::Pending => {}
                }
            }
            if let Some(event) = self.conn.next_event() {
                return self.on_event(cx, event);
            }
            match self.conn.state() {
                State::Closed => return Poll::Ready(None),
                State::Closing => {
                    if !self.conn.outgoing().is_empty() {
                        ready!(self.poll_timer(cx));
                        continue;
                    }
                    let _ = ready!(Pin::new(&mut self.io).poll_shutdown(cx));
                    self.conn.transport_closed();
                    return Poll::Ready(None);
                }
                State::Open | State::CloseSent => {}
            }
            let read =
                tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, self.conn.read_buffer());
            match read {
                Poll::Ready(Ok(0)) => {
                    self.conn.receive_eof();
                    return match self.conn.next_event() {
                        Some(event) => self.on_event(cx, event),
                        None => Poll::Ready(None),
                    };
                }
                Poll::Ready(Ok(_)) => self.conn.note_received(),
                Poll::Ready(Err(e)) => return self.fail_transport(e.into()),
                Poll::Pending => {
                    self.conn.release_idle_read_buffer();
                    ready!(self.poll_timer(cx));
                }
            }
        }
    }

    /// Waits for the machine's next deadline (pending when it has none) and hands the time
    /// to it when it comes.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if !self.conn.has_timers() {
            // No keepalive, no closing handshake under way: no clock to read.
            return Poll::Pending;
        }
        let Some(deadline) = self.conn.next_deadline(Instant::now().into_std()) else {
            return Poll::Pending;
        };
        let deadline = Instant::from_std(deadline);
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        ready!(timer.as_mut().poll(cx));
        self.conn.handle_deadline(Instant::now().into_std());
        Poll::Ready(())
    }

    /// Hands an event of the machine to the caller; replies it queued start going out.
    fn on_event(
        &mut self,
        cx: &mut Context<'_>,
        event: Event,
    ) -> Poll<Option<Result<Message, Error>>> {
        let outcome = match event {
            Event::Message(message) => Ok(message),
            Event::ProtocolError(error) => {
                tracing::debug!(%error, code = error.close_code().0, "protocol error: failing the connection");
                Err(Error::from(error))
            }
            Event::CloseTimeout => Err(Error::CloseTimeout),
            // The end of input without a close frame, or a keepalive that went unanswered.
            _ => Err(Error::ResetWithoutClose),
        };
        self.try_flush(cx);
        Poll::Ready(Some(outcome))
    }

    /// Starts writing queued replies without waiting; a transport error surfaces on the next
    /// poll.
    fn try_flush(&mut self, cx: &mut Context<'_>) {
        if !self.conn.outgoing().is_empty() {
            let _ = outbound::poll_flush(self.conn.outgoing_mut(), &mut self.io, cx);
        }
    }

    fn fail_transport(&mut self, error: Error) -> Poll<Option<Result<Message, Error>>> {
        self.conn.transport_closed();
        Poll::Ready(Some(Err(error)))
    }
}

impl<S> Stream for WebSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<S> Sink<Message> for WebSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().poll_ready_to_send(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.get_mut().queue(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        outbound::poll_flush(this.conn.outgoing_mut(), &mut this.io, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.conn.is_open() {
            this.queue(Message::Close(Some(CloseFrame::new(CloseCode::NORMAL, ""))))?;
        }
        ready!(outbound::poll_flush(
            this.conn.outgoing_mut(),
            &mut this.io,
            cx
        ))?;
        ready!(Pin::new(&mut this.io).poll_shutdown(cx))?;
        Poll::Ready(Ok(()))
    }
}

impl<S> std::fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("role", &self.conn.role())
            .field("state", &self.conn.state())
            .field("compressing", &self.conn.outgoing().is_compressed())
            .finish_non_exhaustive()
    }
}

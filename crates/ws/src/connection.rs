//! [`WebSocket`]: one open connection over any byte stream.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite};
use ws_frame::{CloseCode, CloseFrame, Frame, Message, Role};

use crate::inbound::{Inbound, Received};
use crate::keepalive::{KeepAlive, Tick};
use crate::outbound::Outbound;
use crate::{Config, Error, ExtensionPair};

/// Where the closing handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Messages flow both ways.
    Open,
    /// We sent a close frame and wait for the peer's.
    CloseSent,
    /// Both close frames are out (or the connection failed): flush, shut down, end.
    Closing,
    /// The transport is shut down; nothing more comes.
    Closed,
}

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
    pub(crate) role: Role,
    pub(crate) config: Config,
    pub(crate) inbound: Inbound,
    pub(crate) outbound: Outbound,
    pub(crate) state: State,
    keepalive: Option<KeepAlive>,
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
        let (inbound_ext, outbound_ext) = match extension {
            Some(pair) => (Some(pair.inbound), Some(pair.outbound)),
            None => (None, None),
        };
        WebSocket {
            role,
            inbound: Inbound::new(
                role,
                config.limits,
                config.read_chunk,
                leftover,
                inbound_ext,
            ),
            outbound: Outbound::new(
                role,
                config.max_write_buffer,
                outbound_ext,
                io.is_write_vectored(),
            ),
            io,
            state: State::Open,
            keepalive: config.keepalive.map(KeepAlive::new),
            config,
        }
    }

    /// Which side of the connection this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether permessage-deflate was negotiated.
    pub fn is_compressed(&self) -> bool {
        self.outbound.is_compressed()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// Bytes currently held in the read and write buffers (their capacities): the
    /// connection's buffer memory, zero when idle.
    pub fn buffered_capacity(&self) -> usize {
        self.inbound.buffered_capacity() + self.outbound.buffered_capacity()
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
        self.role == Role::Server && !self.outbound.is_compressed()
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
        self.outbound.queue_encoded(frames);
        Ok(())
    }

    /// Queues a message without waiting; hands it back if the write buffer is full or the
    /// connection is closing. Call [`flush`](WebSocket::flush) (or keep receiving) to write it.
    pub fn try_send(&mut self, message: Message) -> Result<(), (Message, Error)> {
        if self.state != State::Open {
            return Err((message, Error::Closed));
        }
        if self.outbound.is_full() {
            return Err((message, Error::Io(std::io::ErrorKind::WouldBlock.into())));
        }
        self.queue(message.clone()).map_err(|e| (message, e))
    }

    /// Writes out everything queued.
    pub async fn flush(&mut self) -> Result<(), Error> {
        std::future::poll_fn(|cx| self.outbound.poll_flush(&mut self.io, cx)).await
    }

    /// Closes the connection: sends a close frame, waits (up to
    /// [`Config::close_timeout`]) for the peer's, then shuts the transport down. Messages that
    /// arrive meanwhile are discarded.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        if self.state == State::Open {
            self.queue(Message::Close(Some(CloseFrame::new(
                code,
                reason.to_owned(),
            ))))?;
        }
        let timeout = self.config.close_timeout;
        let drain = async {
            while let Some(item) = self.recv().await {
                item?;
            }
            Ok::<(), Error>(())
        };
        match tokio::time::timeout(timeout, drain).await {
            Ok(result) => result,
            Err(_) => {
                self.state = State::Closed;
                let _ = std::future::poll_fn(|cx| Pin::new(&mut self.io).poll_shutdown(cx)).await;
                Err(Error::CloseTimeout)
            }
        }
    }

    /// Encodes a message into the write buffer.
    fn queue(&mut self, message: Message) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(Error::Closed);
        }
        let is_close = matches!(message, Message::Close(_));
        self.outbound.queue(message)?;
        if is_close {
            self.state = State::CloseSent;
        }
        Ok(())
    }

    /// Ready when the write buffer has room for another message.
    fn poll_ready_to_send(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.state != State::Open {
            return Poll::Ready(Err(Error::Closed));
        }
        self.outbound.poll_room(&mut self.io, cx)
    }

    /// The receive loop: flush replies, decode, read more.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        loop {
            if !self.outbound.is_empty() {
                match self.outbound.poll_flush(&mut self.io, cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => return self.fail_transport(e),
                    // Keep reading while replies drain, unless the buffer is full.
                    Poll::Pending if self.outbound.is_full() => return Poll::Pending,
                    Poll::Pending => {}
                }
            }
            match self.state {
                State::Closed => return Poll::Ready(None),
                State::Closing => {
                    if !self.outbound.is_empty() {
                        return Poll::Pending;
                    }
                    let _ = ready!(Pin::new(&mut self.io).poll_shutdown(cx));
                    self.state = State::Closed;
                    self.inbound.release();
                    return Poll::Ready(None);
                }
                State::Open | State::CloseSent => {}
            }
            let received = self.inbound.poll_message(&mut self.io, cx);
            if self.inbound.take_heard()
                && let Some(keepalive) = self.keepalive.as_mut()
            {
                keepalive.heard_from_peer();
            }
            match received {
                Poll::Ready(Received::Message(message)) => {
                    let message = self.on_message(message);
                    self.try_flush(cx);
                    return Poll::Ready(Some(Ok(message)));
                }
                Poll::Ready(Received::Protocol(e)) => return self.fail_protocol(cx, e),
                Poll::Ready(Received::Transport(e)) => return self.fail_transport(e),
                Poll::Ready(Received::Eof) => return self.on_eof(),
                Poll::Pending => {}
            }
            match self.keepalive.as_mut().map(|k| k.poll_tick(cx)) {
                Some(Tick::Ping) => {
                    if self.state == State::Open {
                        self.outbound.queue_frame(&Frame::ping(Bytes::new()));
                    }
                    continue;
                }
                Some(Tick::Dead) => {
                    self.state = State::Closed;
                    self.outbound.discard();
                    return Poll::Ready(Some(Err(Error::ResetWithoutClose)));
                }
                Some(Tick::Wait) | None => return Poll::Pending,
            }
        }
    }

    /// Automatic answers to control messages, then hands the message to the caller.
    fn on_message(&mut self, message: Message) -> Message {
        match &message {
            Message::Ping(payload) if self.state == State::Open => {
                self.outbound.queue_frame(&Frame::pong(payload.clone()));
            }
            Message::Close(close) => {
                if self.state == State::Open {
                    self.outbound.queue_frame(&close_echo(close.as_ref()));
                }
                self.state = State::Closing;
            }
            _ => {}
        }
        message
    }

    /// Fails the connection for a protocol error: close frame with the error's code, then
    /// shutdown.
    fn fail_protocol(
        &mut self,
        cx: &mut Context<'_>,
        error: ws_frame::Error,
    ) -> Poll<Option<Result<Message, Error>>> {
        tracing::debug!(%error, code = error.close_code().0, "protocol error: failing the connection");
        if self.state == State::Open {
            self.outbound.queue_frame(&failure_close(&error));
        }
        self.state = State::Closing;
        self.try_flush(cx);
        Poll::Ready(Some(Err(Error::from(error))))
    }

    /// Starts writing queued replies without waiting; a transport error surfaces on the next
    /// poll.
    fn try_flush(&mut self, cx: &mut Context<'_>) {
        if !self.outbound.is_empty() {
            let _ = self.outbound.poll_flush(&mut self.io, cx);
        }
    }

    fn fail_transport(&mut self, error: Error) -> Poll<Option<Result<Message, Error>>> {
        self.state = State::Closed;
        self.outbound.discard();
        Poll::Ready(Some(Err(error)))
    }

    fn on_eof(&mut self) -> Poll<Option<Result<Message, Error>>> {
        let clean = self.state == State::CloseSent;
        self.state = State::Closed;
        if clean {
            Poll::Ready(None)
        } else {
            Poll::Ready(Some(Err(Error::ResetWithoutClose)))
        }
    }
}

/// The close frame that answers a peer's close: its status code echoed, or none.
pub(crate) fn close_echo(close: Option<&CloseFrame>) -> Frame {
    let echo = close.map(|c| CloseFrame::new(c.code, ""));
    Frame::close(echo.as_ref())
}

/// The close frame that answers a protocol error.
pub(crate) fn failure_close(error: &ws_frame::Error) -> Frame {
    Frame::close(Some(&CloseFrame::new(error.close_code(), "")))
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
        this.outbound.poll_flush(&mut this.io, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.state == State::Open {
            this.queue(Message::Close(Some(CloseFrame::new(CloseCode::NORMAL, ""))))?;
        }
        ready!(this.outbound.poll_flush(&mut this.io, cx))?;
        ready!(Pin::new(&mut this.io).poll_shutdown(cx))?;
        Poll::Ready(Ok(()))
    }
}

impl<S> std::fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("compressing", &self.outbound.is_compressed())
            .finish_non_exhaustive()
    }
}

//! [`WebSocket`]: one open connection over any byte stream.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::BytesMut;
use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use ws_frame::{
    CloseCode, CloseFrame, Extension, Frame, FrameDecoder, FrameEncoder, Message, MessageAssembler,
    OpCode, Role,
};

use crate::{Config, Error, ExtensionPair};

/// Where the closing handshake stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
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
pub struct WebSocket<S> {
    io: S,
    role: Role,
    config: Config,
    read_buf: BytesMut,
    write_buf: BytesMut,
    decoder: FrameDecoder,
    encoder: FrameEncoder,
    assembler: MessageAssembler,
    /// The extension that encodes what we send.
    outbound: Option<Box<dyn Extension>>,
    state: State,
    /// Fires when the peer has been silent for a keepalive period.
    keepalive: Option<Pin<Box<Sleep>>>,
    /// Whether a keepalive ping is out and unanswered.
    ping_outstanding: bool,
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
        let mut decoder = FrameDecoder::with_limits(role, &config.limits);
        let (assembler, outbound) = match extension {
            Some(pair) => {
                decoder.set_allowed_rsv(pair.inbound.rsv_bits());
                let assembler = MessageAssembler::with_extension(config.limits, pair.inbound);
                (assembler, Some(pair.outbound))
            }
            None => (MessageAssembler::new(config.limits), None),
        };
        let keepalive = config
            .keepalive
            .map(|period| Box::pin(tokio::time::sleep(period)));
        WebSocket {
            io,
            role,
            config,
            read_buf: leftover,
            write_buf: BytesMut::new(),
            decoder,
            encoder: FrameEncoder::new(role),
            assembler,
            outbound,
            state: State::Open,
            keepalive,
            ping_outstanding: false,
        }
    }

    /// Which side of the connection this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether permessage-deflate was negotiated.
    pub fn is_compressed(&self) -> bool {
        self.outbound.is_some()
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// Bytes currently held in the read and write buffers (their capacities): the
    /// connection's buffer memory, zero when idle.
    pub fn buffered_capacity(&self) -> usize {
        self.read_buf.capacity() + self.write_buf.capacity() + self.assembler.buffered_capacity()
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
        std::future::poll_fn(|cx| self.poll_flush_all(cx)).await
    }

    /// Queues a message without waiting; hands it back if the write buffer is full or the
    /// connection is closing. Call [`flush`](WebSocket::flush) (or keep receiving) to write it.
    pub fn try_send(&mut self, message: Message) -> Result<(), (Message, Error)> {
        if self.state != State::Open {
            return Err((message, Error::Closed));
        }
        if self.write_buf.len() >= self.config.max_write_buffer {
            return Err((message, Error::Io(std::io::ErrorKind::WouldBlock.into())));
        }
        self.queue(message.clone()).map_err(|e| (message, e))
    }

    /// Writes out everything queued.
    pub async fn flush(&mut self) -> Result<(), Error> {
        std::future::poll_fn(|cx| self.poll_flush_all(cx)).await
    }

    /// Closes the connection: sends a close frame, waits (up to
    /// [`Config::close_timeout`]) for the peer's, then shuts the transport down. Messages that
    /// arrive meanwhile are discarded.
    pub async fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), Error> {
        if self.state == State::Open {
            let close = CloseFrame::new(code, reason.to_owned());
            self.queue(Message::Close(Some(close)))?;
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

    /// Encodes a message into the write buffer (compressing data messages if negotiated).
    fn queue(&mut self, message: Message) -> Result<(), Error> {
        if self.state != State::Open {
            return Err(Error::Closed);
        }
        let is_close = matches!(message, Message::Close(_));
        let mut frame = Frame::from(message);
        if let Some(ext) = self.outbound.as_mut() {
            if matches!(frame.opcode, OpCode::Text | OpCode::Binary) {
                let mut compressed = BytesMut::new();
                if ext.encode_message(&frame.payload, &mut compressed)? {
                    frame.payload = compressed.freeze();
                    frame.rsv = ext.rsv_bits();
                }
            }
        }
        self.encoder.encode(&frame, &mut self.write_buf);
        if is_close {
            self.state = State::CloseSent;
        }
        Ok(())
    }

    /// Queues a control frame the protocol answers with on its own.
    fn queue_reply(&mut self, frame: &Frame) {
        self.encoder.encode(frame, &mut self.write_buf);
    }

    /// Ready when the write buffer has room for another message.
    fn poll_ready_to_send(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.state != State::Open {
            return Poll::Ready(Err(Error::Closed));
        }
        while self.write_buf.len() >= self.config.max_write_buffer {
            ready!(self.poll_write_some(cx))?;
        }
        Poll::Ready(Ok(()))
    }

    /// Writes some of the write buffer.
    fn poll_write_some(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let written = ready!(Pin::new(&mut self.io).poll_write(cx, &self.write_buf))?;
        if written == 0 {
            return Poll::Ready(Err(Error::Io(std::io::ErrorKind::WriteZero.into())));
        }
        let _ = self.write_buf.split_to(written);
        if self.write_buf.is_empty() {
            // Release the allocation: an idle connection keeps no write buffer.
            self.write_buf = BytesMut::new();
        }
        Poll::Ready(Ok(()))
    }

    /// Writes the whole write buffer and flushes the transport.
    fn poll_flush_all(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        while !self.write_buf.is_empty() {
            ready!(self.poll_write_some(cx))?;
        }
        ready!(Pin::new(&mut self.io).poll_flush(cx))?;
        Poll::Ready(Ok(()))
    }

    /// The receive loop: flush replies, decode, read more.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        loop {
            if !self.write_buf.is_empty() {
                match self.poll_flush_all(cx) {
                    Poll::Ready(Ok(())) => {}
                    Poll::Ready(Err(e)) => return self.fail_transport(e),
                    // Keep reading while replies drain, unless the buffer is full.
                    Poll::Pending if self.write_buf.len() >= self.config.max_write_buffer => {
                        return Poll::Pending;
                    }
                    Poll::Pending => {}
                }
            }
            match self.state {
                State::Closed => return Poll::Ready(None),
                State::Closing => {
                    if !self.write_buf.is_empty() {
                        return Poll::Pending;
                    }
                    let _ = ready!(Pin::new(&mut self.io).poll_shutdown(cx));
                    self.state = State::Closed;
                    self.read_buf = BytesMut::new();
                    return Poll::Ready(None);
                }
                State::Open | State::CloseSent => {}
            }
            match self.decoder.decode(&mut self.read_buf) {
                Ok(Some(frame)) => match self.assembler.push(frame) {
                    Ok(Some(message)) => {
                        let message = self.on_message(message);
                        self.try_flush(cx);
                        return Poll::Ready(Some(Ok(message)));
                    }
                    Ok(None) => continue,
                    Err(e) => return self.fail_protocol(cx, e),
                },
                Ok(None) => {}
                Err(e) => return self.fail_protocol(cx, e),
            }
            match self.poll_read_more(cx) {
                Poll::Ready(Ok(true)) => continue,
                Poll::Ready(Ok(false)) => return self.on_eof(),
                Poll::Ready(Err(e)) => return self.fail_transport(e),
                Poll::Pending => {
                    if let Some(outcome) = self.poll_keepalive(cx) {
                        return outcome;
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// Reads once into the read buffer; `Ok(false)` at end of stream.
    fn poll_read_more(&mut self, cx: &mut Context<'_>) -> Poll<Result<bool, Error>> {
        if self.read_buf.capacity() - self.read_buf.len() < self.config.read_chunk / 2 {
            self.read_buf.reserve(self.config.read_chunk);
        }
        match tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, &mut self.read_buf) {
            Poll::Ready(Ok(filled)) => {
                if filled > 0 {
                    self.heard_from_peer();
                }
                Poll::Ready(Ok(filled > 0))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e.into())),
            Poll::Pending => {
                if self.read_buf.is_empty() && !self.decoder.is_mid_frame() {
                    // Idle: hold no read buffer while waiting.
                    self.read_buf = BytesMut::new();
                }
                Poll::Pending
            }
        }
    }

    /// Restarts the keepalive period after any bytes from the peer.
    fn heard_from_peer(&mut self) {
        if let (Some(timer), Some(period)) = (self.keepalive.as_mut(), self.config.keepalive) {
            timer.as_mut().reset(Instant::now() + period);
            self.ping_outstanding = false;
        }
    }

    /// On a silent period: first a ping, then, if still silent, failure.
    fn poll_keepalive(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Option<Poll<Option<Result<Message, Error>>>> {
        let period: Duration = self.config.keepalive?;
        let timer = self.keepalive.as_mut()?;
        if timer.as_mut().poll(cx).is_pending() {
            return None;
        }
        if self.ping_outstanding {
            self.state = State::Closed;
            return Some(Poll::Ready(Some(Err(Error::ResetWithoutClose))));
        }
        self.ping_outstanding = true;
        timer.as_mut().reset(Instant::now() + period);
        if self.state == State::Open {
            self.queue_reply(&Frame::ping(bytes::Bytes::new()));
        }
        cx.waker().wake_by_ref();
        Some(Poll::Pending)
    }

    /// Automatic answers to control messages, then hands the message to the caller.
    fn on_message(&mut self, message: Message) -> Message {
        match &message {
            Message::Ping(payload) if self.state == State::Open => {
                self.queue_reply(&Frame::pong(payload.clone()));
            }
            Message::Close(close) => {
                if self.state == State::Open {
                    // Echo the status code (RFC 6455 §5.5.1), or close without one.
                    let echo = close.as_ref().map(|c| CloseFrame::new(c.code, ""));
                    self.queue_reply(&Frame::close(echo.as_ref()));
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
        if self.state == State::Open {
            let close = CloseFrame::new(error.close_code(), "");
            self.queue_reply(&Frame::close(Some(&close)));
        }
        self.state = State::Closing;
        self.try_flush(cx);
        Poll::Ready(Some(Err(Error::from(error))))
    }

    /// Starts writing queued replies without waiting; a transport error surfaces on the next
    /// poll.
    fn try_flush(&mut self, cx: &mut Context<'_>) {
        if !self.write_buf.is_empty() {
            let _ = self.poll_flush_all(cx);
        }
    }

    fn fail_transport(&mut self, error: Error) -> Poll<Option<Result<Message, Error>>> {
        self.state = State::Closed;
        self.write_buf = BytesMut::new();
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
        self.get_mut().poll_flush_all(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if this.state == State::Open {
            this.queue(Message::Close(Some(CloseFrame::new(CloseCode::NORMAL, ""))))?;
        }
        ready!(this.poll_flush_all(cx))?;
        ready!(Pin::new(&mut this.io).poll_shutdown(cx))?;
        Poll::Ready(Ok(()))
    }
}

impl<S> std::fmt::Debug for WebSocket<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocket")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("compressing", &self.outbound.is_some())
            .finish_non_exhaustive()
    }
}

//! Read and write halves that callers use without a lock of their own: the write half is a task
//! that owns the transport's writing side, fed through bounded channels by [`WsWriter`] and by
//! the read half's automatic replies (pong, close echo). The transport itself is divided with
//! `tokio::io::split`, which serializes each read and write call on a small internal lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use std::pin::Pin;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::mpsc;
use tokio_util::sync::PollSender;
use ws_frame::{Connection, Event, Message, Outgoing, State};

use crate::outbound;
use crate::{Error, WebSocket};

/// Automatic replies that may wait for the writer at once. Pongs beyond this wait, which
/// pauses reading: a peer flooding pings is throttled, not buffered.
const REPLY_QUEUE: usize = 16;

impl<S> WebSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    /// Splits the connection into a read half and a write half that can be used from
    /// different tasks without a lock of yours (`tokio::io::split` divides the transport,
    /// taking its own short lock per I/O call). A task spawned on the current tokio runtime owns the
    /// writing side; the read half keeps answering pings and close frames through it.
    ///
    /// Messages wait in a queue of `max(1, max_write_buffer / 1024)` entries; `send` on the
    /// write half waits when it is full, `try_send` hands the message back.
    ///
    /// Call it from within a tokio runtime.
    pub fn split(self) -> (WsReader<S>, WsWriter) {
        let WebSocket {
            io,
            config,
            mut conn,
            ..
        } = self;
        let (read, write) = tokio::io::split(io);
        let (message_tx, message_rx) = mpsc::channel((config.max_write_buffer / 1024).max(1));
        let (reply_tx, reply_rx) = mpsc::channel(REPLY_QUEUE);
        let state = conn.state();
        let close_sent = Arc::new(AtomicBool::new(state != State::Open));
        let task = WriterTask {
            io: write,
            outgoing: conn.take_outgoing(),
            max_write_buffer: config.max_write_buffer.max(1),
            messages: message_rx,
            replies: reply_rx,
            close_sent: close_sent.clone(),
        };
        tokio::spawn(task.run());
        let reader = WsReader {
            io: read,
            conn,
            replies: PollSender::new(reply_tx),
            pending_reply: None,
            close_sent: close_sent.clone(),
            done: matches!(state, State::Closing | State::Closed),
        };
        let writer = WsWriter {
            messages: message_tx,
            close_sent,
        };
        (reader, writer)
    }
}

/// An automatic answer of the read half's protocol machine (pong, close echo, failure close),
/// encoded, for the writer task.
struct Reply {
    frames: Bytes,
    /// Whether it ends with our close frame.
    closes: bool,
}

/// The receiving half of a split connection. Cancel-safe like [`WebSocket::recv`].
///
/// It runs the connection's protocol machine; the machine's answers go to the write half.
pub struct WsReader<S> {
    io: ReadHalf<S>,
    conn: Connection,
    replies: PollSender<Reply>,
    pending_reply: Option<Reply>,
    close_sent: Arc<AtomicBool>,
    done: bool,
}

impl<S> WsReader<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Receives the next message; `None` once the connection is closed.
    pub async fn recv(&mut self) -> Option<Result<Message, Error>> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next message.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        if self.poll_send_reply(cx).is_pending() {
            return Poll::Pending;
        }
        if self.done {
            self.replies.close();
            self.conn.transport_closed();
            return Poll::Ready(None);
        }
        if self.conn.is_open() && self.close_sent.load(Ordering::Acquire) {
            self.conn.note_close_sent();
        }
        let was_open = self.conn.is_open();
        let event = loop {
            if let Some(event) = self.conn.next_event() {
                break event;
            }
            let read =
                tokio_util::io::poll_read_buf(Pin::new(&mut self.io), cx, self.conn.read_buffer());
            match read {
                Poll::Ready(Ok(0)) => {
                    self.conn.receive_eof();
                    match self.conn.next_event() {
                        Some(event) => break event,
                        // The end after our close frame: done, cleanly.
                        None => {
                            self.done = true;
                            return self.poll_recv(cx);
                        }
                    }
                }
                Poll::Ready(Ok(_)) => self.conn.note_received(),
                Poll::Ready(Err(e)) => {
                    self.done = true;
                    return Poll::Ready(Some(Err(e.into())));
                }
                Poll::Pending => {
                    self.conn.release_idle_read_buffer();
                    return Poll::Pending;
                }
            }
        };
        let outcome = match event {
            Event::Message(message) => Ok(message),
            Event::ProtocolError(e) => Err(Error::from(e)),
            // The end of input without a close frame (the read half runs no timers).
            _ => Err(Error::ResetWithoutClose),
        };
        if !self.conn.wants_input() {
            self.done = true;
        }
        if !self.conn.outgoing().is_empty() {
            self.pending_reply = Some(Reply {
                closes: was_open && !self.conn.is_open(),
                frames: self.conn.data_to_send(),
            });
        }
        // Hand the reply over now if there is room; otherwise the next poll does.
        let _ = self.poll_send_reply(cx);
        Poll::Ready(Some(outcome))
    }

    /// Passes a pending automatic reply to the writer task.
    fn poll_send_reply(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(reply) = self.pending_reply.take() else {
            return Poll::Ready(());
        };
        match self.replies.poll_reserve(cx) {
            Poll::Ready(Ok(())) => {
                let _ = self.replies.send_item(reply);
                Poll::Ready(())
            }
            // The writer is gone: nobody can answer any more.
            Poll::Ready(Err(_)) => Poll::Ready(()),
            Poll::Pending => {
                self.pending_reply = Some(reply);
                Poll::Pending
            }
        }
    }
}

impl<S> std::fmt::Debug for WsReader<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsReader")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The sending half of a split connection; clone it to send from several tasks.
#[derive(Debug, Clone)]
pub struct WsWriter {
    messages: mpsc::Sender<Message>,
    close_sent: Arc<AtomicBool>,
}

impl WsWriter {
    /// Queues a message for the writer task, waiting while the queue is full.
    pub async fn send(&self, message: impl Into<Message>) -> Result<(), Error> {
        if self.close_sent.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        self.messages
            .send(message.into())
            .await
            .map_err(|_| Error::Closed)
    }

    /// Queues a message without waiting; hands it back when the queue is full or the
    /// connection is closed.
    pub fn try_send(&self, message: Message) -> Result<(), (Message, Error)> {
        if self.close_sent.load(Ordering::Acquire) {
            return Err((message, Error::Closed));
        }
        self.messages.try_send(message).map_err(|e| match e {
            mpsc::error::TrySendError::Full(m) => {
                (m, Error::Io(std::io::ErrorKind::WouldBlock.into()))
            }
            mpsc::error::TrySendError::Closed(m) => (m, Error::Closed),
        })
    }

    /// Starts the closing handshake; keep reading the read half until it returns `None`.
    pub async fn close(&self, code: ws_frame::CloseCode, reason: &str) -> Result<(), Error> {
        let close = ws_frame::CloseFrame::new(code, reason.to_owned());
        self.send(Message::Close(Some(close))).await
    }
}

/// Owns the transport's writing side.
struct WriterTask<S> {
    io: WriteHalf<S>,
    /// The connection's outgoing queue, with its outbound extension.
    outgoing: Outgoing,
    max_write_buffer: usize,
    messages: mpsc::Receiver<Message>,
    replies: mpsc::Receiver<Reply>,
    close_sent: Arc<AtomicBool>,
}

impl<S> WriterTask<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    async fn run(mut self) {
        let mut messages_open = true;
        let mut replies_open = true;
        while messages_open || replies_open {
            let closed = self.close_sent.load(Ordering::Acquire);
            tokio::select! {
                biased;
                reply = self.replies.recv(), if replies_open => match reply {
                    Some(reply) => self.reply(reply),
                    None => replies_open = false,
                },
                message = self.messages.recv(), if messages_open && !closed => match message {
                    Some(message) => self.message(message),
                    None => messages_open = false,
                },
                else => break,
            }
            while let Ok(reply) = self.replies.try_recv() {
                self.reply(reply);
            }
            while !self.close_sent.load(Ordering::Acquire)
                && self.outgoing.len() < self.max_write_buffer
            {
                match self.messages.try_recv() {
                    Ok(message) => self.message(message),
                    Err(_) => break,
                }
            }
            let flushed = std::future::poll_fn(|cx| {
                outbound::poll_flush(&mut self.outgoing, &mut self.io, cx)
            })
            .await;
            if flushed.is_err() || (self.close_sent.load(Ordering::Acquire) && !replies_open) {
                break;
            }
        }
        let _ = self.io.shutdown().await;
    }

    /// An automatic reply from the read half.
    fn reply(&mut self, reply: Reply) {
        if self.close_sent.load(Ordering::Acquire) {
            return;
        }
        if reply.closes {
            self.close_sent.store(true, Ordering::Release);
        }
        self.outgoing.queue_encoded(reply.frames);
    }

    /// A message from the write half.
    fn message(&mut self, message: Message) {
        if matches!(message, Message::Close(_)) {
            self.close_sent.store(true, Ordering::Release);
        }
        // Encoding only fails inside a compression extension; drop the message then.
        let _ = self.outgoing.queue_message(message);
    }
}

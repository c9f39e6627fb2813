//! The receiving half of a connection's state: read buffer, frame decoder, message assembler.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::AsyncRead;
use ws_frame::{Extension, FrameDecoder, Limits, Message, MessageAssembler, Role};

use crate::Error;

/// The largest read the buffer grows to while a big frame streams in.
const MAX_READ_CHUNK: usize = 64 * 1024;

/// Room made beyond what the next read is expected to bring.
const HEADROOM: usize = 256;

/// What one poll of [`Inbound::poll_message`] found.
pub(crate) enum Received {
    /// A whole message or control frame.
    Message(Message),
    /// The peer broke the protocol; answer with the error's close code.
    Protocol(ws_frame::Error),
    /// The transport failed.
    Transport(Error),
    /// The peer closed the transport.
    Eof,
}

/// Everything needed to turn bytes from the transport into messages. All partial state lives
/// here, so abandoning a poll loses nothing.
pub(crate) struct Inbound {
    read_buf: BytesMut,
    decoder: FrameDecoder,
    assembler: MessageAssembler,
    read_chunk: usize,
    /// The size of the last frame received: the room the next read makes when no frame is
    /// under way (at least `read_chunk`, at most [`MAX_READ_CHUNK`]), so that a peer sending
    /// frames of one size has each read in one system call, with no copy of a partial frame
    /// into a larger buffer.
    last_frame: usize,
    /// Set when bytes arrived since the last [`Inbound::take_heard`].
    heard: bool,
}

impl Inbound {
    pub(crate) fn new(
        role: Role,
        limits: Limits,
        read_chunk: usize,
        leftover: BytesMut,
        extension: Option<Box<dyn Extension>>,
    ) -> Self {
        let mut decoder = FrameDecoder::with_limits(role, &limits);
        let assembler = match extension {
            Some(ext) => {
                decoder.set_allowed_rsv(ext.rsv_bits());
                MessageAssembler::with_extension(limits, ext)
            }
            None => MessageAssembler::new(limits),
        };
        Inbound {
            read_buf: leftover,
            decoder,
            assembler,
            read_chunk: read_chunk.max(64),
            last_frame: 0,
            heard: false,
        }
    }

    /// Decodes what is buffered; reads from `io` only when nothing decodes.
    pub(crate) fn poll_message<R>(&mut self, io: &mut R, cx: &mut Context<'_>) -> Poll<Received>
    where
        R: AsyncRead + Unpin,
    {
        loop {
            let buffered = self.read_buf.len();
            match self.decoder.decode(&mut self.read_buf) {
                Ok(Some(frame)) => {
                    self.last_frame = buffered - self.read_buf.len();
                    match self.assembler.push(frame) {
                        Ok(Some(message)) => return Poll::Ready(Received::Message(message)),
                        Ok(None) => continue,
                        Err(e) => return Poll::Ready(Received::Protocol(e)),
                    }
                }
                Ok(None) => {}
                Err(e) => return Poll::Ready(Received::Protocol(e)),
            }
            self.make_room();
            match tokio_util::io::poll_read_buf(Pin::new(&mut *io), cx, &mut self.read_buf) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Received::Eof),
                Poll::Ready(Ok(_)) => self.heard = true,
                Poll::Ready(Err(e)) => return Poll::Ready(Received::Transport(e.into())),
                Poll::Pending => {
                    if self.read_buf.is_empty() && !self.decoder.is_mid_frame() {
                        // Idle: hold no read buffer while waiting.
                        self.read_buf = BytesMut::new();
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// Makes room for the next read: the rest of the frame under way, or the size of the last
    /// frame, within `read_chunk..=MAX_READ_CHUNK`. A frame's declared length is only trusted
    /// up to [`MAX_READ_CHUNK`]; larger frames are read in steps of that size as they arrive.
    fn make_room(&mut self) {
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
            // A little more than wanted: a read that does not fill its buffer tells tokio the
            // socket is drained, which spares the next poll a read that would find nothing.
            self.read_buf.reserve(want + HEADROOM);
        }
    }

    /// Whether bytes arrived since the last call.
    pub(crate) fn take_heard(&mut self) -> bool {
        std::mem::take(&mut self.heard)
    }

    /// Releases the read buffer (the connection is done reading).
    pub(crate) fn release(&mut self) {
        self.read_buf = BytesMut::new();
    }

    /// Bytes held by the read buffer and a message in progress.
    pub(crate) fn buffered_capacity(&self) -> usize {
        self.read_buf.capacity() + self.assembler.buffered_capacity()
    }
}

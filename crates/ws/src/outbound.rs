//! The sending half of a connection's state: encoder, outbound extension, write queue.
//!
//! Small frames are copied into one buffer, so that many of them leave in one system call.
//! A large payload is not copied: its header and the payload itself wait as separate chunks
//! and go out with one vectored write (`writev`), when the transport supports it.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWrite;
use ws_frame::{Extension, Frame, FrameEncoder, MAX_HEADER_LEN, Message, OpCode, Role};

use crate::Error;

/// Payloads (and frames encoded beforehand) of at least this many bytes are written from
/// their own buffers rather than copied into the write buffer. Below it, a copy is cheaper
/// than one more slice of a vectored write.
const ZERO_COPY_MIN: usize = 2048;

/// The most slices one vectored write takes (Linux allows 1,024; a few dozen fill any
/// socket buffer).
const MAX_SLICES: usize = 64;

/// Bytes waiting to be written before the write buffer: a frame header or a payload.
enum Chunk {
    /// A frame header, kept inline (no allocation per frame).
    Header {
        bytes: [u8; MAX_HEADER_LEN],
        start: u8,
        end: u8,
    },
    /// Bytes written as they are: a payload, encoded frames, or earlier buffered frames.
    Data(Bytes),
}

impl Chunk {
    fn as_slice(&self) -> &[u8] {
        match self {
            Chunk::Header { bytes, start, end } => &bytes[usize::from(*start)..usize::from(*end)],
            Chunk::Data(data) => data,
        }
    }

    /// Drops the first `n` bytes (fewer than the chunk holds).
    fn advance(&mut self, n: usize) {
        match self {
            // A header is at most 14 bytes, so `n` fits.
            Chunk::Header { start, .. } => *start += n as u8,
            Chunk::Data(data) => data.advance(n),
        }
    }
}

/// Encodes frames into a write queue and writes it out.
pub(crate) struct Outbound {
    /// What goes out first, in order; `write_buf` follows it.
    chunks: VecDeque<Chunk>,
    /// Small frames, copied one after another.
    write_buf: BytesMut,
    /// Bytes in `chunks` and `write_buf` together.
    queued: usize,
    encoder: FrameEncoder,
    extension: Option<Box<dyn Extension>>,
    max_write_buffer: usize,
    /// Whether the transport writes several slices at once; if not, everything is copied
    /// into `write_buf`.
    vectored: bool,
}

impl Outbound {
    pub(crate) fn new(
        role: Role,
        max_write_buffer: usize,
        extension: Option<Box<dyn Extension>>,
        vectored: bool,
    ) -> Self {
        Outbound {
            chunks: VecDeque::new(),
            write_buf: BytesMut::new(),
            queued: 0,
            encoder: FrameEncoder::new(role),
            extension,
            max_write_buffer: max_write_buffer.max(1),
            vectored,
        }
    }

    /// Whether an extension (permessage-deflate) encodes data messages.
    pub(crate) fn is_compressed(&self) -> bool {
        self.extension.is_some()
    }

    /// Whether the queue has reached its bound.
    pub(crate) fn is_full(&self) -> bool {
        self.queued >= self.max_write_buffer
    }

    /// Whether nothing waits to be written.
    pub(crate) fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Bytes held by the write buffer (payloads queued without a copy are not counted: they
    /// belong to their senders).
    pub(crate) fn buffered_capacity(&self) -> usize {
        self.write_buf.capacity()
    }

    /// Encodes a message, compressing data messages when an extension is negotiated.
    pub(crate) fn queue(&mut self, message: Message) -> Result<(), Error> {
        let mut frame = Frame::from(message);
        if let Some(ext) = self.extension.as_mut()
            && matches!(frame.opcode, OpCode::Text | OpCode::Binary)
        {
            let mut compressed = BytesMut::new();
            if ext.encode_message(&frame.payload, &mut compressed)? {
                frame.payload = compressed.freeze();
                frame.rsv = ext.rsv_bits();
            }
        }
        self.queue_frame_owned(frame);
        Ok(())
    }

    /// Appends frames encoded beforehand, as they are.
    pub(crate) fn queue_encoded(&mut self, frames: Bytes) {
        if self.vectored && frames.len() >= ZERO_COPY_MIN {
            self.push_chunk(Chunk::Data(frames));
        } else {
            self.queued += frames.len();
            self.write_buf.extend_from_slice(&frames);
        }
    }

    /// Encodes a control frame as is.
    pub(crate) fn queue_frame(&mut self, frame: &Frame) {
        let before = self.write_buf.len();
        self.encoder.encode(frame, &mut self.write_buf);
        self.queued += self.write_buf.len() - before;
    }

    /// Encodes a frame; a large unmasked payload is queued without a copy.
    fn queue_frame_owned(&mut self, frame: Frame) {
        let mask = self.encoder.next_mask();
        if mask.is_some() || !self.vectored || frame.payload.len() < ZERO_COPY_MIN {
            let before = self.write_buf.len();
            ws_frame::encode_with_mask(&frame, mask, &mut self.write_buf);
            self.queued += self.write_buf.len() - before;
            return;
        }
        let mut bytes = [0u8; MAX_HEADER_LEN];
        let end = frame.header(None).write(&mut bytes);
        // `end` is at most MAX_HEADER_LEN (14).
        self.push_chunk(Chunk::Header {
            bytes,
            start: 0,
            end: end as u8,
        });
        self.push_chunk(Chunk::Data(frame.payload));
    }

    /// Appends a chunk after everything queued so far.
    fn push_chunk(&mut self, chunk: Chunk) {
        if !self.write_buf.is_empty() {
            let buffered = self.write_buf.split().freeze();
            self.chunks.push_back(Chunk::Data(buffered));
        }
        self.queued += chunk.as_slice().len();
        self.chunks.push_back(chunk);
    }

    /// Writes some of the queue.
    pub(crate) fn poll_write_some<W>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>>
    where
        W: AsyncWrite + Unpin,
    {
        let written = if self.chunks.is_empty() {
            ready!(Pin::new(&mut *io).poll_write(cx, &self.write_buf))?
        } else {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let mut count = 0;
            for chunk in self.chunks.iter().take(MAX_SLICES) {
                slices[count] = IoSlice::new(chunk.as_slice());
                count += 1;
            }
            if count < MAX_SLICES && !self.write_buf.is_empty() {
                slices[count] = IoSlice::new(&self.write_buf);
                count += 1;
            }
            ready!(Pin::new(&mut *io).poll_write_vectored(cx, &slices[..count]))?
        };
        if written == 0 {
            return Poll::Ready(Err(Error::Io(std::io::ErrorKind::WriteZero.into())));
        }
        self.consume(written);
        Poll::Ready(Ok(()))
    }

    /// Drops `n` written bytes from the front of the queue.
    fn consume(&mut self, mut n: usize) {
        self.queued -= n;
        while n > 0 {
            let Some(front) = self.chunks.front_mut() else {
                self.write_buf.advance(n);
                break;
            };
            let len = front.as_slice().len();
            if n < len {
                front.advance(n);
                return;
            }
            n -= len;
            self.chunks.pop_front();
        }
        if self.write_buf.is_empty() {
            // Release the allocation: an idle connection keeps no write buffer.
            self.write_buf = BytesMut::new();
        }
    }

    /// Writes the whole queue and flushes the transport.
    pub(crate) fn poll_flush<W>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>>
    where
        W: AsyncWrite + Unpin,
    {
        while !self.is_empty() {
            ready!(self.poll_write_some(io, cx))?;
        }
        ready!(Pin::new(&mut *io).poll_flush(cx))?;
        Poll::Ready(Ok(()))
    }

    /// Writes until the queue is below its bound.
    pub(crate) fn poll_room<W>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>>
    where
        W: AsyncWrite + Unpin,
    {
        while self.is_full() {
            ready!(self.poll_write_some(io, cx))?;
        }
        Poll::Ready(Ok(()))
    }

    /// Drops whatever waits (the transport is gone).
    pub(crate) fn discard(&mut self) {
        self.chunks = VecDeque::new();
        self.write_buf = BytesMut::new();
        self.queued = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transport that takes at most `step` bytes per write, vectored or not.
    struct Trickle {
        out: Vec<u8>,
        step: usize,
        vectored: bool,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<std::io::Result<usize>> {
            let n = buf.len().min(self.step);
            self.out.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<std::io::Result<usize>> {
            let mut budget = self.step;
            for buf in bufs {
                let n = buf.len().min(budget);
                self.out.extend_from_slice(&buf[..n]);
                budget -= n;
                if budget == 0 {
                    break;
                }
            }
            Poll::Ready(Ok(self.step - budget))
        }

        fn is_write_vectored(&self) -> bool {
            self.vectored
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    fn messages() -> Vec<Message> {
        vec![
            Message::Text("small".into()),
            Message::Binary(Bytes::from(vec![7u8; 5000])),
            Message::Text("between".into()),
            Message::Binary(Bytes::from(vec![9u8; 70_000])),
            Message::Binary(Bytes::from(vec![1u8; ZERO_COPY_MIN])),
        ]
    }

    #[test]
    fn large_payloads_go_out_uncopied_and_in_order() {
        let mut expected = BytesMut::new();
        let mut encoder = FrameEncoder::new(Role::Server);
        for message in messages() {
            encoder.encode(&Frame::from(message), &mut expected);
        }
        let encoded = expected.clone().freeze();
        expected.extend_from_slice(&encoded);
        for vectored in [true, false] {
            for step in [1, 3, 13, 1000, 1 << 20] {
                let mut io = Trickle {
                    out: Vec::new(),
                    step,
                    vectored,
                };
                let mut outbound = Outbound::new(Role::Server, 1 << 20, None, vectored);
                for message in messages() {
                    outbound.queue(message).unwrap();
                }
                outbound.queue_encoded(encoded.clone());
                assert!(!outbound.is_empty());
                assert_eq!(outbound.chunks.is_empty(), !vectored);
                let waker = std::task::Waker::noop();
                let mut cx = Context::from_waker(waker);
                assert!(outbound.poll_flush(&mut io, &mut cx).is_ready());
                assert!(outbound.is_empty());
                assert_eq!(outbound.buffered_capacity(), 0);
                assert_eq!(io.out, expected, "vectored {vectored}, step {step}");
            }
        }
    }

    #[test]
    fn the_bound_counts_uncopied_payloads() {
        let mut outbound = Outbound::new(Role::Server, 10_000, None, true);
        outbound
            .queue(Message::Binary(Bytes::from(vec![0u8; 9_000])))
            .unwrap();
        assert!(!outbound.is_full());
        outbound
            .queue(Message::Binary(Bytes::from(vec![0u8; 2_000])))
            .unwrap();
        assert!(outbound.is_full());
        outbound.discard();
        assert!(outbound.is_empty() && !outbound.is_full());
    }
}

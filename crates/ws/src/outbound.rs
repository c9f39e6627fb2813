//! The sending half of a connection's state: encoder, outbound extension, write buffer.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::BytesMut;
use tokio::io::AsyncWrite;
use ws_frame::{Extension, Frame, FrameEncoder, Message, OpCode, Role};

use crate::Error;

/// Encodes frames into a write buffer and writes it out.
pub(crate) struct Outbound {
    write_buf: BytesMut,
    encoder: FrameEncoder,
    extension: Option<Box<dyn Extension>>,
    max_write_buffer: usize,
}

impl Outbound {
    pub(crate) fn new(
        role: Role,
        max_write_buffer: usize,
        extension: Option<Box<dyn Extension>>,
    ) -> Self {
        Outbound {
            write_buf: BytesMut::new(),
            encoder: FrameEncoder::new(role),
            extension,
            max_write_buffer: max_write_buffer.max(1),
        }
    }

    /// Whether an extension (permessage-deflate) encodes data messages.
    pub(crate) fn is_compressed(&self) -> bool {
        self.extension.is_some()
    }

    /// Whether the buffer has reached its bound.
    pub(crate) fn is_full(&self) -> bool {
        self.write_buf.len() >= self.max_write_buffer
    }

    /// Whether nothing waits to be written.
    pub(crate) fn is_empty(&self) -> bool {
        self.write_buf.is_empty()
    }

    /// Bytes held by the write buffer.
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
        self.encoder.encode(&frame, &mut self.write_buf);
        Ok(())
    }

    /// Appends frames encoded beforehand, as they are.
    pub(crate) fn queue_encoded(&mut self, frames: &[u8]) {
        self.write_buf.extend_from_slice(frames);
    }

    /// Encodes a control frame as is.
    pub(crate) fn queue_frame(&mut self, frame: &Frame) {
        self.encoder.encode(frame, &mut self.write_buf);
    }

    /// Writes some of the buffer.
    pub(crate) fn poll_write_some<W>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>>
    where
        W: AsyncWrite + Unpin,
    {
        let written = ready!(Pin::new(&mut *io).poll_write(cx, &self.write_buf))?;
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

    /// Writes the whole buffer and flushes the transport.
    pub(crate) fn poll_flush<W>(
        &mut self,
        io: &mut W,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>>
    where
        W: AsyncWrite + Unpin,
    {
        while !self.write_buf.is_empty() {
            ready!(self.poll_write_some(io, cx))?;
        }
        ready!(Pin::new(&mut *io).poll_flush(cx))?;
        Poll::Ready(Ok(()))
    }

    /// Writes until the buffer is below its bound.
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
        self.write_buf = BytesMut::new();
    }
}

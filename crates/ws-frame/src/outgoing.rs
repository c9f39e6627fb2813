//! [`Outgoing`]: messages and frames encoded into a queue of bytes for the transport.
//!
//! Small frames are copied into one buffer, so that many of them leave in one write. A large
//! unmasked payload is not copied: its header and the payload itself wait as separate chunks,
//! for one vectored write (`writev`), when the caller says its transport takes them.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};

use crate::{Error, Extension, Frame, FrameEncoder, MAX_HEADER_LEN, Message, OpCode, Role};

/// Payloads (and frames encoded beforehand) of at least this many bytes are queued as chunks
/// of their own rather than copied into the write buffer. Below it, a copy is cheaper than
/// one more slice of a vectored write.
pub const ZERO_COPY_MIN: usize = 2048;

/// Bytes waiting before the write buffer: a frame header or a payload.
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

/// The sending side of a connection, sans-I/O: encodes messages (through the outbound
/// extension, if one was negotiated) and frames into a queue of bytes, which the caller writes
/// out with [`chunks_vectored`](Outgoing::chunks_vectored) (or [`chunk`](Outgoing::chunk))
/// and [`advance`](Outgoing::advance).
///
/// ```
/// use ws_frame::{Message, Outgoing, Role};
///
/// let mut out = Outgoing::new(Role::Server, false);
/// out.queue_message(Message::Text("Hi".into()))?;
/// assert_eq!(out.chunk(), b"\x81\x02Hi");
/// out.advance(4);
/// assert!(out.is_empty());
/// # Ok::<(), ws_frame::Error>(())
/// ```
pub struct Outgoing {
    /// What goes out first, in order; `write_buf` follows it.
    chunks: VecDeque<Chunk>,
    /// Small frames, copied one after another.
    write_buf: BytesMut,
    /// Bytes in `chunks` and `write_buf` together.
    queued: usize,
    encoder: FrameEncoder,
    extension: Option<Box<dyn Extension>>,
    /// Whether the transport writes several slices at once; if not, everything is copied
    /// into `write_buf`.
    vectored: bool,
}

impl Outgoing {
    /// An empty queue for `role`. With `vectored`, large unmasked payloads are queued
    /// without a copy (say so only when the transport writes several slices at once).
    pub fn new(role: Role, vectored: bool) -> Self {
        Outgoing {
            chunks: VecDeque::new(),
            write_buf: BytesMut::new(),
            queued: 0,
            encoder: FrameEncoder::new(role),
            extension: None,
            vectored,
        }
    }

    /// Routes data messages through `extension` (permessage-deflate) from now on.
    pub fn set_extension(&mut self, extension: Box<dyn Extension>) {
        self.extension = Some(extension);
    }

    /// The side this queue encodes for.
    pub fn role(&self) -> Role {
        self.encoder.role()
    }

    /// Whether large payloads are queued uncopied.
    pub fn is_vectored(&self) -> bool {
        self.vectored
    }

    /// Whether an extension (permessage-deflate) encodes data messages.
    pub fn is_compressed(&self) -> bool {
        self.extension.is_some()
    }

    /// Bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.queued
    }

    /// Whether nothing waits to be written.
    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Bytes held by the write buffer (payloads queued without a copy are not counted: they
    /// belong to their senders).
    pub fn buffered_capacity(&self) -> usize {
        self.write_buf.capacity()
    }

    /// Encodes a message, compressing data messages when an extension is negotiated.
    ///
    /// Only the extension can fail; nothing is queued then.
    pub fn queue_message(&mut self, message: Message) -> Result<(), Error> {
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
    pub fn queue_encoded(&mut self, frames: Bytes) {
        if self.vectored && frames.len() >= ZERO_COPY_MIN {
            self.push_chunk(Chunk::Data(frames));
        } else {
            self.queued += frames.len();
            self.write_buf.extend_from_slice(&frames);
        }
    }

    /// Encodes a frame as is (no extension), copying it into the write buffer: for control
    /// frames.
    pub fn queue_frame(&mut self, frame: &Frame) {
        let before = self.write_buf.len();
        self.encoder.encode(frame, &mut self.write_buf);
        self.queued += self.write_buf.len() - before;
    }

    /// Encodes a frame; a large unmasked payload is queued without a copy.
    fn queue_frame_owned(&mut self, frame: Frame) {
        let mask = self.encoder.next_mask();
        if mask.is_some() || !self.vectored || frame.payload.len() < ZERO_COPY_MIN {
            let before = self.write_buf.len();
            crate::encode_with_mask(&frame, mask, &mut self.write_buf);
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

    /// The first contiguous bytes to write (empty when nothing waits).
    pub fn chunk(&self) -> &[u8] {
        match self.chunks.front() {
            Some(chunk) => chunk.as_slice(),
            None => &self.write_buf,
        }
    }

    /// Fills `dst` with the bytes to write, in order, and returns how many slices it filled
    /// (at most `dst.len()`; zero when nothing waits). Pass them to one vectored write, then
    /// [`advance`](Outgoing::advance) by what it wrote.
    pub fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut count = 0;
        for chunk in &self.chunks {
            if count == dst.len() {
                return count;
            }
            dst[count] = IoSlice::new(chunk.as_slice());
            count += 1;
        }
        if count < dst.len() && !self.write_buf.is_empty() {
            dst[count] = IoSlice::new(&self.write_buf);
            count += 1;
        }
        count
    }

    /// Drops `n` written bytes from the front of the queue (at most [`len`](Outgoing::len)).
    /// Once the queue is empty its write buffer is released: an idle connection holds none.
    pub fn advance(&mut self, mut n: usize) {
        assert!(n <= self.queued, "advanced past the queued bytes");
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
            self.write_buf = BytesMut::new();
        }
    }

    /// Everything queued, as one buffer (copied only when it spans several chunks); the queue
    /// is left empty.
    pub fn take_bytes(&mut self) -> Bytes {
        let bytes = if self.chunks.is_empty() {
            self.write_buf.split().freeze()
        } else {
            let mut all = BytesMut::with_capacity(self.queued);
            for chunk in &self.chunks {
                all.extend_from_slice(chunk.as_slice());
            }
            all.extend_from_slice(&self.write_buf);
            all.freeze()
        };
        self.clear();
        bytes
    }

    /// Drops whatever waits (the transport is gone).
    pub fn clear(&mut self) {
        self.chunks = VecDeque::new();
        self.write_buf = BytesMut::new();
        self.queued = 0;
    }
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("role", &self.role())
            .field("queued", &self.queued)
            .field("compressed", &self.is_compressed())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages() -> Vec<Message> {
        vec![
            Message::Text("small".into()),
            Message::Binary(Bytes::from(vec![7u8; 5000])),
            Message::Text("between".into()),
            Message::Binary(Bytes::from(vec![9u8; 70_000])),
            Message::Binary(Bytes::from(vec![1u8; ZERO_COPY_MIN])),
        ]
    }

    /// Drains `out` in writes of at most `step` bytes, vectored or not.
    fn drain(out: &mut Outgoing, step: usize, vectored: bool) -> Vec<u8> {
        let mut written = Vec::new();
        while !out.is_empty() {
            let mut slices = [IoSlice::new(&[]); 8];
            let count = if vectored {
                out.chunks_vectored(&mut slices)
            } else {
                slices[0] = IoSlice::new(out.chunk());
                1
            };
            let mut budget = step;
            for slice in &slices[..count] {
                let n = slice.len().min(budget);
                written.extend_from_slice(&slice[..n]);
                budget -= n;
                if budget == 0 {
                    break;
                }
            }
            out.advance(step - budget);
        }
        written
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
                let mut out = Outgoing::new(Role::Server, vectored);
                for message in messages() {
                    out.queue_message(message).unwrap();
                }
                out.queue_encoded(encoded.clone());
                assert_eq!(out.len(), expected.len());
                assert_eq!(out.chunks.is_empty(), !vectored);
                let written = drain(&mut out, step, vectored);
                assert!(out.is_empty());
                assert_eq!(out.buffered_capacity(), 0);
                assert_eq!(written, expected, "vectored {vectored}, step {step}");
            }
        }
    }

    #[test]
    fn the_length_counts_uncopied_payloads() {
        let mut out = Outgoing::new(Role::Server, true);
        out.queue_message(Message::Binary(Bytes::from(vec![0u8; 9_000])))
            .unwrap();
        assert_eq!(out.len(), 9_004);
        assert_eq!(out.buffered_capacity(), 0);
        out.clear();
        assert!(out.is_empty());
    }

    #[test]
    fn take_bytes_joins_every_chunk() {
        let mut out = Outgoing::new(Role::Server, true);
        for message in messages() {
            out.queue_message(message).unwrap();
        }
        let len = out.len();
        let mut copy = Outgoing::new(Role::Server, true);
        for message in messages() {
            copy.queue_message(message).unwrap();
        }
        let bytes = out.take_bytes();
        assert_eq!(bytes.len(), len);
        assert!(out.is_empty());
        assert_eq!(&bytes[..], &drain(&mut copy, usize::MAX, true)[..]);
    }

    #[test]
    fn client_frames_are_masked_and_copied() {
        let mut out = Outgoing::new(Role::Client, true);
        out.queue_message(Message::Binary(Bytes::from(vec![5u8; 10_000])))
            .unwrap();
        assert!(out.chunks.is_empty());
        let bytes = out.take_bytes();
        let mut buf = BytesMut::from(&bytes[..]);
        let frame = crate::FrameDecoder::new(Role::Server)
            .decode(&mut buf)
            .unwrap()
            .unwrap();
        assert_eq!(frame.payload, Bytes::from(vec![5u8; 10_000]));
    }
}

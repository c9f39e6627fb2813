//! Writing a connection's [`Outgoing`] queue to the transport.
//!
//! The queue (in `ws-frame`) copies small frames into one buffer and keeps large payloads
//! uncopied; here it goes out with one vectored write (`writev`) per call when it spans
//! several chunks.

use std::io::IoSlice;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::AsyncWrite;
use ws_frame::Outgoing;

use crate::Error;

/// The most slices one vectored write takes (Linux allows 1,024; a few dozen fill any
/// socket buffer).
const MAX_SLICES: usize = 64;

/// Writes some of the queue.
pub(crate) fn poll_write_some<W>(
    out: &mut Outgoing,
    io: &mut W,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>>
where
    W: AsyncWrite + Unpin,
{
    let written = if out.chunk().len() == out.len() {
        // One contiguous run (small frames only, or a transport without vectored writes).
        ready!(Pin::new(&mut *io).poll_write(cx, out.chunk()))?
    } else {
        let mut slices = [IoSlice::new(&[]); MAX_SLICES];
        let count = out.chunks_vectored(&mut slices);
        ready!(Pin::new(&mut *io).poll_write_vectored(cx, &slices[..count]))?
    };
    if written == 0 {
        return Poll::Ready(Err(Error::Io(std::io::ErrorKind::WriteZero.into())));
    }
    out.advance(written);
    Poll::Ready(Ok(()))
}

/// Writes the whole queue and flushes the transport.
pub(crate) fn poll_flush<W>(
    out: &mut Outgoing,
    io: &mut W,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>>
where
    W: AsyncWrite + Unpin,
{
    while !out.is_empty() {
        ready!(poll_write_some(out, io, cx))?;
    }
    ready!(Pin::new(&mut *io).poll_flush(cx))?;
    Poll::Ready(Ok(()))
}

/// Writes until the queue holds less than `bound` bytes.
pub(crate) fn poll_room<W>(
    out: &mut Outgoing,
    bound: usize,
    io: &mut W,
    cx: &mut Context<'_>,
) -> Poll<Result<(), Error>>
where
    W: AsyncWrite + Unpin,
{
    while out.len() >= bound {
        ready!(poll_write_some(out, io, cx))?;
    }
    Poll::Ready(Ok(()))
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use bytes::{Bytes, BytesMut};
    use futures_util::FutureExt;
    use ws_frame::{Frame, FrameEncoder, Message, Role, ZERO_COPY_MIN};

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

    /// Data messages of sizes on both sides of the uncopied threshold, alternating.
    fn messages() -> Vec<Message> {
        [3, 5000, 9, 70_000, ZERO_COPY_MIN]
            .into_iter()
            .map(|size| Message::Binary(Bytes::from(vec![b'w'; size])))
            .collect()
    }

    #[test]
    fn the_queue_goes_out_whole_and_in_order() {
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
                let mut out = Outgoing::new(Role::Server, vectored);
                for message in messages() {
                    out.queue_message(message).unwrap();
                }
                out.queue_encoded(encoded.clone());
                let flushed = poll_fn(|cx| poll_flush(&mut out, &mut io, cx)).now_or_never();
                assert!(matches!(flushed, Some(Ok(()))), "{flushed:?}");
                assert!(out.is_empty());
                assert_eq!(out.buffered_capacity(), 0);
                assert_eq!(io.out, expected, "vectored {vectored}, step {step}");
            }
        }
    }

    #[test]
    fn room_is_made_below_the_bound() {
        let mut io = Trickle {
            out: Vec::new(),
            step: 1000,
            vectored: true,
        };
        let mut out = Outgoing::new(Role::Server, true);
        out.queue_message(Message::Binary(Bytes::from(vec![0u8; 9_000])))
            .unwrap();
        let made = poll_fn(|cx| poll_room(&mut out, 5_000, &mut io, cx)).now_or_never();
        assert!(matches!(made, Some(Ok(()))), "{made:?}");
        assert!(out.len() < 5_000 && !out.is_empty());
    }
}

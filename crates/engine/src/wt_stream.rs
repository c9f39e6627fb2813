//! One WebTransport bidirectional stream as a [`Carrier`]: Engine.IO packets framed by
//! [`event_proto::engine::webtransport`], read through a [`StreamDecoder`] bounded by the
//! engine's `max_payload`.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::BytesMut;
use event_proto::engine::webtransport::{self, StreamDecoder};
use tokio::io::{AsyncRead, ReadBuf};
use wtransport::{Connection, RecvStream, SendStream, VarInt};

use crate::carrier::{Carrier, Inbound};
use crate::close_reason::CloseReason;
use crate::outgoing::Outgoing;

/// Bytes read from the stream at a time, into a buffer on the stack.
const READ_CHUNK: usize = 8 * 1024;

/// Read and write buffers larger than this are given back once empty, so that an idle session
/// holds none after a burst.
const KEPT_BUFFER: usize = 16 * 1024;

/// How long the peer has, once the session is over, to acknowledge what was sent before the
/// connection closes.
const FINISH_GRACE: Duration = Duration::from_secs(2);

/// A write that made no progress for this long fails.
#[derive(Debug)]
pub(crate) struct WriteFailed;

/// The stream of one WebTransport session, and the session's connection (closed with it).
pub(crate) struct StreamCarrier {
    connection: Connection,
    send: SendStream,
    recv: RecvStream,
    decoder: StreamDecoder,
    read: BytesMut,
    write: BytesMut,
    /// How long one flush may wait for the peer's flow control (its ping timeout).
    write_timeout: Duration,
}

impl StreamCarrier {
    /// Carries packets over `send` and `recv` of `connection`, reading bodies of at most
    /// `max_payload` bytes; a flush waiting longer than `write_timeout` fails.
    pub(crate) fn new(
        connection: Connection,
        (send, recv): (SendStream, RecvStream),
        max_payload: usize,
        write_timeout: Duration,
    ) -> StreamCarrier {
        StreamCarrier {
            connection,
            send,
            recv,
            decoder: StreamDecoder::new(max_payload),
            read: BytesMut::new(),
            write: BytesMut::new(),
            write_timeout,
        }
    }

    /// Closes the connection at once (a refused stream), with `code`.
    pub(crate) fn refuse(self, code: u32) {
        self.connection.close(VarInt::from_u32(code), b"");
    }
}

impl Carrier for StreamCarrier {
    type Error = WriteFailed;
    const NAME: &'static str = "webtransport";

    fn poll_inbound(&mut self, cx: &mut Context<'_>) -> Poll<Inbound> {
        loop {
            match self.decoder.decode(&mut self.read) {
                Ok(Some(packet)) => {
                    if self.read.is_empty() && self.read.capacity() > KEPT_BUFFER {
                        self.read = BytesMut::new();
                    }
                    return Poll::Ready(Inbound::Packet(packet));
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::debug!(%error, "webtransport stream does not parse");
                    return Poll::Ready(Inbound::Failed(CloseReason::ParseError));
                }
            }
            let mut chunk = [0u8; READ_CHUNK];
            let mut buf = ReadBuf::new(&mut chunk);
            match Pin::new(&mut self.recv).poll_read(cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                // The client finished its side, reset the stream or closed the session.
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Inbound::End),
                Poll::Ready(Ok(())) => self.read.extend_from_slice(buf.filled()),
                Poll::Ready(Err(_)) => return Poll::Ready(Inbound::End),
            }
        }
    }

    async fn feed(&mut self, item: &Outgoing) -> Result<(), WriteFailed> {
        match item {
            Outgoing::Packet(packet) => webtransport::encode(packet, &mut self.write),
            Outgoing::Messages(messages) => {
                for packet in messages.packets() {
                    webtransport::encode(&packet, &mut self.write);
                }
            }
            Outgoing::Shared(shared) => {
                for packet in shared.messages().packets() {
                    webtransport::encode(&packet, &mut self.write);
                }
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), WriteFailed> {
        let written = tokio::time::timeout(self.write_timeout, self.send.write_all(&self.write));
        let result = match written.await {
            Ok(Ok(())) => Ok(()),
            _ => Err(WriteFailed),
        };
        self.write.clear();
        if self.write.capacity() > KEPT_BUFFER {
            self.write = BytesMut::new();
        }
        result
    }

    async fn end(mut self) {
        // The peer acknowledges what was sent (bounded), then the session closes: closing the
        // connection first would drop what is still in flight.
        let _ = tokio::time::timeout(FINISH_GRACE, self.send.finish()).await;
        self.connection.close(VarInt::from_u32(0), b"");
    }
}

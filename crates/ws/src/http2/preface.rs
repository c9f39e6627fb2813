//! The server's connection preface as it arrives: its first frame must be SETTINGS (RFC 9113
//! §3.4), and whether that frame carries `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1` (RFC 8441 §3)
//! decides whether WebSockets may open. hyper does not say when the server's SETTINGS came,
//! so the bytes are watched on their way to it: once the first frame is whole, the answer is
//! sent and the wrapper only passes bytes on.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::oneshot;

/// What the server's first frame said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerPreface {
    /// A SETTINGS frame; `connect_protocol` when it allowed extended CONNECT.
    Settings {
        /// `SETTINGS_ENABLE_CONNECT_PROTOCOL` was 1.
        connect_protocol: bool,
    },
    /// Something else (an HTTP/1.1 answer to the preface, say): no HTTP/2 server.
    NotHttp2,
}

/// The frame type of SETTINGS.
const SETTINGS: u8 = 0x4;
/// The ACK flag of a SETTINGS frame.
const ACK: u8 = 0x1;
/// `SETTINGS_ENABLE_CONNECT_PROTOCOL`.
const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
/// A frame header's length.
const HEADER: usize = 9;
/// A setting's length: a 16-bit identifier, a 32-bit value.
const SETTING: usize = 6;

/// Reads the first frame incrementally, whatever the split of the bytes across reads; holds
/// at most one frame header and one setting.
#[derive(Debug, Default)]
pub(crate) struct FirstFrame {
    header: [u8; HEADER],
    header_len: usize,
    /// Payload bytes still to come, once the header is whole.
    remaining: usize,
    setting: [u8; SETTING],
    setting_len: usize,
    connect_protocol: bool,
}

impl FirstFrame {
    /// Takes the next bytes from the server; the verdict once the first frame is whole (or
    /// known not to be SETTINGS).
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) -> Option<ServerPreface> {
        if self.header_len < HEADER {
            let take = (HEADER - self.header_len).min(bytes.len());
            self.header[self.header_len..self.header_len + take].copy_from_slice(&bytes[..take]);
            self.header_len += take;
            bytes = &bytes[take..];
            if self.header_len < HEADER {
                return None;
            }
            let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = self.header;
            let length = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            let stream = u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]);
            if kind != SETTINGS || flags & ACK != 0 || stream != 0 || length % SETTING != 0 {
                return Some(ServerPreface::NotHttp2);
            }
            self.remaining = length;
        }
        let take = self.remaining.min(bytes.len());
        for &byte in &bytes[..take] {
            self.setting[self.setting_len] = byte;
            self.setting_len += 1;
            if self.setting_len == SETTING {
                self.setting_len = 0;
                let [i0, i1, v0, v1, v2, v3] = self.setting;
                if u16::from_be_bytes([i0, i1]) == ENABLE_CONNECT_PROTOCOL {
                    self.connect_protocol = u32::from_be_bytes([v0, v1, v2, v3]) == 1;
                }
            }
        }
        self.remaining -= take;
        (self.remaining == 0).then_some(ServerPreface::Settings {
            connect_protocol: self.connect_protocol,
        })
    }
}

/// The connection's I/O under hyper, watching the server's first frame.
pub(crate) struct Preface<IO> {
    io: IO,
    /// The first frame being read and where to tell what it said; `None` afterwards.
    watch: Option<(FirstFrame, oneshot::Sender<ServerPreface>)>,
}

impl<IO> Preface<IO> {
    pub(crate) fn new(io: IO, tell: oneshot::Sender<ServerPreface>) -> Preface<IO> {
        Preface {
            io,
            watch: Some((FirstFrame::default(), tell)),
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Preface<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = ready!(Pin::new(&mut this.io).poll_read(cx, buf));
        if let Some((frame, _)) = &mut this.watch {
            let verdict = frame.feed(&buf.filled()[before..]);
            if let Some(verdict) = verdict
                && let Some((_, tell)) = this.watch.take()
            {
                let _ = tell.send(verdict);
            } else if read.is_err() || buf.filled().len() == before {
                // The connection failed or ended first: the sender's drop says so.
                this.watch = None;
            }
        }
        Poll::Ready(read)
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Preface<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SETTINGS frame with `settings`.
    fn settings(settings: &[(u16, u32)]) -> Vec<u8> {
        let length = settings.len() * SETTING;
        let mut frame = vec![0, 0, length as u8, SETTINGS, 0, 0, 0, 0, 0];
        for (id, value) in settings {
            frame.extend_from_slice(&id.to_be_bytes());
            frame.extend_from_slice(&value.to_be_bytes());
        }
        frame
    }

    #[test]
    fn the_setting_is_found_however_the_bytes_are_split() {
        let frame = settings(&[(0x3, 200), (ENABLE_CONNECT_PROTOCOL, 1), (0x4, 65535)]);
        for chunk in 1..=frame.len() {
            let mut reader = FirstFrame::default();
            let mut verdicts = frame.chunks(chunk).filter_map(|c| reader.feed(c));
            assert_eq!(
                verdicts.next(),
                Some(ServerPreface::Settings {
                    connect_protocol: true
                }),
                "{chunk}"
            );
        }
    }

    #[test]
    fn without_the_setting_or_with_zero_there_is_no_extended_connect() {
        for frame in [
            settings(&[]),
            settings(&[(0x3, 100)]),
            settings(&[(ENABLE_CONNECT_PROTOCOL, 0)]),
        ] {
            let mut reader = FirstFrame::default();
            assert_eq!(
                reader.feed(&frame),
                Some(ServerPreface::Settings {
                    connect_protocol: false
                })
            );
        }
    }

    #[test]
    fn anything_but_settings_first_is_not_http2() {
        let mut ack = settings(&[]);
        ack[4] = ACK;
        let mut bad_length = settings(&[(0x3, 1)]);
        bad_length[2] = 5;
        for first in [
            b"HTTP/1.1 400 Bad Request\r\n".to_vec(),
            ack,
            bad_length,
            vec![0, 0, 0, SETTINGS, 0, 0, 0, 0, 1],
        ] {
            let mut reader = FirstFrame::default();
            assert_eq!(reader.feed(&first), Some(ServerPreface::NotHttp2));
        }
        // Nothing is decided before a whole header.
        assert_eq!(FirstFrame::default().feed(&[0, 0, 6, SETTINGS]), None);
    }
}

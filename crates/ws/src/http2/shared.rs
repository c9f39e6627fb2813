//! The streams under connections opened with HTTP/2 in mind: the TCP socket is shared (an
//! `Arc`) between the connection's I/O and the WebSockets on it, so that
//! [`MaybeTlsStream::get_ref`](crate::MaybeTlsStream::get_ref) still reaches it (addresses,
//! socket options) when hyper owns the connection.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// A TCP stream read and written through a shared reference (tokio's readiness API), shut
/// down for writing through the socket itself.
#[derive(Debug, Clone)]
pub(crate) struct SharedTcp(Arc<TcpStream>);

impl SharedTcp {
    pub(crate) fn new(tcp: Arc<TcpStream>) -> SharedTcp {
        SharedTcp(tcp)
    }
}

/// Retries `attempt` whenever the socket, said ready by `ready`, would still block.
fn until_done<T>(
    mut ready: impl FnMut() -> Poll<io::Result<()>>,
    mut attempt: impl FnMut() -> io::Result<T>,
) -> Poll<io::Result<T>> {
    loop {
        ready!(ready())?;
        match attempt() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            done => return Poll::Ready(done),
        }
    }
}

impl AsyncRead for SharedTcp {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let tcp = &self.0;
        let n = ready!(until_done(
            || tcp.poll_read_ready(cx),
            || tcp.try_read(buf.initialize_unfilled())
        ))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for SharedTcp {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let tcp = &self.0;
        until_done(|| tcp.poll_write_ready(cx), || tcp.try_write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let tcp = &self.0;
        until_done(|| tcp.poll_write_ready(cx), || tcp.try_write_vectored(bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let done = socket2::SockRef::from(self.0.as_ref()).shutdown(std::net::Shutdown::Write);
        Poll::Ready(match done {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            done => done,
        })
    }
}

/// The stream under a connection that [`Config::http2`](crate::Config::http2) opened: a
/// WebSocket stream of an HTTP/2 connection (RFC 8441), or, when the server chose HTTP/1.1
/// by ALPN, the TLS connection itself. Feature `http2`.
#[derive(Debug)]
pub struct NegotiatedStream {
    inner: Inner,
    tcp: Arc<TcpStream>,
    tls: bool,
}

#[derive(Debug)]
enum Inner {
    /// One stream of an HTTP/2 connection (hyper's upgraded CONNECT stream).
    Http2(TokioIo<Upgraded>),
    /// TLS on which ALPN chose HTTP/1.1 (boxed: the stream is already behind the
    /// `MaybeTlsStream` box, but keeps the HTTP/2 variant small).
    #[cfg(feature = "rustls")]
    Http1Tls(Box<tokio_rustls::client::TlsStream<SharedTcp>>),
}

impl NegotiatedStream {
    pub(crate) fn http2(
        stream: TokioIo<Upgraded>,
        tcp: Arc<TcpStream>,
        tls: bool,
    ) -> NegotiatedStream {
        NegotiatedStream {
            inner: Inner::Http2(stream),
            tcp,
            tls,
        }
    }

    #[cfg(feature = "rustls")]
    pub(crate) fn http1_tls(
        stream: tokio_rustls::client::TlsStream<SharedTcp>,
        tcp: Arc<TcpStream>,
    ) -> NegotiatedStream {
        NegotiatedStream {
            inner: Inner::Http1Tls(Box::new(stream)),
            tcp,
            tls: true,
        }
    }

    /// The TCP connection underneath (shared with the other WebSockets of an HTTP/2
    /// connection).
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Whether this is a stream of an HTTP/2 connection (RFC 8441).
    pub fn is_http2(&self) -> bool {
        matches!(self.inner, Inner::Http2(_))
    }
}

/// Runs `$body` with `$io` bound to the stream under `$inner`, pinned.
macro_rules! with_inner {
    ($inner:expr, $io:ident => $body:expr) => {
        match $inner {
            Inner::Http2(stream) => {
                let $io = Pin::new(stream);
                $body
            }
            #[cfg(feature = "rustls")]
            Inner::Http1Tls(stream) => {
                let $io = Pin::new(stream.as_mut());
                $body
            }
        }
    };
}

impl AsyncRead for NegotiatedStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        with_inner!(&mut self.get_mut().inner, io => io.poll_read(cx, buf))
    }
}

impl AsyncWrite for NegotiatedStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_inner!(&mut self.get_mut().inner, io => io.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_inner!(&mut self.get_mut().inner, io => io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match &self.inner {
            Inner::Http2(stream) => stream.is_write_vectored(),
            #[cfg(feature = "rustls")]
            Inner::Http1Tls(stream) => stream.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_inner!(&mut self.get_mut().inner, io => io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_inner!(&mut self.get_mut().inner, io => io.poll_shutdown(cx))
    }
}

//! A raw WebSocket echo server: every text or binary message goes back unchanged.
//!
//! Over HTTP/1.1 (the upgrade of RFC 6455) always; with [`EchoOptions::h2`] also over HTTP/2
//! on the same port: a connection that opens with the HTTP/2 preface (h2c by prior knowledge)
//! is served by hyper, and each extended CONNECT with `:protocol: websocket` (RFC 8441) is a
//! WebSocket on its own stream, answered `200` and echoed by the same loop. The HTTP/1.1 path
//! never touches hyper; with `h2` on, it costs one `peek` of the first byte.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use wsio_engine::accept_until;
use wsio_ws::{CloseCode, Config, Limits, Message, Role, WebSocket};

use crate::shutdown::{self, Signal};

/// The first byte of the HTTP/2 connection preface (`PRI * HTTP/2.0`). No HTTP/1.1 request
/// that can open a WebSocket (a `GET`) begins with it.
const H2_PREFACE_FIRST: u8 = b'P';

/// How often an idle HTTP/2 connection is pinged, and how long its answer may take before the
/// connection is dropped.
const H2_KEEPALIVE: Duration = Duration::from_secs(20);

/// How the echo server serves its connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EchoOptions {
    /// Also serve HTTP/2 (h2c by prior knowledge) and its RFC 8441 WebSockets beside HTTP/1.1
    /// upgrades. Default off: every connection is an HTTP/1.1 upgrade.
    pub h2: bool,
}

/// The echo server's configuration: large limits, so every Autobahn case fits, and
/// permessage-deflate accepted with defaults.
pub fn config() -> Config {
    Config {
        limits: Limits {
            max_frame_size: 16 << 20,
            max_message_size: 16 << 20,
            max_fragments: 1 << 17,
        },
        ..Config::default()
    }
}

/// Serves the echo protocol over HTTP/1.1 on `listener` until `stop` resolves; then every
/// connection is closed with 1001 (going away) and the function returns once they are done
/// (or after a grace period of 5 s).
pub async fn serve(
    listener: TcpListener,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    serve_with(listener, EchoOptions::default(), stop).await
}

/// [`serve`] with `options`: with [`EchoOptions::h2`], HTTP/2 connections too, whose
/// WebSockets are closed the same way on `stop` (and the connections with a GOAWAY).
pub async fn serve_with(
    listener: TcpListener,
    options: EchoOptions,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let (trigger, signal) = shutdown::channel();
    accept_until(&listener, stop, |tcp, peer| {
        let signal = signal.clone();
        if options.h2 {
            tokio::spawn(any_version(tcp, peer, signal));
        } else {
            tokio::spawn(connection(tcp, peer, signal));
        }
    })
    .await;
    trigger.trip();
    drop(signal);
    let _ = tokio::time::timeout(Duration::from_secs(5), trigger.all_done()).await;
    Ok(())
}

/// One HTTP/1.1 connection: handshake, then echo until either side closes.
async fn connection(tcp: TcpStream, _peer: SocketAddr, stop: Signal) {
    let _ = tcp.set_nodelay(true);
    let Ok(ws) = wsio_ws::accept(tcp, config()).await else {
        return;
    };
    echo(ws, stop).await;
}

/// A connection that may speak HTTP/1.1 or HTTP/2: its first byte tells, within the
/// handshake deadline (a peer that sends nothing is dropped as in the HTTP/1.1 handshake).
async fn any_version(tcp: TcpStream, peer: SocketAddr, stop: Signal) {
    let mut first = [0u8; 1];
    let deadline = config().handshake_timeout.unwrap_or(Duration::MAX);
    match tokio::time::timeout(deadline, tcp.peek(&mut first)).await {
        Ok(Ok(1)) if first[0] == H2_PREFACE_FIRST => h2_connection(tcp, stop).await,
        Ok(Ok(1)) => connection(tcp, peer, stop).await,
        _ => {}
    }
}

/// One HTTP/2 connection: every extended CONNECT is a WebSocket echoed on its stream. On
/// `stop`, the connection sends a GOAWAY and ends once its streams have (each WebSocket is
/// closed with 1001).
async fn h2_connection(tcp: TcpStream, mut stop: Signal) {
    let _ = tcp.set_nodelay(true);
    let streams = stop.clone();
    let service = hyper::service::service_fn(move |req| {
        let stop = streams.clone();
        async move { Ok::<_, Infallible>(h2_request(req, stop)) }
    });
    let connection = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
        .timer(TokioTimer::new())
        .keep_alive_interval(H2_KEEPALIVE)
        .keep_alive_timeout(H2_KEEPALIVE)
        .enable_connect_protocol()
        .serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stop.tripped() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(error = %e, "http/2 connection ended with an error");
    }
}

/// One HTTP/2 request: an RFC 8441 WebSocket is answered `200` and echoed on its stream;
/// anything else gets a 400 saying why.
fn h2_request(req: Request<Incoming>, stop: Signal) -> Response<Full<Bytes>> {
    if req.method() != Method::CONNECT {
        let mut response = Response::new(Full::new(Bytes::from_static(
            b"Bad request: a WebSocket over HTTP/2 opens with an extended CONNECT (RFC 8441)\n",
        )));
        *response.status_mut() = StatusCode::BAD_REQUEST;
        return response;
    }
    let config = config();
    let (response, extension) = match wsio_engine::accept_extended_connect(&req, config.deflate) {
        Ok(accepted) => accepted,
        Err(refusal) => return *refusal,
    };
    tokio::spawn(async move {
        let Ok(stream) = hyper::upgrade::on(req).await else {
            return;
        };
        let io = TokioIo::new(stream);
        let ws = WebSocket::from_raw(io, Role::Server, config, BytesMut::new(), extension);
        echo(ws, stop).await;
    });
    response
}

/// Echoes every data message of `ws` until either side closes, or `stop` closes it with 1001.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(mut ws: WebSocket<S>, mut stop: Signal) {
    loop {
        tokio::select! {
            received = ws.recv() => match received {
                Some(Ok(message @ (Message::Text(_) | Message::Binary(_)))) => {
                    if ws.send(message).await.is_err() {
                        return;
                    }
                }
                // Control messages are answered by the connection itself; after an error, keep
                // polling so the close frame goes out before the transport is shut down.
                Some(Ok(_) | Err(_)) => {}
                None => return,
            },
            () = stop.tripped() => {
                let _ = ws.close(CloseCode::GOING_AWAY, "server shutting down").await;
                return;
            }
        }
    }
}

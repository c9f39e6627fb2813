//! Engine.IO over WebSocket: the 101 answer on hyper, direct sessions, the upgrade of a
//! polling session, and the frame loop (one Engine.IO packet per frame).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use event_proto::engine::{Packet, UpgradeAction, UpgradeState};
use event_proto::{Encoded, Message as EioMessage, Str};
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use ws_frame::{Frame, FrameEncoder, Role};
use wsio_ws::{CloseCode, ExtensionPair, Message, Utf8Bytes, WebSocket};

use super::errors::EngineError;
use super::read_wake::ReadWake;
use super::session::{Conn, Outgoing, Queue, Transport};
use super::{Engine, EngineHandler, HttpResponse};
use crate::reason::DisconnectReason;

/// A validated upgrade: the 101 answer and the negotiated compression.
struct Accepted {
    response: HttpResponse,
    extension: Option<ExtensionPair>,
}

/// Checks the RFC 6455 upgrade headers on a hyper request and builds the 101 answer.
fn accept<B>(req: &Request<B>, engine: &Engine) -> Result<Accepted, Box<HttpResponse>> {
    let headers = req.headers();
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .map(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
                .unwrap_or(false)
        })
    };
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(HeaderValue::as_bytes)
        .filter(|key| ws_handshake::is_valid_key(key));
    let version_ok = headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v.as_bytes() == b"13");
    let (Some(key), true, true, true) = (
        key,
        version_ok,
        has_token(header::UPGRADE, "websocket"),
        has_token(header::CONNECTION, "upgrade"),
    ) else {
        return Err(Box::new(EngineError::BadRequest.response(None)));
    };
    let mut response = HttpResponse::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let out = response.headers_mut();
    out.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    out.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    let accept_key = ws_handshake::accept_key(key);
    if let Ok(value) = HeaderValue::from_str(&accept_key) {
        out.insert(header::SEC_WEBSOCKET_ACCEPT, value);
    }
    let mut extension = None;
    if let Some(policy) = &engine.config.deflate {
        let offered: Vec<&str> = headers
            .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let offered = offered.join(", ");
        let agreement = ws_handshake::parse_extensions(&offered)
            .ok()
            .and_then(|offers| policy.negotiate(&offers));
        if let Some(agreed) = agreement {
            let threshold = wsio_ws::Config::default().compression_threshold;
            if let (Ok(pair), Ok(value)) = (
                ExtensionPair::deflate(Role::Server, &agreed.config, threshold),
                HeaderValue::from_str(&agreed.header_value),
            ) {
                out.insert(header::SEC_WEBSOCKET_EXTENSIONS, value);
                extension = Some(pair);
            }
        }
    }
    Ok(Accepted {
        response,
        extension,
    })
}

/// A session opened directly over WebSocket.
pub(crate) fn open(
    engine: &Engine,
    req: Request<Incoming>,
    remote: Option<SocketAddr>,
    handler: &dyn EngineHandler,
) -> HttpResponse {
    let accepted = match accept(&req, engine) {
        Ok(accepted) => accepted,
        Err(response) => return *response,
    };
    let conn = engine.open(&req, remote, Transport::WebSocket, handler);
    let open = engine.handshake(&conn, Vec::new()).to_packet();
    let config = engine.config.ws_config();
    let extension = accepted.extension;
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            conn.close(DisconnectReason::TransportError);
            return;
        };
        let io = TokioIo::new(upgraded);
        let mut ws = WebSocket::from_raw(io, Role::Server, config, BytesMut::new(), extension);
        if ws.send(to_ws(&open)).await.is_err() {
            conn.close(DisconnectReason::TransportError);
            return;
        }
        carry(conn, ws);
    });
    accepted.response
}

/// A WebSocket that probes to replace the polling transport of `conn`.
pub(crate) fn upgrade(engine: &Engine, req: Request<Incoming>, conn: Arc<Conn>) -> HttpResponse {
    let accepted = match accept(&req, engine) {
        Ok(accepted) => accepted,
        Err(response) => return *response,
    };
    let config = engine.config.ws_config();
    if !conn.switch_transport(Transport::Polling, Transport::Upgrading) {
        // Another WebSocket already carries the session, or is probing to: like the
        // reference, complete this handshake and close the newcomer at once.
        tokio::spawn(close_at_once(req, config, accepted.extension));
        return accepted.response;
    }
    let timeout = engine.config.upgrade_timeout;
    let extension = accepted.extension;
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            conn.switch_transport(Transport::Upgrading, Transport::Polling);
            return;
        };
        let io = TokioIo::new(upgraded);
        let mut ws = WebSocket::from_raw(io, Role::Server, config, BytesMut::new(), extension);
        let switched = matches!(
            tokio::time::timeout(timeout, probe(&conn, &mut ws)).await,
            Ok(true)
        );
        if !switched {
            conn.switch_transport(Transport::Upgrading, Transport::Polling);
            let _ = ws.close(CloseCode::NORMAL, "").await;
            return;
        }
        carry(conn, ws);
    });
    accepted.response
}

/// Finishes the handshake of a WebSocket the session has no use for, then closes it with an
/// empty close frame (`88 00`) and waits for the peer's answer.
async fn close_at_once(
    req: Request<Incoming>,
    config: wsio_ws::Config,
    extension: Option<ExtensionPair>,
) {
    let Ok(upgraded) = hyper::upgrade::on(req).await else {
        return;
    };
    let io = TokioIo::new(upgraded);
    let mut ws = WebSocket::from_raw(io, Role::Server, config, BytesMut::new(), extension);
    if ws.send(Message::Close(None)).await.is_ok() {
        let _ = ws.close(CloseCode::NORMAL, "").await;
    }
}

/// The probe exchange: `2probe` → `3probe` (and a noop for the pending poll), then `5`.
async fn probe<S>(conn: &Conn, ws: &mut WebSocket<S>) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut state = UpgradeState::default();
    loop {
        let received = tokio::select! {
            received = ws.recv() => received,
            _ = conn.closed() => return false,
        };
        let packet = match received {
            Some(Ok(message)) if message.is_data() => match decode(message) {
                Some(packet) => packet,
                None => return false,
            },
            Some(Ok(_)) => continue,
            _ => return false,
        };
        match state.on_packet(&packet) {
            UpgradeAction::Probe { reply, .. } => {
                if ws.send(to_ws(&reply)).await.is_err() {
                    return false;
                }
                conn.pause.notify_one();
            }
            UpgradeAction::Switch => {
                return conn.switch_transport(Transport::Upgrading, Transport::WebSocket);
            }
            UpgradeAction::Abort => return false,
        }
    }
}

/// Hands the session to a task of its own for as long as it lives: the task that answered the
/// upgrade ends, and with it the request and handshake state it held, so that an idle session
/// keeps only what [`run`] needs.
fn carry<S>(conn: Arc<Conn>, ws: WebSocket<S>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(run(conn, ws));
}

/// What the session's task does next.
enum Next {
    /// The read side returned (a message, an error, or the end).
    Received(Option<Result<Message, wsio_ws::Error>>),
    /// The queue gave an item, or `None` once the session closed and the queue is drained.
    Queued(Option<Outgoing>),
}

/// Carries the session over `ws` until either side closes it.
///
/// The read side is polled only when its own waker fired ([`ReadWake`]): a wake-up for a
/// queued packet goes straight to the queue. After a message was received the queue is looked
/// at first, so that neither side can keep the other waiting.
async fn run<S>(conn: Arc<Conn>, mut ws: WebSocket<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut queue = conn.queue.lock().await;
    let (reads, read_waker) = ReadWake::new();
    let mut queue_first = false;
    loop {
        let next = std::future::poll_fn(|cx| {
            if queue_first && let Poll::Ready(item) = conn.poll_next_or_closed(&mut queue, cx) {
                return Poll::Ready(Next::Queued(item));
            }
            if reads.take(cx.waker()) {
                let mut read_cx = Context::from_waker(&read_waker);
                if let Poll::Ready(received) = ws.poll_recv(&mut read_cx) {
                    // More may be buffered: look again next time.
                    reads.fire();
                    return Poll::Ready(Next::Received(received));
                }
            }
            if queue_first {
                return Poll::Pending;
            }
            conn.poll_next_or_closed(&mut queue, cx).map(Next::Queued)
        })
        .await;
        queue_first = matches!(next, Next::Received(_));
        match next {
            Next::Received(received) => match received {
                Some(Ok(message)) if message.is_data() => match decode(message) {
                    Some(packet) => conn.receive(packet).await,
                    None => conn.close(DisconnectReason::ParseError),
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => conn.close(read_error_reason(&e)),
                None => {
                    conn.close(DisconnectReason::TransportClose);
                    return;
                }
            },
            // Items first, then, once the session is closed and the queue drained, the end.
            Next::Queued(Some(item)) => {
                if send_batch(&mut ws, &conn, item, &mut queue).await.is_err() {
                    conn.close(DisconnectReason::TransportError);
                }
            }
            Next::Queued(None) => {
                // Boxed: the closing handshake's state (a timer among it) would otherwise
                // make every idle session's task larger.
                Box::pin(finish(&conn, ws, &mut queue)).await;
                return;
            }
        }
    }
}

/// Why a session whose WebSocket failed to read ends. A connection that just went away (the
/// peer's process died, its network dropped: no close frame, a reset) is a `transport
/// close`, as the reference names it; a peer that broke the protocol is a `transport error`.
fn read_error_reason(error: &wsio_ws::Error) -> DisconnectReason {
    use std::io::ErrorKind;
    match error {
        wsio_ws::Error::ResetWithoutClose => DisconnectReason::TransportClose,
        wsio_ws::Error::Io(io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            ) =>
        {
            DisconnectReason::TransportClose
        }
        _ => DisconnectReason::TransportError,
    }
}

/// Writes what is still queued, then closes the WebSocket.
async fn finish<S>(conn: &Conn, mut ws: WebSocket<S>, queue: &mut Queue)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    while let Some(item) = conn.try_next(queue) {
        if send_batch(&mut ws, conn, item, queue).await.is_err() {
            break;
        }
    }
    let _ = ws.close(CloseCode::NORMAL, "").await;
}

/// Most queued items one write carries, so that a busy queue cannot starve the reads.
const BATCH: usize = 64;

/// Writes `first` and whatever else is already queued (up to [`BATCH`] items) with one flush.
async fn send_batch<S>(
    ws: &mut WebSocket<S>,
    conn: &Conn,
    first: Outgoing,
    queue: &mut Queue,
) -> Result<(), wsio_ws::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    feed(ws, &first).await?;
    for _ in 1..BATCH {
        let Some(item) = conn.try_next(queue) else {
            break;
        };
        feed(ws, &item).await?;
    }
    ws.flush().await
}

/// Queues one item's frames without flushing.
async fn feed<S>(ws: &mut WebSocket<S>, item: &Outgoing) -> Result<(), wsio_ws::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match item {
        Outgoing::Engine(packet) => ws.feed(to_ws(packet)).await,
        Outgoing::Shared(shared) if ws.accepts_encoded() => {
            ws.feed_encoded(shared.frames().clone()).await
        }
        Outgoing::Shared(shared) => feed_encoded_packet(ws, shared.encoded()).await,
        Outgoing::Socket(encoded) => feed_encoded_packet(ws, encoded).await,
    }
}

async fn feed_encoded_packet<S>(
    ws: &mut WebSocket<S>,
    encoded: &Encoded,
) -> Result<(), wsio_ws::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    for packet in encoded.engine_packets() {
        ws.feed(to_ws(&packet)).await?;
    }
    Ok(())
}

/// A Socket.IO packet for many recipients: its WebSocket frames (unmasked, uncompressed) are
/// encoded once, for the first recipient that can take them as they are.
#[derive(Debug)]
pub(crate) struct SharedPacket {
    encoded: Encoded,
    frames: OnceLock<Bytes>,
}

impl SharedPacket {
    pub(crate) fn new(encoded: Encoded) -> SharedPacket {
        SharedPacket {
            encoded,
            frames: OnceLock::new(),
        }
    }

    /// The packet.
    pub(crate) fn encoded(&self) -> &Encoded {
        &self.encoded
    }

    /// Its frames as a server sends them without permessage-deflate.
    fn frames(&self) -> &Bytes {
        self.frames.get_or_init(|| {
            let mut encoder = FrameEncoder::new(Role::Server);
            let mut out = BytesMut::new();
            for packet in self.encoded.engine_packets() {
                encoder.encode(&Frame::from(to_ws(&packet)), &mut out);
            }
            out.freeze()
        })
    }
}

/// One frame as an Engine.IO packet; `None` for malformed input.
fn decode(message: Message) -> Option<Packet> {
    let message = match message {
        Message::Text(text) => EioMessage::Text(Str::from_utf8(text.into_bytes()).ok()?),
        Message::Binary(data) => EioMessage::Binary(data),
        _ => return None,
    };
    Packet::decode_ws(message).ok()
}

/// One Engine.IO packet as a frame.
fn to_ws(packet: &Packet) -> Message {
    match packet.encode_ws() {
        EioMessage::Text(text) => {
            Message::Text(Utf8Bytes::try_from_bytes(text.into_bytes()).unwrap_or_default())
        }
        EioMessage::Binary(data) => Message::Binary(data),
    }
}

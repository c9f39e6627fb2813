//! Engine.IO over WebSocket: the 101 answer on hyper, direct sessions, the upgrade of a
//! polling session, and the frame loop (one Engine.IO packet per frame).

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use event_proto::engine::{Packet, UpgradeAction, UpgradeState};
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use ws_frame::Role;
use wsio_ws::{CloseCode, ExtensionPair, Message, WebSocket};

use crate::close_reason::CloseReason;
use crate::config::EngineConfig;
use crate::outgoing::{Messages, Outgoing};
use crate::read_wake::ReadWake;
use crate::response::{HttpResponse, RequestError};
use crate::session::{Queue, Session, Transport};
use crate::ws_message::{decode, to_ws};

/// A validated upgrade: the 101 answer and the negotiated compression.
struct Accepted {
    response: HttpResponse,
    extension: Option<ExtensionPair>,
}

/// Checks the RFC 6455 upgrade headers on a hyper request and builds the 101 answer.
fn accept<B>(req: &Request<B>, config: &EngineConfig) -> Result<Accepted, Box<HttpResponse>> {
    if crate::extended_connect::is_extended_connect(req) {
        let (response, extension) =
            crate::extended_connect::accept_extended_connect(req, config.deflate)?;
        return Ok(Accepted {
            response,
            extension,
        });
    }
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
        return Err(Box::new(RequestError::BadRequest.response(None)));
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
    if let Some(policy) = &config.deflate {
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

/// A session opened directly over WebSocket: once the upgrade request is valid,
/// `open_session` opens the session and gives its open packet, which the WebSocket sends
/// first.
pub(crate) fn open(
    engine_config: &EngineConfig,
    req: Request<Incoming>,
    open_session: impl FnOnce(&Request<Incoming>) -> (Arc<Session>, Packet),
) -> HttpResponse {
    let accepted = match accept(&req, engine_config) {
        Ok(accepted) => accepted,
        Err(response) => return *response,
    };
    let (session, open) = open_session(&req);
    let config = engine_config.ws_config();
    let extension = accepted.extension;
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            session.close(CloseReason::TransportError);
            return;
        };
        let io = TokioIo::new(upgraded);
        let mut ws = WebSocket::from_raw(io, Role::Server, config, BytesMut::new(), extension);
        if ws.send(to_ws(&open)).await.is_err() {
            session.close(CloseReason::TransportError);
            return;
        }
        carry(session, ws);
    });
    accepted.response
}

/// A WebSocket that probes to replace the polling transport of `session`.
pub(crate) fn upgrade(
    engine_config: &EngineConfig,
    req: Request<Incoming>,
    session: Arc<Session>,
) -> HttpResponse {
    let accepted = match accept(&req, engine_config) {
        Ok(accepted) => accepted,
        Err(response) => return *response,
    };
    let config = engine_config.ws_config();
    if !session.switch_transport(Transport::Polling, Transport::Upgrading) {
        // Another WebSocket already carries the session, or is probing to: like the
        // reference, complete this handshake and close the newcomer at once.
        tokio::spawn(close_at_once(req, config, accepted.extension));
        return accepted.response;
    }
    let timeout = engine_config.upgrade_timeout;
    let extension = accepted.extension;
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            session.switch_transport(Transport::Upgrading, Transport::Polling);
            return;
        };
        let io = TokioIo::new(upgraded);
        let mut ws = WebSocket::from_raw(io, Role::Server, config, BytesMut::new(), extension);
        let switched = matches!(
            tokio::time::timeout(timeout, probe(&session, &mut ws)).await,
            Ok(true)
        );
        if !switched {
            session.switch_transport(Transport::Upgrading, Transport::Polling);
            let _ = ws.close(CloseCode::NORMAL, "").await;
            return;
        }
        carry(session, ws);
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

/// The probe exchange: `2probe` → `3probe` (and, until the switch, a noop for every poll),
/// then `5`.
async fn probe<S>(session: &Session, ws: &mut WebSocket<S>) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut state = UpgradeState::default();
    loop {
        let received = tokio::select! {
            received = ws.recv() => received,
            _ = session.closed() => return false,
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
                session.pause_polling();
            }
            UpgradeAction::Switch => {
                tracing::debug!(sid = %session.sid(), "upgraded to websocket");
                return session.switch_transport(Transport::Upgrading, Transport::WebSocket);
            }
            UpgradeAction::Abort => return false,
        }
    }
}

/// Hands the session to a task of its own for as long as it lives: the task that answered the
/// upgrade ends, and with it the request and handshake state it held, so that an idle session
/// keeps only what [`run`] needs.
fn carry<S>(session: Arc<Session>, ws: WebSocket<S>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let span = tracing::debug_span!("session", sid = %session.sid(), transport = "websocket");
    tokio::spawn(tracing::Instrument::instrument(run(session, ws), span));
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
async fn run<S>(session: Arc<Session>, mut ws: WebSocket<S>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut queue = session.queue.lock().await;
    let (reads, read_waker) = ReadWake::new();
    let mut queue_first = false;
    loop {
        let next = std::future::poll_fn(|cx| {
            if queue_first && let Poll::Ready(item) = session.poll_next_or_closed(&mut queue, cx) {
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
            session
                .poll_next_or_closed(&mut queue, cx)
                .map(Next::Queued)
        })
        .await;
        queue_first = matches!(next, Next::Received(_));
        match next {
            Next::Received(received) => match received {
                Some(Ok(message)) if message.is_data() => match decode(message) {
                    Some(packet) => session.receive(packet).await,
                    None => session.close(CloseReason::ParseError),
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => session.close(read_error_reason(&e)),
                None => {
                    session.close(CloseReason::TransportClose);
                    return;
                }
            },
            // Items first, then, once the session is closed and the queue drained, the end.
            Next::Queued(Some(item)) => {
                if send_batch(&mut ws, &session, item, &mut queue)
                    .await
                    .is_err()
                {
                    session.close(CloseReason::TransportError);
                }
            }
            Next::Queued(None) => {
                // Boxed: the closing handshake's state (a timer among it) would otherwise
                // make every idle session's task larger.
                Box::pin(finish(&session, ws, &mut queue)).await;
                return;
            }
        }
    }
}

/// Why a session whose WebSocket failed to read ends. A connection that just went away (the
/// peer's process died, its network dropped: no close frame, a reset) is a `transport
/// close`, as the reference names it; a peer that broke the protocol is a `transport error`.
fn read_error_reason(error: &wsio_ws::Error) -> CloseReason {
    use std::io::ErrorKind;
    let reason = match error {
        wsio_ws::Error::ResetWithoutClose => CloseReason::TransportClose,
        wsio_ws::Error::Io(io)
            if matches!(
                io.kind(),
                ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
                    | ErrorKind::UnexpectedEof
            ) =>
        {
            CloseReason::TransportClose
        }
        _ => CloseReason::TransportError,
    };
    if reason == CloseReason::TransportError {
        tracing::warn!(%error, "websocket failed");
    }
    reason
}

/// Writes what is still queued, then closes the WebSocket.
async fn finish<S>(session: &Session, mut ws: WebSocket<S>, queue: &mut Queue)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    while let Some(item) = session.try_next(queue) {
        if send_batch(&mut ws, session, item, queue).await.is_err() {
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
    session: &Session,
    first: Outgoing,
    queue: &mut Queue,
) -> Result<(), wsio_ws::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    feed(ws, &first).await?;
    for _ in 1..BATCH {
        let Some(item) = session.try_next(queue) else {
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
        Outgoing::Packet(packet) => ws.feed(to_ws(packet)).await,
        Outgoing::Shared(shared) if ws.accepts_encoded() => {
            ws.feed_encoded(shared.frames().clone()).await
        }
        Outgoing::Shared(shared) => feed_messages(ws, shared.messages()).await,
        Outgoing::Messages(messages) => feed_messages(ws, messages).await,
    }
}

async fn feed_messages<S>(ws: &mut WebSocket<S>, messages: &Messages) -> Result<(), wsio_ws::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    for packet in messages.packets() {
        ws.feed(to_ws(&packet)).await?;
    }
    Ok(())
}

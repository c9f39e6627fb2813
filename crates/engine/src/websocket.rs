//! Engine.IO over WebSocket: the 101 answer on hyper, direct sessions, the upgrade of a
//! polling session, and the WebSocket as a [`Carrier`] (one Engine.IO packet per frame).

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use event_proto::engine::Packet;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use ws_frame::Role;
use wsio_ws::{CloseCode, ExtensionPair, Message, WebSocket};

use crate::carrier::{Carrier, Inbound, carry, probe};
use crate::close_reason::CloseReason;
use crate::config::EngineConfig;
use crate::outgoing::{Messages, Outgoing};
use crate::response::{HttpResponse, RefusalReason};
use crate::session::{Session, Transport};
use crate::ws_message::{decode, to_ws};

/// A validated upgrade: the 101 answer and the negotiated compression.
struct Accepted {
    response: HttpResponse,
    extension: Option<ExtensionPair>,
}

/// Checks the RFC 6455 upgrade headers on a hyper request and builds the 101 answer.
fn accept<B>(req: &Request<B>, config: &EngineConfig) -> Result<Accepted, Box<HttpResponse>> {
    if crate::extended_connect::is_extended_connect(req) {
        let (response, extension) = crate::extended_connect::accept_with_threshold(
            req,
            config.deflate,
            config.deflate_threshold,
        )?;
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
        return Err(Box::new(RefusalReason::BadRequest.response(None)));
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
        if let Some(agreed) = agreement
            && let (Ok(pair), Ok(value)) = (
                ExtensionPair::deflate(Role::Server, &agreed.config, config.deflate_threshold),
                HeaderValue::from_str(&agreed.header_value),
            )
        {
            out.insert(header::SEC_WEBSOCKET_EXTENSIONS, value);
            extension = Some(pair);
        }
    }
    Ok(Accepted {
        response,
        extension,
    })
}

/// Marks a 101 answer after which the server writes at once (the open packet of a session
/// opened over WebSocket): the accept loop may hold the answer back and write it together with
/// those first bytes, in one system call. An upgrade's 101 carries no mark: the client speaks
/// first there (`2probe`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct WritesAtOnce;

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
    let mut response = accepted.response;
    if response.status() == StatusCode::SWITCHING_PROTOCOLS {
        response.extensions_mut().insert(WritesAtOnce);
    }
    response
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
            tokio::time::timeout(timeout, probe(&session, &mut ws, Transport::WebSocket)).await,
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

impl<S> Carrier for WebSocket<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Error = wsio_ws::Error;
    const NAME: &'static str = "websocket";

    fn poll_inbound(&mut self, cx: &mut Context<'_>) -> Poll<Inbound> {
        self.poll_recv(cx).map(|received| match received {
            Some(Ok(message)) if message.is_data() => match decode(message) {
                Some(packet) => Inbound::Packet(packet),
                None => Inbound::Failed(CloseReason::ParseError),
            },
            Some(Ok(_)) => Inbound::Other,
            Some(Err(e)) => Inbound::Failed(read_error_reason(&e)),
            None => Inbound::End,
        })
    }

    async fn feed(&mut self, item: &Outgoing) -> Result<(), wsio_ws::Error> {
        match item {
            Outgoing::Packet(packet) => WebSocket::feed(self, to_ws(packet)).await,
            Outgoing::Shared(shared) if self.accepts_encoded() => {
                self.feed_encoded(shared.frames().clone()).await
            }
            Outgoing::Shared(shared) => feed_messages(self, shared.messages()).await,
            Outgoing::Messages(messages) => feed_messages(self, messages).await,
        }
    }

    async fn flush(&mut self) -> Result<(), wsio_ws::Error> {
        WebSocket::flush(self).await
    }

    async fn end(mut self) {
        let _ = WebSocket::close(&mut self, CloseCode::NORMAL, "").await;
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

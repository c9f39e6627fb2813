//! HTTP long-polling: the held GET that drains the queue, and the POST that feeds the session.

use std::sync::Arc;

use bytes::Bytes;
use event_proto::engine::{Packet, PayloadBuilder, decode_payload};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;

use crate::close_reason::CloseReason;
use crate::response::{HttpResponse, RefusalReason, text_response};
use crate::session::Session;

/// A GET: waits for data (or a heartbeat ping), then answers with as many queued packets as
/// fit in `max_payload`. A second GET while one is pending closes the session. While a
/// probed WebSocket finishes an upgrade, a GET with nothing to send is answered with a noop
/// (`6`) at once.
///
/// Once the session is closed, the answer ends with a close packet (`1`) when the server
/// closed it (ping timeout, slow consumer, server disconnect); when the client closed it
/// with its own close packet, the pending GET is released with a noop (`6`), as the
/// reference does.
///
/// A GET whose HTTP connection goes away while it is held (the client's process died, its
/// page was closed, its network dropped the connection) is dropped by the HTTP server
/// before it answers; the session then ends at once with `transport error`, as the
/// reference ends it, instead of lingering until the heartbeat gives up on it.
pub(crate) async fn get(session: &Arc<Session>, max_payload: usize) -> HttpResponse {
    if session.transport().is_upgraded() {
        return RefusalReason::BadRequest.response(None);
    }
    let Ok(mut queue) = session.queue.try_lock() else {
        session.close(CloseReason::TransportError);
        return RefusalReason::BadRequest.response(None);
    };
    if queue.carry.is_none() && !session.is_closed() {
        let held = HeldPoll(Some(session));
        tokio::select! {
            // An item, or nothing once the session is closed.
            item = session.next_or_closed(&mut queue) => queue.carry = item,
            // An upgrade in progress: the client is to stop polling.
            () = session.polling_paused() => {
                held.release();
                return text_response(Bytes::from_static(b"6"));
            }
        }
        held.release();
    }
    let mut body = PayloadBuilder::new(max_payload);
    // Bytes written so far; each packet is counted with a separator, a slight overestimate.
    let mut used = 0usize;
    while let Some(item) = session.try_next(&mut queue) {
        let packets = item.packets();
        let cost = packets
            .iter()
            .map(|p| body.cost(p).saturating_add(1))
            .fold(0usize, usize::saturating_add);
        if !body.is_empty() && used.saturating_add(cost) > max_payload {
            queue.carry = Some(item);
            break;
        }
        used = used.saturating_add(cost);
        for packet in &packets {
            body.push(packet);
        }
    }
    if session.is_closed() && queue.carry.is_none() && !closed_by_client(session) {
        body.push(&Packet::Close);
    }
    if body.is_empty() {
        body.push(&Packet::Noop);
    }
    text_response(body.finish())
}

/// A GET held open for the client. Dropped while still held (the request's connection
/// closed before it was answered), it closes the session.
struct HeldPoll<'a>(Option<&'a Session>);

impl HeldPoll<'_> {
    /// The GET is being answered: nothing to close.
    fn release(mut self) {
        self.0 = None;
    }
}

impl Drop for HeldPoll<'_> {
    fn drop(&mut self) {
        if let Some(session) = self.0.take() {
            session.close(CloseReason::TransportError);
        }
    }
}

/// True when the client ended the session with a close packet: over polling, that is the
/// only way a session closes with `transport close`.
fn closed_by_client(session: &Session) -> bool {
    session.close_reason() == Some(CloseReason::TransportClose)
}

/// A POST: reads at most `max_payload` bytes, decodes the packets and hands them over. A
/// body still incomplete when the session closes is given up: the request is refused and its
/// connection, whose body is left unread, closed.
pub(crate) async fn post(
    session: &Arc<Session>,
    req: Request<Incoming>,
    max_payload: usize,
) -> HttpResponse {
    if session.transport().is_upgraded() {
        return RefusalReason::BadRequest.response(None);
    }
    let Ok(_guard) = session.post.try_lock() else {
        session.close(CloseReason::TransportError);
        return RefusalReason::BadRequest.response(None);
    };
    let declared = req
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max_payload as u64) {
        return too_large(session);
    }
    // A body that stops coming holds the request only as long as its session lives: the
    // heartbeat ends a session whose client stalled, and the request with it.
    let body = tokio::select! {
        biased;
        read = Limited::new(req.into_body(), max_payload).collect() => match read {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return too_large(session),
        },
        _ = session.closed() => return RefusalReason::BadRequest.response(None),
    };
    let packets = match decode_payload(body, max_payload) {
        Ok(packets) => packets,
        Err(_) => {
            session.close(CloseReason::ParseError);
            return RefusalReason::BadRequest.response(None);
        }
    };
    for packet in packets {
        session.receive(packet).await;
    }
    let mut response = text_response(Bytes::from_static(b"ok"));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html"),
    );
    response
}

fn too_large(session: &Session) -> HttpResponse {
    session.close(CloseReason::TransportError);
    let mut response = HttpResponse::new(Full::new(Bytes::from_static(b"payload too large")));
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    RefusalReason::PayloadTooLarge.mark(&mut response);
    response
}

//! The engine's HTTP answers: plain text, 404, and the Engine.IO error answers
//! (`{"code":N,"message":"..."}` with 400 or 403).

use std::fmt;

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::Full;

/// The body type of every answer.
pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// A plain-text answer with status 200.
pub(crate) fn text_response(body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    response
}

/// 404, for requests outside the Engine.IO path.
pub(crate) fn not_found() -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from_static(b"Not Found")));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// Why the engine refused a request to its path, as
/// [`EngineStats::refused`](crate::EngineStats::refused) counts them: the reference's request
/// error codes, and a polling body too large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalReason {
    /// The `transport` query parameter names no transport the engine serves (code 0).
    UnknownTransport,
    /// The `sid` names no live session (code 1).
    UnknownSid,
    /// A handshake that is not a GET (code 2).
    BadHandshakeMethod,
    /// A request that does not fit the session's state or the protocol: a second concurrent
    /// poll, an invalid WebSocket upgrade, a malformed body (code 3).
    BadRequest,
    /// The `allow_request` hook refused the request (code 4).
    Forbidden,
    /// `EIO` is missing or not 4 (code 5).
    UnsupportedProtocolVersion,
    /// A polling body longer than `max_payload` (answered 413; the session closes).
    PayloadTooLarge,
}

impl RefusalReason {
    /// Every reason, in the order of
    /// [`EngineStats::requests_refused_by_reason`](crate::EngineStats::requests_refused_by_reason).
    pub const ALL: [RefusalReason; 7] = [
        RefusalReason::UnknownTransport,
        RefusalReason::UnknownSid,
        RefusalReason::BadHandshakeMethod,
        RefusalReason::BadRequest,
        RefusalReason::Forbidden,
        RefusalReason::UnsupportedProtocolVersion,
        RefusalReason::PayloadTooLarge,
    ];

    /// A short lowercase name for the reason, e.g. `"unknown sid"` (the `reason` label of
    /// the `wsio_requests_refused_total` metric).
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::UnknownTransport => "unknown transport",
            RefusalReason::UnknownSid => "unknown sid",
            RefusalReason::BadHandshakeMethod => "bad handshake method",
            RefusalReason::BadRequest => "bad request",
            RefusalReason::Forbidden => "forbidden",
            RefusalReason::UnsupportedProtocolVersion => "unsupported protocol version",
            RefusalReason::PayloadTooLarge => "payload too large",
        }
    }

    /// The position of the reason in [`RefusalReason::ALL`].
    pub(crate) fn slot(self) -> usize {
        self as usize
    }

    /// The reason an error answer carries (see [`mark`]), taken off it; `BadRequest` for an
    /// error answer without one.
    pub(crate) fn take(response: &mut HttpResponse) -> RefusalReason {
        response
            .extensions_mut()
            .remove::<RefusalReason>()
            .unwrap_or(RefusalReason::BadRequest)
    }

    /// Marks `response` as a refusal for this reason, for the engine to count.
    pub(crate) fn mark(self, response: &mut HttpResponse) {
        response.extensions_mut().insert(self);
    }

    /// The numeric code of the JSON body.
    pub(crate) fn code(self) -> u8 {
        match self {
            RefusalReason::UnknownTransport => 0,
            RefusalReason::UnknownSid => 1,
            RefusalReason::BadHandshakeMethod => 2,
            RefusalReason::BadRequest => 3,
            RefusalReason::Forbidden => 4,
            RefusalReason::UnsupportedProtocolVersion => 5,
            // Answered by its own 413 (no code in the reference); `BadRequest`'s if asked.
            RefusalReason::PayloadTooLarge => 3,
        }
    }

    /// The reference's message for the code.
    pub(crate) fn message(self) -> &'static str {
        match self {
            RefusalReason::UnknownTransport => "Transport unknown",
            RefusalReason::UnknownSid => "Session ID unknown",
            RefusalReason::BadHandshakeMethod => "Bad handshake method",
            RefusalReason::BadRequest => "Bad request",
            RefusalReason::Forbidden => "Forbidden",
            RefusalReason::UnsupportedProtocolVersion => "Unsupported protocol version",
            RefusalReason::PayloadTooLarge => "Payload too large",
        }
    }

    /// The HTTP answer, with `message` replacing the default text when given.
    pub(crate) fn response(self, message: Option<&str>) -> HttpResponse {
        tracing::debug!(
            code = self.code(),
            why = message.unwrap_or(self.message()),
            "engine.io request refused"
        );
        let status = match self {
            RefusalReason::Forbidden => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = serde_json::json!({
            "code": self.code(),
            "message": message.unwrap_or(self.message()),
        });
        let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
        *response.status_mut() = status;
        self.mark(&mut response);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_and_statuses() {
        let r = RefusalReason::UnknownSid.response(None);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = RefusalReason::Forbidden.response(Some("nope"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(RefusalReason::UnsupportedProtocolVersion.code(), 5);
    }
}

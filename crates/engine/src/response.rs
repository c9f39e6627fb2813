//! The engine's HTTP answers: plain text, 404, and the Engine.IO error answers
//! (`{"code":N,"message":"..."}` with 400 or 403).

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

/// The reference's request error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestError {
    /// 0: the `transport` query parameter names no transport we serve.
    UnknownTransport,
    /// 1: the `sid` names no live session.
    UnknownSid,
    /// 2: a handshake must be a GET.
    BadHandshakeMethod,
    /// 3: the request does not fit the session's state.
    BadRequest,
    /// 4: the `allow_request` hook refused the request.
    Forbidden,
    /// 5: `EIO` is missing or not 4.
    UnsupportedProtocolVersion,
}

impl RequestError {
    /// The numeric code of the JSON body.
    pub(crate) fn code(self) -> u8 {
        match self {
            RequestError::UnknownTransport => 0,
            RequestError::UnknownSid => 1,
            RequestError::BadHandshakeMethod => 2,
            RequestError::BadRequest => 3,
            RequestError::Forbidden => 4,
            RequestError::UnsupportedProtocolVersion => 5,
        }
    }

    /// The reference's message for the code.
    pub(crate) fn message(self) -> &'static str {
        match self {
            RequestError::UnknownTransport => "Transport unknown",
            RequestError::UnknownSid => "Session ID unknown",
            RequestError::BadHandshakeMethod => "Bad handshake method",
            RequestError::BadRequest => "Bad request",
            RequestError::Forbidden => "Forbidden",
            RequestError::UnsupportedProtocolVersion => "Unsupported protocol version",
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
            RequestError::Forbidden => StatusCode::FORBIDDEN,
            _ => StatusCode::BAD_REQUEST,
        };
        let body = serde_json::json!({
            "code": self.code(),
            "message": message.unwrap_or(self.message()),
        });
        let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_and_statuses() {
        let r = RequestError::UnknownSid.response(None);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = RequestError::Forbidden.response(Some("nope"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(RequestError::UnsupportedProtocolVersion.code(), 5);
    }
}

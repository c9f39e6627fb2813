//! The Engine.IO HTTP error answers: `{"code":N,"message":"..."}` with 400 or 403.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use http_body_util::Full;

/// The reference's request error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineError {
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

impl EngineError {
    /// The numeric code of the JSON body.
    pub fn code(self) -> u8 {
        match self {
            EngineError::UnknownTransport => 0,
            EngineError::UnknownSid => 1,
            EngineError::BadHandshakeMethod => 2,
            EngineError::BadRequest => 3,
            EngineError::Forbidden => 4,
            EngineError::UnsupportedProtocolVersion => 5,
        }
    }

    /// The reference's message for the code.
    pub fn message(self) -> &'static str {
        match self {
            EngineError::UnknownTransport => "Transport unknown",
            EngineError::UnknownSid => "Session ID unknown",
            EngineError::BadHandshakeMethod => "Bad handshake method",
            EngineError::BadRequest => "Bad request",
            EngineError::Forbidden => "Forbidden",
            EngineError::UnsupportedProtocolVersion => "Unsupported protocol version",
        }
    }

    /// The HTTP answer, with `message` replacing the default text when given.
    pub fn response(self, message: Option<&str>) -> Response<Full<Bytes>> {
        let status = match self {
            EngineError::Forbidden => StatusCode::FORBIDDEN,
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
        let r = EngineError::UnknownSid.response(None);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = EngineError::Forbidden.response(Some("nope"));
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(EngineError::UnsupportedProtocolVersion.code(), 5);
    }
}

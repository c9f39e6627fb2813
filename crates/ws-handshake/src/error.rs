//! The one error type of the crate, with the HTTP status each failure answers.

/// Everything that can go wrong while parsing, validating, answering or verifying a handshake.
///
/// Failures caused by the peer's request carry the status a server should answer with
/// ([`Error::status`]); [`Error::response`] builds that answer. Failures met while verifying a
/// server's response (client side) report 502, and misuse of the building APIs reports 500: in
/// both cases there is nobody to answer, the status only classifies the failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The header block grew past [`Limits::max_header_bytes`](crate::Limits) before it ended.
    #[error("header block larger than {limit} bytes")]
    HeaderBlockTooLarge {
        /// The configured limit, in bytes.
        limit: usize,
    },
    /// The header block holds more fields than [`Limits::max_headers`](crate::Limits).
    #[error("more than {limit} header fields")]
    TooManyHeaders {
        /// The configured limit, in fields.
        limit: usize,
    },
    /// The request line or a header field of the request is not HTTP/1.x syntax.
    #[error("malformed HTTP request: {0}")]
    MalformedRequest(httparse::Error),
    /// The method is not `GET`.
    #[error("method must be GET")]
    MethodNotGet,
    /// An RFC 8441 extended CONNECT whose method is not `CONNECT`.
    #[error("method must be CONNECT")]
    MethodNotConnect,
    /// An RFC 8441 extended CONNECT whose `:protocol` is missing or not `websocket`.
    #[error(":protocol must be websocket")]
    ProtocolNotWebSocket,
    /// The request is older than HTTP/1.1.
    #[error("HTTP/1.1 or later is required")]
    HttpVersion,
    /// `Host` is missing or repeated.
    #[error("exactly one Host header is required")]
    BadHost,
    /// `Upgrade` does not list `websocket`.
    #[error("Upgrade header does not list websocket")]
    NotWebSocketUpgrade,
    /// `Connection` does not list `upgrade`.
    #[error("Connection header does not list upgrade")]
    NoConnectionUpgrade,
    /// `Sec-WebSocket-Version` is missing, repeated or not `13`.
    #[error("Sec-WebSocket-Version must be 13")]
    UnsupportedVersion,
    /// `Sec-WebSocket-Key` is missing, repeated, or does not decode to 16 bytes.
    #[error("Sec-WebSocket-Key must be base64 of 16 bytes")]
    BadKey,
    /// `Sec-WebSocket-Extensions` or `Sec-WebSocket-Protocol` is not valid list syntax.
    #[error("malformed {header} header")]
    MalformedHeaderList {
        /// The header whose value failed to parse.
        header: &'static str,
    },
    /// A header name or value to be written contains CR, LF, NUL or (in a name) a non-token byte.
    #[error("header {name:?} cannot be written safely")]
    UnsafeHeader {
        /// The offending name (lossy), for diagnostics.
        name: String,
    },
    /// A subprotocol to offer or to accept is not an HTTP token.
    #[error("subprotocol {0:?} is not a token")]
    InvalidSubprotocol(String),
    /// The server chose a subprotocol that the client did not offer.
    #[error("subprotocol {0:?} was not offered by the client")]
    SubprotocolNotOffered(String),
    /// The operating system's random source failed while generating a key.
    #[error("random source failed")]
    Random,
    /// The response status line or a header field is not HTTP/1.x syntax.
    #[error("malformed HTTP response: {0}")]
    MalformedResponse(httparse::Error),
    /// A list header of the response (`Sec-WebSocket-Extensions`, `Sec-WebSocket-Protocol`) is
    /// not valid list syntax.
    #[error("malformed {header} header in the response")]
    MalformedResponseHeader {
        /// The header whose value failed to parse.
        header: &'static str,
    },
    /// The server answered with a status other than 101.
    #[error("server answered {status} instead of 101")]
    NotSwitching {
        /// The status the server sent.
        status: u16,
    },
    /// The response lacks `Upgrade: websocket` or `Connection: upgrade`.
    #[error("response does not confirm the websocket upgrade")]
    UpgradeNotConfirmed,
    /// `Sec-WebSocket-Accept` is missing or does not match the key sent.
    #[error("Sec-WebSocket-Accept does not match the key")]
    BadAccept,
    /// The server selected a subprotocol the client did not offer, or more than one.
    #[error("server selected a subprotocol that was not offered")]
    UnofferedSubprotocol,
    /// The server accepted an extension the client did not offer.
    #[error("server accepted an extension that was not offered")]
    UnofferedExtension,
    /// The server's permessage-deflate parameters break RFC 7692 or the client's offer.
    #[error("permessage-deflate response rejected: {0}")]
    BadDeflateResponse(&'static str),
}

impl Error {
    /// The HTTP status to answer: 400, 426 or 431 for request failures, 500 for local misuse,
    /// 502 for a server response that fails verification.
    pub fn status(&self) -> u16 {
        match self {
            Error::HeaderBlockTooLarge { .. } | Error::TooManyHeaders { .. } => 431,
            Error::MalformedRequest(_)
            | Error::MethodNotGet
            | Error::MethodNotConnect
            | Error::ProtocolNotWebSocket
            | Error::HttpVersion
            | Error::BadHost
            | Error::NotWebSocketUpgrade
            | Error::NoConnectionUpgrade
            | Error::BadKey
            | Error::MalformedHeaderList { .. } => 400,
            Error::UnsupportedVersion => 426,
            Error::UnsafeHeader { .. }
            | Error::InvalidSubprotocol(_)
            | Error::SubprotocolNotOffered(_)
            | Error::Random => 500,
            Error::MalformedResponse(_)
            | Error::MalformedResponseHeader { .. }
            | Error::NotSwitching { .. }
            | Error::UpgradeNotConfirmed
            | Error::BadAccept
            | Error::UnofferedSubprotocol
            | Error::UnofferedExtension
            | Error::BadDeflateResponse(_) => 502,
        }
    }

    /// The complete rejection response for this failure: status line, `Content-Length`,
    /// `Connection: close`, a one-line text body, and for 426 the `Sec-WebSocket-Version: 13`
    /// header that tells the client which version to retry with.
    pub fn response(&self) -> Vec<u8> {
        crate::response::error_response(self)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_by_side() {
        assert_eq!(Error::TooManyHeaders { limit: 1 }.status(), 431);
        assert_eq!(Error::BadKey.status(), 400);
        assert_eq!(Error::UnsupportedVersion.status(), 426);
        assert_eq!(Error::Random.status(), 500);
        assert_eq!(Error::BadAccept.status(), 502);
    }

    #[test]
    fn version_rejection_names_the_supported_version() {
        let text = String::from_utf8(Error::UnsupportedVersion.response()).unwrap_or_default();
        assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    }
}

//! Writing responses: `101 Switching Protocols` and rejections, with every caller-supplied
//! header checked against injection.

use crate::error::{Error, Result};
use crate::token_list::is_token;

/// Checks a header about to be written: the name must be a token, the value free of CR, LF and
/// NUL (which would end the field early or smuggle a new one).
pub(crate) fn check_header(name: &str, value: &str) -> Result<()> {
    if is_token(name.as_bytes()) && !value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        Ok(())
    } else {
        Err(Error::UnsafeHeader {
            name: name.to_owned(),
        })
    }
}

/// Appends `name: value\r\n`. Callers check the field first when it comes from outside.
pub(crate) fn push_header(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Checks then appends every extra header.
pub(crate) fn push_extra_headers(out: &mut Vec<u8>, extra: &[(&str, &str)]) -> Result<()> {
    for (name, value) in extra {
        check_header(name, value)?;
        push_header(out, name, value);
    }
    Ok(())
}

/// The `101 Switching Protocols` response.
pub(crate) fn switching_protocols(
    accept: &str,
    subprotocol: Option<&str>,
    extensions: Option<&str>,
    extra_headers: &[(&str, &str)],
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\n");
    push_header(&mut out, "Upgrade", "websocket");
    push_header(&mut out, "Connection", "Upgrade");
    push_header(&mut out, "Sec-WebSocket-Accept", accept);
    if let Some(protocol) = subprotocol {
        push_header(&mut out, "Sec-WebSocket-Protocol", protocol);
    }
    if let Some(extensions) = extensions {
        push_header(&mut out, "Sec-WebSocket-Extensions", extensions);
    }
    push_extra_headers(&mut out, extra_headers)?;
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

/// A complete response refusing the upgrade: status line, the extra headers,
/// `Content-Type: text/plain`, `Content-Length`, `Connection: close`, then `body`.
///
/// Statuses outside 200..=599 are written as 500, since a refusal must be a final response.
///
/// ```
/// let bytes = ws_handshake::reject(403, "origin not allowed\n", &[]).unwrap();
/// assert!(bytes.starts_with(b"HTTP/1.1 403 Forbidden\r\n"));
/// assert!(bytes.ends_with(b"Connection: close\r\n\r\norigin not allowed\n"));
/// ```
///
/// # Errors
/// [`Error::UnsafeHeader`] if an extra header has a non-token name or a CR, LF or NUL in its
/// value.
pub fn reject(status: u16, body: &str, extra_headers: &[(&str, &str)]) -> Result<Vec<u8>> {
    let status = if (200..=599).contains(&status) {
        status
    } else {
        500
    };
    let mut out = Vec::with_capacity(128 + body.len());
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
    push_extra_headers(&mut out, extra_headers)?;
    push_header(&mut out, "Content-Type", "text/plain; charset=utf-8");
    push_header(&mut out, "Content-Length", &body.len().to_string());
    push_header(&mut out, "Connection", "close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
    Ok(out)
}

/// The rejection answering `error`, see [`Error::response`].
pub(crate) fn error_response(error: &Error) -> Vec<u8> {
    let body = format!("{error}\n");
    let version: &[(&str, &str)] = &[("Sec-WebSocket-Version", "13")];
    let extra = if matches!(error, Error::UnsupportedVersion) {
        version
    } else {
        &[]
    };
    // The only extra header is a constant, valid one; the fallback is never taken.
    reject(error.status(), &body, extra).unwrap_or_default()
}

/// The reason phrase written after `status` (empty for statuses without a common one, which
/// HTTP allows).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::RFC_RESPONSE;

    #[test]
    fn rfc_response_byte_exact() {
        let bytes = switching_protocols("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Some("chat"), None, &[]);
        assert_eq!(bytes.as_deref(), Ok(RFC_RESPONSE));
    }

    #[test]
    fn rejection_byte_exact() {
        let bytes = reject(400, "bad\n", &[("X-Reason", "key")]);
        let expected = b"HTTP/1.1 400 Bad Request\r\n\
X-Reason: key\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Length: 4\r\n\
Connection: close\r\n\r\nbad\n";
        assert_eq!(bytes.as_deref(), Ok(&expected[..]));
    }

    #[test]
    fn any_final_status() {
        let bytes = reject(418, "", &[]).unwrap_or_default();
        assert!(bytes.starts_with(b"HTTP/1.1 418 \r\n"));
        let bytes = reject(101, "", &[]).unwrap_or_default();
        assert!(bytes.starts_with(b"HTTP/1.1 500 Internal Server Error\r\n"));
    }

    #[test]
    fn injection_is_refused() {
        for (name, value) in [
            ("X-A", "1\r\nSet-Cookie: x"),
            ("X-A", "1\n"),
            ("X-A", "a\0b"),
            ("X-A\r\n", "1"),
            ("X A", "1"),
            ("", "1"),
            ("X:A", "1"),
        ] {
            assert_eq!(
                reject(400, "", &[(name, value)]),
                Err(Error::UnsafeHeader {
                    name: name.to_owned()
                })
            );
            assert!(switching_protocols("k", None, None, &[(name, value)]).is_err());
        }
    }

    #[test]
    fn error_responses_by_status() {
        let too_large = error_response(&Error::TooManyHeaders { limit: 64 });
        assert!(too_large.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        let bad_key = String::from_utf8(error_response(&Error::BadKey)).unwrap_or_default();
        assert!(bad_key.starts_with("HTTP/1.1 400 Bad Request\r\n"));
        assert!(!bad_key.contains("Sec-WebSocket-Version"));
        assert!(bad_key.ends_with("\r\n\r\nSec-WebSocket-Key must be base64 of 16 bytes\n"));
    }
}

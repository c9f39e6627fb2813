//! The server side's view of an opening request: incremental parsing under limits, and access
//! to the request line and header fields.

use std::ops::Range;

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::head_parse::{field_spans, parse_head, span_of};
use crate::headers::{FieldSpan, Headers};
use crate::limits::Limits;

/// A parsed HTTP/1.x request head, not yet validated as a WebSocket upgrade.
///
/// Everything a server needs before deciding to accept is here: method, path, query, `Host`,
/// `Origin` and every header field. [`Request::validate`] checks it against RFC 6455 §4.2.1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    headers: Headers,
    method: Range<usize>,
    target: Range<usize>,
    minor_version: u8,
}

/// Positions found by a parse, before the head's bytes are taken from the buffer.
struct RequestSpans {
    method: Range<usize>,
    target: Range<usize>,
    minor_version: u8,
    fields: Vec<FieldSpan>,
}

impl Request {
    /// Parses the request head at the start of `buf`, the bytes received so far.
    ///
    /// Returns `Ok(None)` while the head is incomplete: read more, append, call again with the
    /// whole buffer. Once complete, the head is copied out and [`Request::head_len`] says how
    /// many bytes of `buf` it took; bytes after it (frames sent early) belong to the caller.
    /// [`Request::parse_buf`] avoids the copy.
    ///
    /// # Errors
    /// [`Error::HeaderBlockTooLarge`] or [`Error::TooManyHeaders`] (431) past `limits`;
    /// [`Error::MalformedRequest`] (400) if the bytes are not an HTTP request.
    pub fn parse(buf: &[u8], limits: &Limits) -> Result<Option<Request>> {
        Ok(parse_spans(buf, limits)?.and_then(|(len, spans)| {
            let head = Bytes::copy_from_slice(buf.get(..len)?);
            Some(spans.into_request(head))
        }))
    }

    /// Like [`Request::parse`], but a complete head is split off the front of `buf` without
    /// copying; what remains in `buf` is whatever followed the head. An incomplete head leaves
    /// `buf` untouched.
    ///
    /// # Errors
    /// As [`Request::parse`].
    pub fn parse_buf(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Request>> {
        Ok(parse_spans(buf, limits)?.map(|(len, spans)| {
            let head = buf.split_to(len.min(buf.len())).freeze();
            spans.into_request(head)
        }))
    }

    /// How many bytes the head took, final blank line included.
    pub fn head_len(&self) -> usize {
        self.headers.head().len()
    }

    /// The method, e.g. `GET`.
    pub fn method(&self) -> &str {
        self.headers.text(&self.method)
    }

    /// The request target as sent: path and query, e.g. `/chat?room=1`.
    pub fn target(&self) -> &str {
        self.headers.text(&self.target)
    }

    /// The path part of the target (before any `?`).
    pub fn path(&self) -> &str {
        let target = self.target();
        target.split_once('?').map_or(target, |(path, _)| path)
    }

    /// The query part of the target (after the first `?`), if there is one.
    pub fn query(&self) -> Option<&str> {
        self.target().split_once('?').map(|(_, query)| query)
    }

    /// The minor HTTP version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub fn http_minor_version(&self) -> u8 {
        self.minor_version
    }

    /// The `Host` header, if present and UTF-8.
    pub fn host(&self) -> Option<&str> {
        self.headers.get_str("host")
    }

    /// The `Origin` header, which browsers always send: check it against an allow-list before
    /// accepting a connection that carries cookies.
    pub fn origin(&self) -> Option<&str> {
        self.headers.get_str("origin")
    }

    /// Every header field, with case-insensitive lookup and repeated fields kept.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }
}

impl RequestSpans {
    fn into_request(self, head: Bytes) -> Request {
        Request {
            headers: Headers::new(head, self.fields),
            method: self.method,
            target: self.target,
            minor_version: self.minor_version,
        }
    }
}

fn parse_spans(buf: &[u8], limits: &Limits) -> Result<Option<(usize, RequestSpans)>> {
    parse_head(buf, limits, Error::MalformedRequest, |window, slots| {
        let mut request = httparse::Request::new(slots);
        let len = match request.parse(window)? {
            httparse::Status::Partial => return Ok(None),
            httparse::Status::Complete(len) => len,
        };
        let (Some(method), Some(target), Some(minor_version)) =
            (request.method, request.path, request.version)
        else {
            return Err(httparse::Error::Token);
        };
        let spans = RequestSpans {
            method: span_of(window, method.as_bytes()),
            target: span_of(window, target.as_bytes()),
            minor_version,
            fields: field_spans(window, request.headers),
        };
        Ok(Some((len, spans)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::RFC_REQUEST;

    fn parse_all(bytes: &[u8]) -> Request {
        match Request::parse(bytes, &Limits::default()) {
            Ok(Some(request)) => request,
            other => panic!("expected a complete request, got {other:?}"),
        }
    }

    #[test]
    fn rfc_request_fields() {
        let request = parse_all(RFC_REQUEST);
        assert_eq!(request.method(), "GET");
        assert_eq!(request.path(), "/chat");
        assert_eq!(request.query(), None);
        assert_eq!(request.http_minor_version(), 1);
        assert_eq!(request.host(), Some("server.example.com"));
        assert_eq!(request.origin(), Some("http://example.com"));
        assert_eq!(request.headers().len(), 7);
        assert_eq!(request.head_len(), RFC_REQUEST.len());
    }

    #[test]
    fn path_and_query() {
        let request = parse_all(b"GET /a/b?x=1&y=?2 HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(request.target(), "/a/b?x=1&y=?2");
        assert_eq!(request.path(), "/a/b");
        assert_eq!(request.query(), Some("x=1&y=?2"));
    }

    #[test]
    fn incomplete_needs_more() {
        for cut in 0..RFC_REQUEST.len() {
            let partial = RFC_REQUEST.get(..cut).unwrap_or_default();
            assert_eq!(
                Request::parse(partial, &Limits::default()),
                Ok(None),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn trickled_one_byte_at_a_time_gives_the_same_request() {
        let whole = Request::parse(RFC_REQUEST, &Limits::default());
        let mut buf = BytesMut::new();
        let mut result = Ok(None);
        for byte in RFC_REQUEST {
            assert_eq!(result, Ok(None));
            buf.extend_from_slice(&[*byte]);
            result = Request::parse_buf(&mut buf, &Limits::default());
        }
        assert_eq!(result, whole);
        assert!(buf.is_empty());
    }

    #[test]
    fn trailing_frame_bytes_stay_in_the_buffer() {
        let mut buf = BytesMut::from(RFC_REQUEST);
        buf.extend_from_slice(b"\x81\x85early");
        let request = Request::parse_buf(&mut buf, &Limits::default());
        assert!(matches!(request, Ok(Some(_))));
        assert_eq!(&buf[..], b"\x81\x85early");
    }

    #[test]
    fn incomplete_leaves_buffer_untouched() {
        let mut buf = BytesMut::from(&RFC_REQUEST[..40]);
        assert_eq!(Request::parse_buf(&mut buf, &Limits::default()), Ok(None));
        assert_eq!(buf.len(), 40);
    }

    #[test]
    fn header_bytes_limit_answers_431() {
        let limits = Limits {
            max_header_bytes: 64,
            ..Limits::default()
        };
        let err = Request::parse(RFC_REQUEST, &limits).err();
        assert_eq!(err, Some(Error::HeaderBlockTooLarge { limit: 64 }));
        assert_eq!(err.map(|e| e.status()), Some(431));
        // Also while still incomplete: the limit is checked before the end arrives.
        let err = Request::parse(&RFC_REQUEST[..100], &limits).err();
        assert_eq!(err, Some(Error::HeaderBlockTooLarge { limit: 64 }));
    }

    #[test]
    fn exact_size_limit_is_accepted() {
        let limits = Limits {
            max_header_bytes: RFC_REQUEST.len(),
            ..Limits::default()
        };
        assert!(matches!(Request::parse(RFC_REQUEST, &limits), Ok(Some(_))));
    }

    #[test]
    fn header_count_limit_answers_431() {
        let limits = Limits {
            max_headers: 3,
            ..Limits::default()
        };
        let err = Request::parse(RFC_REQUEST, &limits).err();
        assert_eq!(err, Some(Error::TooManyHeaders { limit: 3 }));
        assert_eq!(err.map(|e| e.status()), Some(431));
    }

    #[test]
    fn many_headers_above_the_stack_slots() {
        let mut text = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..100 {
            text.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        text.extend_from_slice(b"\r\n");
        let limits = Limits {
            max_headers: 100,
            max_header_bytes: 4096,
        };
        let parsed = Request::parse(&text, &limits);
        assert!(matches!(parsed, Ok(Some(ref r)) if r.headers().len() == 100));
        let limits = Limits {
            max_headers: 99,
            max_header_bytes: 4096,
        };
        assert_eq!(
            Request::parse(&text, &limits),
            Err(Error::TooManyHeaders { limit: 99 })
        );
    }

    #[test]
    fn not_http_answers_400() {
        for bad in [
            &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
            b"GET /chat SPDY/3\r\n\r\n",
            b"GET /chat HTTP/1.1\r\nBad Header\r\n\r\n",
            b"GET /chat HTTP/1.1\r\nName: va\x00lue\r\n\r\n",
        ] {
            let err = Request::parse(bad, &Limits::default()).err();
            assert!(matches!(err, Some(Error::MalformedRequest(_))), "{bad:?}");
            assert_eq!(err.map(|e| e.status()), Some(400));
        }
    }
}

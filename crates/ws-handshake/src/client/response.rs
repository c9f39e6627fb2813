//! The client's view of the server's answer: incremental parsing under limits.

use bytes::{Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::head_parse::{field_spans, parse_head};
use crate::headers::{FieldSpan, Headers};
use crate::limits::Limits;

/// A parsed HTTP/1.x response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    status: u16,
    headers: Headers,
}

impl Response {
    /// Parses the response head at the start of `buf`; `Ok(None)` while incomplete. A
    /// complete head is copied out; [`Response::head_len`] says how many bytes it took, and the
    /// bytes after it are the first frames.
    ///
    /// # Errors
    /// [`Error::HeaderBlockTooLarge`], [`Error::TooManyHeaders`] past `limits`;
    /// [`Error::MalformedResponse`] if the bytes are not an HTTP response.
    pub fn parse(buf: &[u8], limits: &Limits) -> Result<Option<Response>> {
        Ok(
            parse_spans(buf, limits)?.and_then(|(len, (status, fields))| {
                let head = Bytes::copy_from_slice(buf.get(..len)?);
                Some(Response {
                    status,
                    headers: Headers::new(head, fields),
                })
            }),
        )
    }

    /// Like [`Response::parse`], but a complete head is split off `buf` without copying,
    /// leaving the bytes that followed it.
    ///
    /// # Errors
    /// As [`Response::parse`].
    pub fn parse_buf(buf: &mut BytesMut, limits: &Limits) -> Result<Option<Response>> {
        Ok(parse_spans(buf, limits)?.map(|(len, (status, fields))| {
            let head = buf.split_to(len.min(buf.len())).freeze();
            Response {
                status,
                headers: Headers::new(head, fields),
            }
        }))
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every header field.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// How many bytes the head took, final blank line included.
    pub fn head_len(&self) -> usize {
        self.headers.head().len()
    }
}

/// A complete response head: its length, status and field positions.
type ParsedHead = (usize, (u16, Vec<FieldSpan>));

fn parse_spans(buf: &[u8], limits: &Limits) -> Result<Option<ParsedHead>> {
    parse_head(buf, limits, Error::MalformedResponse, |window, slots| {
        let mut response = httparse::Response::new(slots);
        let len = match response.parse(window)? {
            httparse::Status::Partial => return Ok(None),
            httparse::Status::Complete(len) => len,
        };
        let status = response.code.ok_or(httparse::Error::Status)?;
        Ok(Some((len, (status, field_spans(window, response.headers)))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::RFC_RESPONSE;

    #[test]
    fn rfc_response() {
        let parsed = Response::parse(RFC_RESPONSE, &Limits::default());
        let response = parsed
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("incomplete"));
        assert_eq!(response.status(), 101);
        assert_eq!(
            response.headers().get_str("sec-websocket-protocol"),
            Some("chat")
        );
        assert_eq!(response.head_len(), RFC_RESPONSE.len());
    }

    #[test]
    fn incomplete_then_complete_with_trailing_frame() {
        let mut buf = BytesMut::from(&RFC_RESPONSE[..RFC_RESPONSE.len() - 1]);
        assert_eq!(Response::parse_buf(&mut buf, &Limits::default()), Ok(None));
        buf.extend_from_slice(b"\n\x88\x00");
        assert!(matches!(
            Response::parse_buf(&mut buf, &Limits::default()),
            Ok(Some(_))
        ));
        assert_eq!(&buf[..], b"\x88\x00");
    }

    #[test]
    fn limits_and_syntax() {
        let small = Limits {
            max_header_bytes: 32,
            ..Limits::default()
        };
        assert_eq!(
            Response::parse(RFC_RESPONSE, &small),
            Err(Error::HeaderBlockTooLarge { limit: 32 })
        );
        assert!(matches!(
            Response::parse(b"HTTP/1.1 abc\r\n\r\n", &Limits::default()),
            Err(Error::MalformedResponse(_))
        ));
    }
}

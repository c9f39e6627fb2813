//! Building the client's opening request.

use crate::accept_key::{accept_key, encode_key};
use crate::error::{Error, Result};
use crate::extension::client::DeflateOffer;
use crate::limits::Limits;
use crate::response::{check_header, push_extra_headers, push_header};
use crate::token_list::is_token;

/// What to put in the opening request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRequest<'a> {
    /// The `Host` value, e.g. `example.com:8080`. No default: must be set.
    pub host: &'a str,
    /// The request target: path and query, e.g. `/chat?room=1`. Default `/`.
    pub target: &'a str,
    /// The `Origin` to send, if any. Default `None` (browsers always send one).
    pub origin: Option<&'a str>,
    /// Subprotocols to offer, most preferred first. Default none.
    pub subprotocols: &'a [&'a str],
    /// The permessage-deflate offer, if any. Default `None`.
    pub deflate: Option<DeflateOffer>,
    /// Extra request headers (`Authorization`, `Cookie`, ...). Default none.
    pub extra_headers: &'a [(&'a str, &'a str)],
    /// Limits applied to the server's response head. Default [`Limits::DEFAULT`].
    pub limits: Limits,
}

impl Default for ClientRequest<'_> {
    fn default() -> Self {
        ClientRequest {
            host: "",
            target: "/",
            origin: None,
            subprotocols: &[],
            deflate: None,
            extra_headers: &[],
            limits: Limits::DEFAULT,
        }
    }
}

/// A request sent and the state needed to verify its answer with
/// [`ClientHandshake::verify`](crate::ClientHandshake::verify).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHandshake {
    pub(crate) key: String,
    pub(crate) expected_accept: String,
    pub(crate) subprotocols: Vec<String>,
    pub(crate) deflate: Option<DeflateOffer>,
    pub(crate) limits: Limits,
}

impl ClientRequest<'_> {
    /// Writes the request with a fresh random key from the operating system; returns the bytes
    /// to send and the handshake state that verifies the response.
    ///
    /// ```
    /// use ws_handshake::{ClientRequest, DeflateOffer};
    ///
    /// let (bytes, handshake) = ClientRequest {
    ///     host: "example.com",
    ///     target: "/chat",
    ///     subprotocols: &["chat"],
    ///     deflate: Some(DeflateOffer::default()),
    ///     ..ClientRequest::default()
    /// }
    /// .build()?;
    /// assert!(bytes.starts_with(b"GET /chat HTTP/1.1\r\nHost: example.com\r\n"));
    ///
    /// // A server answers (here: one that confirms everything).
    /// let answer = format!(
    ///     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    ///      Sec-WebSocket-Accept: {}\r\nSec-WebSocket-Protocol: chat\r\n\
    ///      Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n\x01\x00",
    ///     ws_handshake::accept_key(handshake.key().as_bytes()),
    /// );
    /// // `None` would mean: read more bytes, append them, verify again.
    /// let connected = handshake.verify(answer.as_bytes())?.expect("complete head");
    /// assert_eq!(connected.subprotocol.as_deref(), Some("chat"));
    /// assert!(connected.deflate.is_some());
    /// // The first frame arrived with the head: it starts after `head_len` bytes.
    /// assert_eq!(&answer.as_bytes()[connected.response.head_len()..], b"\x01\x00");
    /// # Ok::<(), ws_handshake::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Random`] if the random source fails; see
    /// [`ClientRequest::build_with_nonce`] for the rest.
    pub fn build(&self) -> Result<(Vec<u8>, ClientHandshake)> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|_| Error::Random)?;
        self.build_with_nonce(nonce)
    }

    /// Writes the request with the key made from `nonce`. Use [`ClientRequest::build`] unless
    /// the nonce must be reproducible (tests); a predictable key weakens the handshake.
    ///
    /// # Errors
    /// [`Error::UnsafeHeader`] if the host, target, origin or an extra header could inject
    /// fields (CR, LF, NUL, and spaces in the target); [`Error::InvalidSubprotocol`] if an
    /// offered subprotocol is not a token.
    pub fn build_with_nonce(&self, nonce: [u8; 16]) -> Result<(Vec<u8>, ClientHandshake)> {
        let target = if self.target.is_empty() {
            "/"
        } else {
            self.target
        };
        if target
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
        {
            return Err(Error::UnsafeHeader {
                name: "request-target".to_owned(),
            });
        }
        check_header("Host", self.host)?;
        if let Some(bad) = self.subprotocols.iter().find(|p| !is_token(p.as_bytes())) {
            return Err(Error::InvalidSubprotocol((*bad).to_owned()));
        }
        let key = encode_key(&nonce);
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(target.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        push_header(&mut out, "Host", self.host);
        push_header(&mut out, "Upgrade", "websocket");
        push_header(&mut out, "Connection", "Upgrade");
        push_header(&mut out, "Sec-WebSocket-Key", &key);
        push_header(&mut out, "Sec-WebSocket-Version", "13");
        if let Some(origin) = self.origin {
            check_header("Origin", origin)?;
            push_header(&mut out, "Origin", origin);
        }
        if !self.subprotocols.is_empty() {
            push_header(
                &mut out,
                "Sec-WebSocket-Protocol",
                &self.subprotocols.join(", "),
            );
        }
        if let Some(deflate) = &self.deflate {
            push_header(
                &mut out,
                "Sec-WebSocket-Extensions",
                &deflate.header_value(),
            );
        }
        push_extra_headers(&mut out, self.extra_headers)?;
        out.extend_from_slice(b"\r\n");
        let handshake = ClientHandshake {
            expected_accept: accept_key(key.as_bytes()),
            key,
            subprotocols: self.subprotocols.iter().map(|p| (*p).to_owned()).collect(),
            deflate: self.deflate,
            limits: self.limits,
        };
        Ok((out, handshake))
    }
}

impl ClientHandshake {
    /// The `Sec-WebSocket-Key` sent.
    pub fn key(&self) -> &str {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nonce behind the RFC 6455 §1.3 key "dGhlIHNhbXBsZSBub25jZQ==".
    const RFC_NONCE: [u8; 16] = *b"the sample nonce";

    #[test]
    fn rfc_request_byte_exact() {
        let built = ClientRequest {
            host: "server.example.com",
            target: "/chat",
            origin: Some("http://example.com"),
            subprotocols: &["chat", "superchat"],
            ..ClientRequest::default()
        }
        .build_with_nonce(RFC_NONCE);
        let expected = b"GET /chat HTTP/1.1\r\n\
Host: server.example.com\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\r\n";
        let (bytes, handshake) = built.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(bytes, expected);
        assert_eq!(handshake.key(), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(handshake.expected_accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn extensions_and_extra_headers() {
        let built = ClientRequest {
            host: "h",
            target: "",
            deflate: Some(DeflateOffer::default()),
            extra_headers: &[("Authorization", "Bearer t")],
            ..ClientRequest::default()
        }
        .build_with_nonce([0; 16]);
        let text = built.map(|(b, _)| String::from_utf8_lossy(&b).into_owned());
        let text = text.unwrap_or_default();
        assert!(text.starts_with("GET / HTTP/1.1\r\n"));
        assert!(text.ends_with(
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
             Authorization: Bearer t\r\n\r\n"
        ));
    }

    #[test]
    fn random_keys_differ() {
        let request = ClientRequest {
            host: "h",
            ..ClientRequest::default()
        };
        let first = request.build().map(|(_, h)| h.key);
        let second = request.build().map(|(_, h)| h.key);
        assert!(first.is_ok());
        assert_ne!(first, second);
    }

    #[test]
    fn injection_is_refused() {
        let base = ClientRequest {
            host: "h",
            ..ClientRequest::default()
        };
        let cases = [
            ClientRequest {
                host: "h\r\nX: y",
                ..base
            },
            ClientRequest {
                target: "/a HTTP/1.1\r\nX: y",
                ..base
            },
            ClientRequest {
                origin: Some("o\n"),
                ..base
            },
            ClientRequest {
                extra_headers: &[("X", "a\0")],
                ..base
            },
        ];
        for case in cases {
            assert!(
                matches!(case.build(), Err(Error::UnsafeHeader { .. })),
                "{case:?}"
            );
        }
        let bad_protocol = ClientRequest {
            subprotocols: &["a b"],
            ..base
        };
        assert_eq!(
            bad_protocol.build().err(),
            Some(Error::InvalidSubprotocol("a b".into()))
        );
    }
}

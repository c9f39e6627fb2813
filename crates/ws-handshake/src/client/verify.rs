//! Verifying the server's answer against the request sent (RFC 6455 §4.1, RFC 7692 §5).

use bytes::BytesMut;

use crate::client::request::ClientHandshake;
use crate::client::response::Response;
use crate::error::{Error, Result};
use crate::extension::client::DeflateOffer;
use crate::extension::deflate::PerMessageDeflateConfig;
use crate::extension::offer::parse_extensions;
use crate::token_list::{contains_token, elements};

/// A verified `101` answer: the connection is a WebSocket from here on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// The response head, for cookies or other headers the application wants.
    pub response: Response,
    /// The subprotocol the server confirmed, if any.
    pub subprotocol: Option<String>,
    /// The permessage-deflate agreement, if the server accepted the offer.
    pub deflate: Option<PerMessageDeflateConfig>,
}

impl ClientHandshake {
    /// Parses and verifies the response at the start of `buf`, the bytes received so far;
    /// `Ok(None)` while the head is incomplete. Bytes after
    /// [`Response::head_len`](crate::Response::head_len) are the first frames.
    ///
    /// # Errors
    /// Parse errors as [`Response::parse`], then [`ClientHandshake::check`]'s.
    pub fn verify(&self, buf: &[u8]) -> Result<Option<Connected>> {
        Response::parse(buf, &self.limits)?
            .map(|response| self.check(response))
            .transpose()
    }

    /// Like [`ClientHandshake::verify`], splitting a complete head off `buf` without copying
    /// and leaving the bytes that followed it.
    ///
    /// # Errors
    /// As [`ClientHandshake::verify`].
    pub fn verify_buf(&self, buf: &mut BytesMut) -> Result<Option<Connected>> {
        Response::parse_buf(buf, &self.limits)?
            .map(|response| self.check(response))
            .transpose()
    }

    /// Verifies a parsed response: status 101, `Upgrade: websocket`, `Connection: upgrade`,
    /// the accept value for the key sent, a subprotocol among those offered, extensions among
    /// those offered.
    ///
    /// # Errors
    /// [`Error::NotSwitching`], [`Error::UpgradeNotConfirmed`], [`Error::BadAccept`],
    /// [`Error::UnofferedSubprotocol`], [`Error::UnofferedExtension`],
    /// [`Error::BadDeflateResponse`] or [`Error::MalformedResponseHeader`].
    pub fn check(&self, response: Response) -> Result<Connected> {
        let headers = response.headers();
        if response.status() != 101 {
            return Err(Error::NotSwitching {
                status: response.status(),
            });
        }
        if !contains_token(headers.get_all("upgrade"), "websocket")
            || !contains_token(headers.get_all("connection"), "upgrade")
        {
            return Err(Error::UpgradeNotConfirmed);
        }
        if !self.accept_matches(&response) {
            return Err(Error::BadAccept);
        }
        let subprotocol = self.confirmed_subprotocol(&response)?;
        let deflate = self.confirmed_extensions(&response)?;
        Ok(Connected {
            response,
            subprotocol,
            deflate,
        })
    }

    /// The permessage-deflate agreement the response announces, checked against the offer.
    fn confirmed_extensions(&self, response: &Response) -> Result<Option<PerMessageDeflateConfig>> {
        confirmed_deflate(
            self.deflate.as_ref(),
            response.headers().get_all("sec-websocket-extensions"),
        )
    }

    /// Whether the response carries exactly one `Sec-WebSocket-Accept`, the one expected.
    fn accept_matches(&self, response: &Response) -> bool {
        let mut accepts = response.headers().get_all("sec-websocket-accept");
        match (accepts.next(), accepts.next()) {
            (Some(accept), None) => accept.trim_ascii() == self.expected_accept.as_bytes(),
            _ => false,
        }
    }

    /// The one subprotocol the response names, which must have been offered.
    fn confirmed_subprotocol(&self, response: &Response) -> Result<Option<String>> {
        confirmed_subprotocol(
            &self.subprotocols,
            response.headers().get_all("sec-websocket-protocol"),
        )
    }
}

/// The permessage-deflate agreement announced by the `Sec-WebSocket-Extensions` values of an
/// answer, checked against `offer` (shared by the HTTP/1.1 and HTTP/2 clients).
pub(crate) fn confirmed_deflate<'a>(
    offer: Option<&DeflateOffer>,
    values: impl Iterator<Item = &'a [u8]>,
) -> Result<Option<PerMessageDeflateConfig>> {
    let mut accepted = Vec::new();
    for value in values {
        let malformed = Error::MalformedResponseHeader {
            header: "Sec-WebSocket-Extensions",
        };
        let value = std::str::from_utf8(value).map_err(|_| malformed.clone())?;
        accepted.extend(parse_extensions(value).map_err(|_| malformed)?);
    }
    DeflateOffer::verify(offer, &accepted)
}

/// The one subprotocol named by the `Sec-WebSocket-Protocol` values of an answer, which must
/// be among `offered` (shared by the HTTP/1.1 and HTTP/2 clients).
pub(crate) fn confirmed_subprotocol<'a>(
    offered: &[String],
    values: impl Iterator<Item = &'a [u8]>,
) -> Result<Option<String>> {
    let mut named = values.flat_map(elements);
    let protocol = match (named.next(), named.next()) {
        (None, _) => return Ok(None),
        (Some(protocol), None) => protocol,
        (Some(_), Some(_)) => return Err(Error::UnofferedSubprotocol),
    };
    offered
        .iter()
        .find(|offered| offered.as_bytes() == protocol)
        .map(|offered| Some(offered.clone()))
        .ok_or(Error::UnofferedSubprotocol)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::request::ClientRequest;
    use crate::fixtures::RFC_RESPONSE;

    const RFC_NONCE: [u8; 16] = *b"the sample nonce";

    fn rfc_client(deflate: Option<DeflateOffer>) -> ClientHandshake {
        let built = ClientRequest {
            host: "server.example.com",
            target: "/chat",
            subprotocols: &["chat", "superchat"],
            deflate,
            ..ClientRequest::default()
        }
        .build_with_nonce(RFC_NONCE);
        built.map(|(_, h)| h).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The RFC response with one line replaced (or removed when `with` is empty).
    fn variant(line: &str, with: &str) -> Vec<u8> {
        String::from_utf8_lossy(RFC_RESPONSE)
            .replace(line, with)
            .into_bytes()
    }

    #[test]
    fn rfc_response_verifies() {
        let connected = rfc_client(None).verify(RFC_RESPONSE);
        let connected = connected.ok().flatten();
        assert_eq!(
            connected.and_then(|c| c.subprotocol),
            Some("chat".to_owned())
        );
    }

    #[test]
    fn trickled_response_gives_the_same_result() {
        let client = rfc_client(None);
        let whole = client.verify(RFC_RESPONSE);
        let mut buf = BytesMut::new();
        let mut result = Ok(None);
        for byte in RFC_RESPONSE {
            assert_eq!(result, Ok(None));
            buf.extend_from_slice(&[*byte]);
            result = client.verify_buf(&mut buf);
        }
        assert_eq!(result, whole);
        assert!(buf.is_empty());
    }

    #[test]
    fn each_failure() {
        let accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
        let protocol = "Sec-WebSocket-Protocol: chat\r\n";
        let cases: &[(&str, &str, Error)] = &[
            (
                "HTTP/1.1 101 Switching Protocols",
                "HTTP/1.1 403 Forbidden",
                Error::NotSwitching { status: 403 },
            ),
            ("Upgrade: websocket\r\n", "", Error::UpgradeNotConfirmed),
            (
                "Connection: Upgrade\r\n",
                "Connection: close\r\n",
                Error::UpgradeNotConfirmed,
            ),
            (accept, "", Error::BadAccept),
            (
                accept,
                "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                Error::BadAccept,
            ),
            (
                accept,
                "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n",
                Error::BadAccept,
            ),
            (
                protocol,
                "Sec-WebSocket-Protocol: mqtt\r\n",
                Error::UnofferedSubprotocol,
            ),
            (
                protocol,
                "Sec-WebSocket-Protocol: chat, superchat\r\n",
                Error::UnofferedSubprotocol,
            ),
            (
                protocol,
                "Sec-WebSocket-Protocol: CHAT\r\n",
                Error::UnofferedSubprotocol,
            ),
            (
                protocol,
                "Sec-WebSocket-Extensions: permessage-deflate\r\n",
                Error::UnofferedExtension,
            ),
            (
                protocol,
                "Sec-WebSocket-Extensions: permessage-deflate;\r\n",
                Error::MalformedResponseHeader {
                    header: "Sec-WebSocket-Extensions",
                },
            ),
        ];
        let client = rfc_client(None);
        for (line, with, error) in cases {
            let response = variant(line, with);
            assert_eq!(
                client.verify(&response).err().as_ref(),
                Some(error),
                "{with:?}"
            );
            assert_eq!(error.status(), 502);
        }
    }

    #[test]
    fn deflate_agreement_is_reported() {
        let client = rfc_client(Some(DeflateOffer::default()));
        let response = variant(
            "Sec-WebSocket-Protocol: chat\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9\r\n",
        );
        let connected = client.verify(&response).ok().flatten();
        let deflate = connected.and_then(|c| c.deflate);
        assert_eq!(deflate.map(|d| d.client_max_window_bits), Some(9));
    }
}

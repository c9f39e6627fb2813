//! RFC 6455 §4.2.1: is this request a valid WebSocket opening handshake?

use crate::accept_key::is_valid_key;
use crate::error::{Error, Result};
use crate::extension::offer::{ExtensionOffer, parse_extensions};
use crate::request::Request;
use crate::subprotocol::{parse_offer, select_subprotocol};
use crate::token_list::contains_token;

/// A request that passed validation: the client's key and its offers, ready to be accepted with
/// [`UpgradeRequest::accept`] or refused with [`reject`](crate::reject).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRequest<'r> {
    request: &'r Request,
    key: &'r [u8],
    subprotocols: Vec<&'r str>,
    extensions: Vec<ExtensionOffer<'r>>,
}

impl Request {
    /// Checks the request against RFC 6455 §4.2.1, in the order the RFC lists: method `GET`,
    /// HTTP/1.1, one `Host`, `Upgrade` listing `websocket`, `Connection` listing `upgrade`
    /// (both case-insensitive, across repeated fields), one `Sec-WebSocket-Key` of 16 bytes,
    /// `Sec-WebSocket-Version: 13`; then reads the subprotocol and extension offers.
    ///
    /// # Errors
    /// The first rule broken, each with the status to answer: 400 for most, 426
    /// ([`Error::UnsupportedVersion`]) for the version.
    pub fn validate(&self) -> Result<UpgradeRequest<'_>> {
        let headers = self.headers();
        if self.method() != "GET" {
            return Err(Error::MethodNotGet);
        }
        if self.http_minor_version() < 1 {
            return Err(Error::HttpVersion);
        }
        if headers.count("host") != 1 {
            return Err(Error::BadHost);
        }
        if !contains_token(headers.get_all("upgrade"), "websocket") {
            return Err(Error::NotWebSocketUpgrade);
        }
        if !contains_token(headers.get_all("connection"), "upgrade") {
            return Err(Error::NoConnectionUpgrade);
        }
        let mut keys = headers.get_all("sec-websocket-key").map(<[u8]>::trim_ascii);
        let key = match (keys.next(), keys.next()) {
            (Some(key), None) if is_valid_key(key) => key,
            _ => return Err(Error::BadKey),
        };
        let mut versions = headers.get_all("sec-websocket-version");
        match (versions.next().map(<[u8]>::trim_ascii), versions.next()) {
            (Some(b"13"), None) => {}
            _ => return Err(Error::UnsupportedVersion),
        }
        let (subprotocols, extensions) = read_offers(
            headers.get_all("sec-websocket-protocol"),
            headers.get_all("sec-websocket-extensions"),
        )?;
        Ok(UpgradeRequest {
            request: self,
            key,
            subprotocols,
            extensions,
        })
    }
}

/// The subprotocol and extension offers of a request, from every `Sec-WebSocket-Protocol`
/// and `Sec-WebSocket-Extensions` value.
pub(crate) fn read_offers<'a>(
    protocols: impl Iterator<Item = &'a [u8]>,
    extensions: impl Iterator<Item = &'a [u8]>,
) -> Result<(Vec<&'a str>, Vec<ExtensionOffer<'a>>)> {
    let subprotocols = parse_offer(protocols).ok_or(Error::MalformedHeaderList {
        header: "Sec-WebSocket-Protocol",
    })?;
    let mut offers = Vec::new();
    for value in extensions {
        let malformed = Error::MalformedHeaderList {
            header: "Sec-WebSocket-Extensions",
        };
        let value = std::str::from_utf8(value).map_err(|_| malformed.clone())?;
        offers.extend(parse_extensions(value).map_err(|_| malformed)?);
    }
    Ok((subprotocols, offers))
}

impl<'r> UpgradeRequest<'r> {
    /// The request this upgrade came from (path, `Origin`, cookies, ...).
    pub fn request(&self) -> &'r Request {
        self.request
    }

    /// The `Sec-WebSocket-Key` value, as sent.
    pub fn key(&self) -> &'r [u8] {
        self.key
    }

    /// The subprotocols offered, in the client's order.
    pub fn offered_subprotocols(&self) -> &[&'r str] {
        &self.subprotocols
    }

    /// The extensions offered, in the client's order of preference.
    pub fn offered_extensions(&self) -> &[ExtensionOffer<'r>] {
        &self.extensions
    }

    /// The first of `server_preference` that the client offered; see
    /// [`select_subprotocol`](crate::select_subprotocol).
    pub fn select_subprotocol<'p>(&self, server_preference: &[&'p str]) -> Option<&'p str> {
        select_subprotocol(server_preference, &self.subprotocols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{BROWSER_REQUEST, RFC_REQUEST};
    use crate::limits::Limits;

    fn request(text: &[u8]) -> Request {
        match Request::parse(text, &Limits::default()) {
            Ok(Some(request)) => request,
            other => panic!("not a complete request: {other:?}"),
        }
    }

    /// The RFC request with one line replaced (or removed when `with` is empty).
    fn variant(line: &str, with: &str) -> Request {
        let text = String::from_utf8_lossy(RFC_REQUEST).replace(line, with);
        request(text.as_bytes())
    }

    #[test]
    fn rfc_request_is_valid() {
        let request = request(RFC_REQUEST);
        let upgrade = request.validate();
        assert!(upgrade.is_ok(), "{upgrade:?}");
        let upgrade = upgrade.unwrap_or_else(|_| unreachable!());
        assert_eq!(upgrade.key(), b"dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(upgrade.offered_subprotocols(), ["chat", "superchat"]);
        assert_eq!(upgrade.offered_extensions(), []);
        assert_eq!(
            upgrade.select_subprotocol(&["superchat"]),
            Some("superchat")
        );
    }

    #[test]
    fn browser_request_is_valid() {
        let request = request(BROWSER_REQUEST);
        let upgrade = request.validate();
        let offers = upgrade.map(|u| u.offered_extensions().len());
        assert_eq!(offers, Ok(1));
    }

    #[test]
    fn header_lists_are_case_insensitive_and_may_repeat() {
        let request = variant(
            "Connection: Upgrade\r\n",
            "connection: keep-alive\r\nCONNECTION: UPGRADE\r\n",
        );
        assert!(request.validate().is_ok());
        let request = variant("Upgrade: websocket\r\n", "upgrade: h2c, WebSocket\r\n");
        assert!(request.validate().is_ok());
        let request = variant(
            "Connection: Upgrade\r\n",
            "Connection: keep-alive, Upgrade\r\n",
        );
        assert!(request.validate().is_ok());
    }

    #[test]
    fn each_failure_and_its_status() {
        let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
        let version = "Sec-WebSocket-Version: 13\r\n";
        let cases: &[(&str, &str, Error, u16)] = &[
            ("GET /chat", "POST /chat", Error::MethodNotGet, 400),
            ("GET /chat", "get /chat", Error::MethodNotGet, 400),
            ("HTTP/1.1", "HTTP/1.0", Error::HttpVersion, 400),
            ("Host: server.example.com\r\n", "", Error::BadHost, 400),
            (
                "Host: server.example.com\r\n",
                "Host: a\r\nHost: b\r\n",
                Error::BadHost,
                400,
            ),
            (
                "Upgrade: websocket\r\n",
                "",
                Error::NotWebSocketUpgrade,
                400,
            ),
            (
                "Upgrade: websocket\r\n",
                "Upgrade: h2c\r\n",
                Error::NotWebSocketUpgrade,
                400,
            ),
            (
                "Connection: Upgrade\r\n",
                "",
                Error::NoConnectionUpgrade,
                400,
            ),
            (
                "Connection: Upgrade\r\n",
                "Connection: keep-alive\r\n",
                Error::NoConnectionUpgrade,
                400,
            ),
            (key, "", Error::BadKey, 400),
            (key, "Sec-WebSocket-Key: c2hvcnQ=\r\n", Error::BadKey, 400),
            (
                key,
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n",
                Error::BadKey,
                400,
            ),
            (
                key,
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n",
                Error::BadKey,
                400,
            ),
            (version, "", Error::UnsupportedVersion, 426),
            (
                version,
                "Sec-WebSocket-Version: 8\r\n",
                Error::UnsupportedVersion,
                426,
            ),
            (
                version,
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n",
                Error::UnsupportedVersion,
                426,
            ),
            (
                "Sec-WebSocket-Protocol: chat, superchat\r\n",
                "Sec-WebSocket-Protocol: chat, super chat\r\n",
                Error::MalformedHeaderList {
                    header: "Sec-WebSocket-Protocol",
                },
                400,
            ),
            (
                version,
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate;\r\n",
                Error::MalformedHeaderList {
                    header: "Sec-WebSocket-Extensions",
                },
                400,
            ),
        ];
        for (line, with, error, status) in cases {
            let request = variant(line, with);
            assert_eq!(request.validate().err().as_ref(), Some(error), "{with:?}");
            assert_eq!(error.status(), *status);
        }
    }

    #[test]
    fn later_http_versions_are_accepted() {
        // httparse reads only HTTP/1.x; 1.1 is the floor, and the minor version is kept.
        assert_eq!(request(RFC_REQUEST).http_minor_version(), 1);
    }
}

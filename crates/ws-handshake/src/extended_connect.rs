//! RFC 8441: the WebSocket opening handshake as an HTTP/2 extended CONNECT.
//!
//! Over HTTP/2 a WebSocket is one stream of the connection. The client sends `CONNECT` with the
//! `:protocol` pseudo-header `websocket` (allowed once the server's SETTINGS carried
//! `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`), `Sec-WebSocket-Version: 13` and its offers; there
//! is no `Sec-WebSocket-Key`, `Upgrade` or `Connection`. The server answers `200` with the
//! agreed subprotocol and extensions, and both then speak RFC 6455 frames on the stream.
//!
//! HTTP/2 framing is the caller's: it hands over the method, the `:protocol` value and the
//! regular header fields, and writes the header fields returned here in a `200` response (or
//! the [`Error::status`] of a refusal). RFC 9220 uses the same exchange over HTTP/3.

use crate::accept::{AcceptOptions, check_subprotocol};
use crate::client::verify::{confirmed_deflate, confirmed_subprotocol};
use crate::error::{Error, Result};
use crate::extension::client::DeflateOffer;
use crate::extension::deflate::PerMessageDeflateConfig;
use crate::extension::offer::ExtensionOffer;
use crate::response::check_header;
use crate::token_list::is_token;
use crate::validate::read_offers;

/// The `:protocol` value that asks for a WebSocket.
pub const WEBSOCKET_PROTOCOL: &str = "websocket";

/// A valid extended CONNECT: the client's offers, ready to be answered with
/// [`ConnectUpgrade::accept`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectUpgrade<'r> {
    subprotocols: Vec<&'r str>,
    extensions: Vec<ExtensionOffer<'r>>,
}

/// An accepted extended CONNECT: the header fields of the `200` answer and what was agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectAccepted {
    /// The response's header fields, names in lowercase as HTTP/2 requires: the confirmed
    /// `sec-websocket-protocol`, the agreed `sec-websocket-extensions`, then the extra headers.
    pub headers: Vec<(String, String)>,
    /// The subprotocol confirmed, if any.
    pub subprotocol: Option<String>,
    /// The permessage-deflate agreement, if an offer was accepted.
    pub deflate: Option<PerMessageDeflateConfig>,
}

impl ConnectAccepted {
    /// The status of the answer: `200`, as RFC 8441 §5 has it (not 101).
    pub const STATUS: u16 = 200;
}

/// Checks an HTTP/2 request as an RFC 8441 WebSocket opening: `method` is `CONNECT`,
/// `protocol` (the `:protocol` pseudo-header) is `websocket` (ASCII case-insensitive), exactly
/// one `sec-websocket-version: 13`; then reads the subprotocol and extension offers from
/// `fields`, the regular header fields as (name, value) pairs, names compared
/// case-insensitively. `Sec-WebSocket-Key` plays no part over HTTP/2 and is ignored.
///
/// ```
/// use ws_handshake::{AcceptOptions, DeflatePolicy, select_subprotocol, validate_extended_connect};
///
/// let fields: [(&str, &[u8]); 3] = [
///     ("sec-websocket-version", b"13"),
///     ("sec-websocket-protocol", b"chat, superchat"),
///     ("sec-websocket-extensions", b"permessage-deflate; client_max_window_bits"),
/// ];
/// let upgrade = validate_extended_connect(b"CONNECT", Some(b"websocket"), fields)?;
/// let accepted = upgrade.accept(&AcceptOptions {
///     subprotocol: select_subprotocol(&["chat"], upgrade.offered_subprotocols()),
///     deflate: Some(DeflatePolicy::default()),
///     ..AcceptOptions::default()
/// })?;
/// assert_eq!(
///     accepted.headers,
///     [
///         ("sec-websocket-protocol".to_owned(), "chat".to_owned()),
///         ("sec-websocket-extensions".to_owned(), "permessage-deflate".to_owned()),
///     ]
/// );
/// # Ok::<(), ws_handshake::Error>(())
/// ```
///
/// # Errors
/// The first rule broken: [`Error::MethodNotConnect`], [`Error::ProtocolNotWebSocket`] (400),
/// [`Error::UnsupportedVersion`] (426: answer with `sec-websocket-version: 13`),
/// [`Error::MalformedHeaderList`] (400).
pub fn validate_extended_connect<'r, I>(
    method: &[u8],
    protocol: Option<&[u8]>,
    fields: I,
) -> Result<ConnectUpgrade<'r>>
where
    I: IntoIterator<Item = (&'r str, &'r [u8])>,
{
    if method != b"CONNECT" {
        return Err(Error::MethodNotConnect);
    }
    if !protocol.is_some_and(|p| p.eq_ignore_ascii_case(WEBSOCKET_PROTOCOL.as_bytes())) {
        return Err(Error::ProtocolNotWebSocket);
    }
    let mut versions = 0usize;
    let mut version_ok = false;
    let mut protocols = Vec::new();
    let mut extensions = Vec::new();
    for (name, value) in fields {
        if name.eq_ignore_ascii_case("sec-websocket-version") {
            versions += 1;
            version_ok = value.trim_ascii() == b"13";
        } else if name.eq_ignore_ascii_case("sec-websocket-protocol") {
            protocols.push(value);
        } else if name.eq_ignore_ascii_case("sec-websocket-extensions") {
            extensions.push(value);
        }
    }
    if versions != 1 || !version_ok {
        return Err(Error::UnsupportedVersion);
    }
    let (subprotocols, extensions) = read_offers(protocols.into_iter(), extensions.into_iter())?;
    Ok(ConnectUpgrade {
        subprotocols,
        extensions,
    })
}

impl<'r> ConnectUpgrade<'r> {
    /// The `sec-websocket-protocol` offers in the client's order; pick one with
    /// [`select_subprotocol`](crate::select_subprotocol).
    pub fn offered_subprotocols(&self) -> &[&'r str] {
        &self.subprotocols
    }

    /// The `sec-websocket-extensions` offers, the client's preferred first.
    pub fn offered_extensions(&self) -> &[ExtensionOffer<'r>] {
        &self.extensions
    }

    /// Accepts the WebSocket: confirms the subprotocol, picks the first acceptable
    /// permessage-deflate offer, and returns the header fields of the `200` answer (no
    /// `Sec-WebSocket-Accept`: HTTP/2 needs none).
    ///
    /// # Errors
    /// [`Error::SubprotocolNotOffered`] or [`Error::InvalidSubprotocol`] for a bad
    /// `subprotocol`; [`Error::UnsafeHeader`] for an extra header that could inject fields.
    pub fn accept(&self, options: &AcceptOptions<'_>) -> Result<ConnectAccepted> {
        check_subprotocol(options.subprotocol, &self.subprotocols)?;
        let agreement = options
            .deflate
            .and_then(|policy| policy.negotiate(&self.extensions));
        let mut headers = Vec::new();
        if let Some(protocol) = options.subprotocol {
            headers.push(("sec-websocket-protocol".to_owned(), protocol.to_owned()));
        }
        if let Some(agreed) = &agreement {
            headers.push((
                "sec-websocket-extensions".to_owned(),
                agreed.header_value.clone(),
            ));
        }
        for (name, value) in options.extra_headers {
            check_header(name, value)?;
            headers.push((name.to_ascii_lowercase(), (*value).to_owned()));
        }
        Ok(ConnectAccepted {
            headers,
            subprotocol: options.subprotocol.map(str::to_owned),
            deflate: agreement.map(|a| a.config),
        })
    }
}

/// The client side of an RFC 8441 opening: the header fields of the extended CONNECT (beside
/// the pseudo-headers `:method CONNECT`, `:protocol websocket`, `:scheme`, `:path` and
/// `:authority`, which are the HTTP/2 layer's), and the check of the server's `200` answer.
///
/// ```
/// use ws_handshake::{ConnectOffer, DeflateOffer};
///
/// let offer = ConnectOffer {
///     subprotocols: &["chat"],
///     deflate: Some(DeflateOffer::default()),
///     ..ConnectOffer::default()
/// };
/// let fields = offer.fields()?;
/// assert_eq!(fields[0], ("sec-websocket-version".to_owned(), "13".to_owned()));
/// // The server answered 200 with these fields.
/// let answer: [(&str, &[u8]); 2] = [
///     ("sec-websocket-protocol", b"chat"),
///     ("sec-websocket-extensions", b"permessage-deflate"),
/// ];
/// let agreed = offer.verify(answer)?;
/// assert_eq!(agreed.subprotocol.as_deref(), Some("chat"));
/// assert!(agreed.deflate.is_some());
/// # Ok::<(), ws_handshake::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectOffer<'a> {
    /// Subprotocols to offer, most preferred first. Default none.
    pub subprotocols: &'a [&'a str],
    /// The permessage-deflate offer, if any. Default `None`.
    pub deflate: Option<DeflateOffer>,
    /// Extra request fields (`authorization`, `cookie`, ...). HTTP/2 forbids the
    /// connection-specific ones (`connection`, `upgrade`, `keep-alive`, `transfer-encoding`,
    /// `proxy-connection`, `host`): they are refused. Default none.
    pub extra_headers: &'a [(&'a str, &'a str)],
}

/// What the server's `200` answer to an extended CONNECT agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectAgreed {
    /// The subprotocol the server confirmed, if any.
    pub subprotocol: Option<String>,
    /// The permessage-deflate agreement, if the server accepted the offer.
    pub deflate: Option<PerMessageDeflateConfig>,
}

/// Fields HTTP/2 does not carry (RFC 9113 §8.2.2), and `host`, which `:authority` replaces.
const CONNECTION_SPECIFIC: [&str; 6] = [
    "connection",
    "upgrade",
    "keep-alive",
    "transfer-encoding",
    "proxy-connection",
    "host",
];

impl ConnectOffer<'_> {
    /// The request's regular header fields, names in lowercase as HTTP/2 requires:
    /// `sec-websocket-version: 13`, the offered `sec-websocket-protocol` and
    /// `sec-websocket-extensions`, then the extra headers. No `sec-websocket-key`: HTTP/2
    /// needs none.
    ///
    /// # Errors
    /// [`Error::InvalidSubprotocol`] for an offered subprotocol that is not a token;
    /// [`Error::UnsafeHeader`] for an extra header that could inject fields or that HTTP/2
    /// forbids.
    pub fn fields(&self) -> Result<Vec<(String, String)>> {
        if let Some(bad) = self.subprotocols.iter().find(|p| !is_token(p.as_bytes())) {
            return Err(Error::InvalidSubprotocol((*bad).to_owned()));
        }
        let mut fields = vec![("sec-websocket-version".to_owned(), "13".to_owned())];
        if !self.subprotocols.is_empty() {
            fields.push((
                "sec-websocket-protocol".to_owned(),
                self.subprotocols.join(", "),
            ));
        }
        if let Some(deflate) = &self.deflate {
            fields.push((
                "sec-websocket-extensions".to_owned(),
                deflate.header_value(),
            ));
        }
        for (name, value) in self.extra_headers {
            check_header(name, value)?;
            let name = name.to_ascii_lowercase();
            if CONNECTION_SPECIFIC.contains(&name.as_str()) {
                return Err(Error::UnsafeHeader { name });
            }
            fields.push((name, (*value).to_owned()));
        }
        Ok(fields)
    }

    /// Checks the header fields of the server's `200` answer (names compared
    /// case-insensitively): a subprotocol among those offered, extensions among those offered.
    /// The status is the caller's to check: anything but `200` is a refusal.
    ///
    /// # Errors
    /// [`Error::UnofferedSubprotocol`], [`Error::UnofferedExtension`],
    /// [`Error::BadDeflateResponse`] or [`Error::MalformedResponseHeader`].
    pub fn verify<'r, I>(&self, fields: I) -> Result<ConnectAgreed>
    where
        I: IntoIterator<Item = (&'r str, &'r [u8])>,
    {
        let mut protocols = Vec::new();
        let mut extensions = Vec::new();
        for (name, value) in fields {
            if name.eq_ignore_ascii_case("sec-websocket-protocol") {
                protocols.push(value);
            } else if name.eq_ignore_ascii_case("sec-websocket-extensions") {
                extensions.push(value);
            }
        }
        let offered: Vec<String> = self.subprotocols.iter().map(|p| (*p).to_owned()).collect();
        Ok(ConnectAgreed {
            subprotocol: confirmed_subprotocol(&offered, protocols.into_iter())?,
            deflate: confirmed_deflate(self.deflate.as_ref(), extensions.into_iter())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::server::DeflatePolicy;

    const VERSION: (&str, &[u8]) = ("sec-websocket-version", b"13");

    /// A failure case: method, `:protocol`, fields, the error and its status.
    type Case<'a> = (
        &'a [u8],
        Option<&'a [u8]>,
        &'a [(&'a str, &'a [u8])],
        Error,
        u16,
    );

    fn validate<'r>(
        method: &[u8],
        protocol: Option<&[u8]>,
        fields: &[(&'r str, &'r [u8])],
    ) -> Result<ConnectUpgrade<'r>> {
        validate_extended_connect(method, protocol, fields.iter().copied())
    }

    #[test]
    fn a_client_offer_round_trips_through_the_server_side() {
        let offer = ConnectOffer {
            subprotocols: &["chat", "superchat"],
            deflate: Some(DeflateOffer {
                client_no_context_takeover: true,
                server_no_context_takeover: true,
                ..DeflateOffer::default()
            }),
            extra_headers: &[("Authorization", "Bearer x")],
        };
        let fields = offer.fields().unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "sec-websocket-version",
                "sec-websocket-protocol",
                "sec-websocket-extensions",
                "authorization"
            ]
        );
        let request = fields.iter().map(|(n, v)| (n.as_str(), v.as_bytes()));
        let upgrade = validate_extended_connect(b"CONNECT", Some(b"websocket"), request);
        let accepted = upgrade.and_then(|u| {
            u.accept(&AcceptOptions {
                subprotocol: Some("superchat"),
                deflate: Some(DeflatePolicy::default()),
                ..AcceptOptions::default()
            })
        });
        let accepted = accepted.unwrap_or_else(|e| panic!("{e}"));
        let answer = accepted
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()));
        let agreed = offer.verify(answer).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(agreed.subprotocol.as_deref(), Some("superchat"));
        assert_eq!(agreed.deflate, accepted.deflate);
        assert!(agreed.deflate.is_some_and(|d| d.client_no_context_takeover));
    }

    #[test]
    fn a_client_refuses_what_it_did_not_offer() {
        let bare = ConnectOffer::default();
        let answer: [(&str, &[u8]); 1] = [("sec-websocket-protocol", b"chat")];
        assert_eq!(bare.verify(answer), Err(Error::UnofferedSubprotocol));
        let answer: [(&str, &[u8]); 1] = [("Sec-WebSocket-Extensions", b"permessage-deflate")];
        assert_eq!(bare.verify(answer), Err(Error::UnofferedExtension));
        let answer: [(&str, &[u8]); 1] = [("sec-websocket-extensions", b"\xff")];
        assert!(matches!(
            bare.verify(answer),
            Err(Error::MalformedResponseHeader { .. })
        ));
        let two = ConnectOffer {
            subprotocols: &["a", "b"],
            ..ConnectOffer::default()
        };
        let answer: [(&str, &[u8]); 1] = [("sec-websocket-protocol", b"a, b")];
        assert_eq!(two.verify(answer), Err(Error::UnofferedSubprotocol));
        assert_eq!(
            bare.verify([]),
            Ok(ConnectAgreed {
                subprotocol: None,
                deflate: None
            })
        );
        for extra in [
            ("Connection", "keep-alive"),
            ("host", "x"),
            ("x-a", "1\r\n"),
        ] {
            let offer = ConnectOffer {
                extra_headers: &[extra],
                ..ConnectOffer::default()
            };
            assert!(matches!(offer.fields(), Err(Error::UnsafeHeader { .. })));
        }
        let offer = ConnectOffer {
            subprotocols: &["a b"],
            ..ConnectOffer::default()
        };
        assert!(matches!(offer.fields(), Err(Error::InvalidSubprotocol(_))));
    }

    #[test]
    fn a_browser_connect_is_accepted_with_deflate() {
        let fields = [
            ("origin", &b"https://example.com"[..]),
            VERSION,
            (
                "sec-websocket-extensions",
                b"permessage-deflate; client_max_window_bits",
            ),
        ];
        let upgrade = validate(b"CONNECT", Some(b"websocket"), &fields);
        let accepted = upgrade.and_then(|u| {
            u.accept(&AcceptOptions {
                deflate: Some(DeflatePolicy {
                    server_no_context_takeover: true,
                    ..DeflatePolicy::default()
                }),
                extra_headers: &[("Set-Cookie", "sid=1")],
                ..AcceptOptions::default()
            })
        });
        let accepted = accepted.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            accepted.headers,
            [
                (
                    "sec-websocket-extensions".to_owned(),
                    "permessage-deflate; server_no_context_takeover".to_owned()
                ),
                ("set-cookie".to_owned(), "sid=1".to_owned()),
            ]
        );
        assert!(accepted.deflate.is_some());
        assert_eq!(accepted.subprotocol, None);
        assert_eq!(ConnectAccepted::STATUS, 200);
    }

    #[test]
    fn nothing_is_agreed_without_offers_or_policy() {
        let upgrade = validate(b"CONNECT", Some(b"WebSocket"), &[VERSION]);
        let accepted = upgrade.and_then(|u| u.accept(&AcceptOptions::default()));
        assert_eq!(
            accepted,
            Ok(ConnectAccepted {
                headers: Vec::new(),
                subprotocol: None,
                deflate: None,
            })
        );
    }

    #[test]
    fn offers_repeat_across_fields() {
        let fields = [
            ("Sec-WebSocket-Protocol", &b"chat"[..]),
            VERSION,
            ("sec-websocket-protocol", b"superchat"),
            ("sec-websocket-extensions", b"x-unknown"),
            ("sec-websocket-extensions", b"permessage-deflate"),
        ];
        let upgrade = validate(b"CONNECT", Some(b"websocket"), &fields);
        let upgrade = upgrade.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(upgrade.offered_subprotocols(), ["chat", "superchat"]);
        assert_eq!(upgrade.offered_extensions().len(), 2);
        assert_eq!(
            crate::select_subprotocol(&["superchat"], upgrade.offered_subprotocols()),
            Some("superchat")
        );
        let accepted = upgrade.accept(&AcceptOptions {
            subprotocol: Some("superchat"),
            ..AcceptOptions::default()
        });
        assert_eq!(
            accepted.map(|a| a.headers),
            Ok(vec![(
                "sec-websocket-protocol".to_owned(),
                "superchat".to_owned()
            )])
        );
    }

    #[test]
    fn each_failure_and_its_status() {
        let eight: (&str, &[u8]) = ("sec-websocket-version", b"8");
        let bad_list: (&str, &[u8]) = ("sec-websocket-extensions", b"permessage-deflate;");
        let bad_protocols: (&str, &[u8]) = ("sec-websocket-protocol", b"a b");
        let cases: &[Case<'_>] = &[
            (
                b"GET",
                Some(b"websocket"),
                &[VERSION],
                Error::MethodNotConnect,
                400,
            ),
            (
                b"connect",
                Some(b"websocket"),
                &[VERSION],
                Error::MethodNotConnect,
                400,
            ),
            (
                b"CONNECT",
                None,
                &[VERSION],
                Error::ProtocolNotWebSocket,
                400,
            ),
            (
                b"CONNECT",
                Some(b"webtransport"),
                &[VERSION],
                Error::ProtocolNotWebSocket,
                400,
            ),
            (
                b"CONNECT",
                Some(b"websocket"),
                &[],
                Error::UnsupportedVersion,
                426,
            ),
            (
                b"CONNECT",
                Some(b"websocket"),
                &[eight],
                Error::UnsupportedVersion,
                426,
            ),
            (
                b"CONNECT",
                Some(b"websocket"),
                &[VERSION, VERSION],
                Error::UnsupportedVersion,
                426,
            ),
            (
                b"CONNECT",
                Some(b"websocket"),
                &[VERSION, bad_list],
                Error::MalformedHeaderList {
                    header: "Sec-WebSocket-Extensions",
                },
                400,
            ),
            (
                b"CONNECT",
                Some(b"websocket"),
                &[bad_protocols, VERSION],
                Error::MalformedHeaderList {
                    header: "Sec-WebSocket-Protocol",
                },
                400,
            ),
        ];
        for (method, protocol, fields, error, status) in cases {
            let got = validate(method, *protocol, fields);
            assert_eq!(got.err().as_ref(), Some(error), "{fields:?}");
            assert_eq!(error.status(), *status);
        }
    }

    #[test]
    fn answers_cannot_be_split_or_confirm_unoffered_protocols() {
        let upgrade = validate(b"CONNECT", Some(b"websocket"), &[VERSION]);
        let upgrade = upgrade.unwrap_or_else(|e| panic!("{e}"));
        let unsafe_header = upgrade.accept(&AcceptOptions {
            extra_headers: &[("x-a", "1\r\nx-b: 2")],
            ..AcceptOptions::default()
        });
        assert!(matches!(unsafe_header, Err(Error::UnsafeHeader { .. })));
        let unoffered = upgrade.accept(&AcceptOptions {
            subprotocol: Some("chat"),
            ..AcceptOptions::default()
        });
        assert_eq!(unoffered, Err(Error::SubprotocolNotOffered("chat".into())));
    }
}

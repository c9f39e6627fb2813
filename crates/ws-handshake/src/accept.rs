//! Accepting a validated upgrade: options in, `101 Switching Protocols` bytes out.

use crate::accept_key::accept_key;
use crate::error::{Error, Result};
use crate::extension::deflate::PerMessageDeflateConfig;
use crate::extension::server::DeflatePolicy;
use crate::response::switching_protocols;
use crate::token_list::is_token;
use crate::validate::UpgradeRequest;

/// How to accept an upgrade.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AcceptOptions<'a> {
    /// The subprotocol to confirm; it must be one the client offered. Usually the result of
    /// [`UpgradeRequest::select_subprotocol`]. Default `None`: no subprotocol.
    pub subprotocol: Option<&'a str>,
    /// The permessage-deflate policy, or `None` to decline every extension. Default `None`.
    pub deflate: Option<DeflatePolicy>,
    /// Extra response headers (`Set-Cookie`, ...), written after the protocol headers.
    /// Default none.
    pub extra_headers: &'a [(&'a str, &'a str)],
}

/// An accepted upgrade: the response to send and what was agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The complete `101 Switching Protocols` response.
    pub response: Vec<u8>,
    /// The subprotocol confirmed, if any.
    pub subprotocol: Option<String>,
    /// The permessage-deflate agreement, if an offer was accepted.
    pub deflate: Option<PerMessageDeflateConfig>,
}

impl UpgradeRequest<'_> {
    /// Accepts the upgrade: computes `Sec-WebSocket-Accept`, confirms the subprotocol, picks the
    /// first acceptable permessage-deflate offer, and writes the response.
    ///
    /// ```
    /// use ws_handshake::{AcceptOptions, DeflatePolicy, Limits, Request};
    ///
    /// let received = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\n\
    /// Upgrade: websocket\r\nConnection: Upgrade\r\n\
    /// Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
    /// Sec-WebSocket-Protocol: chat, superchat\r\n\
    /// Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n";
    ///
    /// // `None` would mean: read more bytes, append them, parse again.
    /// let request = Request::parse(received, &Limits::default())?.expect("complete head");
    /// let upgrade = match request.validate() {
    ///     Ok(upgrade) => upgrade,
    ///     Err(error) => {
    ///         let _answer: Vec<u8> = error.response(); // 400, 426 or 431, then close
    ///         return Ok(());
    ///     }
    /// };
    /// assert_eq!(request.origin(), None); // apply an Origin policy or authenticate here
    /// let accepted = upgrade.accept(&AcceptOptions {
    ///     subprotocol: upgrade.select_subprotocol(&["chat"]),
    ///     deflate: Some(DeflatePolicy::default()),
    ///     ..AcceptOptions::default()
    /// })?;
    /// assert_eq!(
    ///     accepted.response,
    ///     b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
    /// Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\
    /// Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
    /// );
    /// assert!(accepted.deflate.is_some());
    /// # Ok::<(), ws_handshake::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::SubprotocolNotOffered`] or [`Error::InvalidSubprotocol`] for a bad
    /// `subprotocol`; [`Error::UnsafeHeader`] for an extra header that could inject fields.
    pub fn accept(&self, options: &AcceptOptions<'_>) -> Result<Accepted> {
        check_subprotocol(options.subprotocol, self.offered_subprotocols())?;
        let agreement = options
            .deflate
            .and_then(|policy| policy.negotiate(self.offered_extensions()));
        let response = switching_protocols(
            &accept_key(self.key()),
            options.subprotocol,
            agreement.as_ref().map(|a| a.header_value.as_str()),
            options.extra_headers,
        )?;
        Ok(Accepted {
            response,
            subprotocol: options.subprotocol.map(str::to_owned),
            deflate: agreement.map(|a| a.config),
        })
    }
}

/// Checks the subprotocol a server is about to confirm: a token the client offered.
pub(crate) fn check_subprotocol(chosen: Option<&str>, offered: &[&str]) -> Result<()> {
    if let Some(protocol) = chosen {
        if !is_token(protocol.as_bytes()) {
            return Err(Error::InvalidSubprotocol(protocol.to_owned()));
        }
        if !offered.contains(&protocol) {
            return Err(Error::SubprotocolNotOffered(protocol.to_owned()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{BROWSER_REQUEST, RFC_REQUEST, RFC_RESPONSE};
    use crate::limits::Limits;
    use crate::request::Request;

    fn accept(text: &[u8], options: &AcceptOptions<'_>) -> Result<Accepted> {
        let request = Request::parse(text, &Limits::default())?.ok_or(Error::BadKey)?;
        request.validate()?.accept(options)
    }

    #[test]
    fn rfc_exchange_byte_exact() {
        let accepted = accept(
            RFC_REQUEST,
            &AcceptOptions {
                subprotocol: Some("chat"),
                ..AcceptOptions::default()
            },
        );
        assert_eq!(accepted.map(|a| a.response), Ok(RFC_RESPONSE.to_vec()));
    }

    #[test]
    fn browser_exchange_with_deflate_and_headers() {
        let accepted = accept(
            BROWSER_REQUEST,
            &AcceptOptions {
                deflate: Some(DeflatePolicy {
                    server_no_context_takeover: true,
                    ..DeflatePolicy::default()
                }),
                extra_headers: &[("Set-Cookie", "sid=1")],
                ..AcceptOptions::default()
            },
        );
        let expected = b"HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n\
Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\
Set-Cookie: sid=1\r\n\r\n";
        let accepted = accepted.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(accepted.response, expected);
        assert_eq!(
            accepted.deflate.map(|d| d.server_no_context_takeover),
            Some(true)
        );
    }

    #[test]
    fn deflate_is_declined_without_a_policy() {
        let accepted = accept(BROWSER_REQUEST, &AcceptOptions::default());
        assert_eq!(accepted.map(|a| a.deflate), Ok(None));
    }

    #[test]
    fn subprotocol_must_have_been_offered() {
        let not_offered = AcceptOptions {
            subprotocol: Some("mqtt"),
            ..AcceptOptions::default()
        };
        assert_eq!(
            accept(RFC_REQUEST, &not_offered),
            Err(Error::SubprotocolNotOffered("mqtt".into()))
        );
        let not_token = AcceptOptions {
            subprotocol: Some("chat\r\nX: y"),
            ..AcceptOptions::default()
        };
        assert_eq!(
            accept(RFC_REQUEST, &not_token),
            Err(Error::InvalidSubprotocol("chat\r\nX: y".into()))
        );
    }

    #[test]
    fn extra_headers_are_checked() {
        let options = AcceptOptions {
            extra_headers: &[("X-A", "1\r\nX-B: 2")],
            ..AcceptOptions::default()
        };
        assert!(matches!(
            accept(RFC_REQUEST, &options),
            Err(Error::UnsafeHeader { .. })
        ));
    }
}

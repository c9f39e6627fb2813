//! The client's side of permessage-deflate: the offer it sends and the check of the server's
//! answer.

use crate::error::{Error, Result};
use crate::extension::deflate::{
    MAX_WINDOW_BITS, PERMESSAGE_DEFLATE, PerMessageDeflateConfig, push_param, read_params,
};
use crate::extension::offer::ExtensionOffer;

/// The permessage-deflate offer a client makes.
///
/// The default is what browsers send: `permessage-deflate; client_max_window_bits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateOffer {
    /// Ask the server to reset its compressor after each message. Default `false`; `true` lets
    /// the client drop its decompression window between messages.
    pub server_no_context_takeover: bool,
    /// Announce that the client resets its compressor after each message. Default `false`.
    pub client_no_context_takeover: bool,
    /// Ask the server to compress with at most `2^bits` bytes of window (8..=15). Default
    /// `None` (32 KiB); smaller saves client memory.
    pub server_max_window_bits: Option<u8>,
    /// Let the server limit the client's window: `Some(15)` is sent without a value ("any
    /// limit"), `Some(bits)` below 15 also announces the client's own limit. `None` does not
    /// offer the parameter, so the server cannot limit the client's window. Default `Some(15)`.
    pub client_max_window_bits: Option<u8>,
}

impl Default for DeflateOffer {
    fn default() -> Self {
        DeflateOffer {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: None,
            client_max_window_bits: Some(MAX_WINDOW_BITS),
        }
    }
}

impl DeflateOffer {
    /// The `Sec-WebSocket-Extensions` value of this offer. Window bits are clamped to 8..=15.
    pub fn header_value(&self) -> String {
        let mut value = String::from(PERMESSAGE_DEFLATE);
        if self.server_no_context_takeover {
            push_param(&mut value, "server_no_context_takeover", None);
        }
        if self.client_no_context_takeover {
            push_param(&mut value, "client_no_context_takeover", None);
        }
        if let Some(bits) = self.server_max_window_bits {
            push_param(&mut value, "server_max_window_bits", Some(clamp(bits)));
        }
        if let Some(bits) = self.client_max_window_bits {
            let bits = clamp(bits);
            let value_sent = (bits < MAX_WINDOW_BITS).then_some(bits);
            push_param(&mut value, "client_max_window_bits", value_sent);
        }
        value
    }

    /// Checks the extensions a server accepted (all `Sec-WebSocket-Extensions` elements of its
    /// response) against this offer, or against no offer when `offer` is `None`.
    ///
    /// # Errors
    /// [`Error::UnofferedExtension`] for any extension other than one permessage-deflate that
    /// was offered; [`Error::BadDeflateResponse`] when its parameters are malformed, repeated,
    /// unknown, exceed what was offered, or omit what the client required.
    pub fn verify(
        offer: Option<&DeflateOffer>,
        accepted: &[ExtensionOffer<'_>],
    ) -> Result<Option<PerMessageDeflateConfig>> {
        let (element, rest) = match accepted {
            [] => return Ok(None),
            [element, rest @ ..] => (element, rest),
        };
        let offer = match offer {
            Some(offer) if element.name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE) => offer,
            _ => return Err(Error::UnofferedExtension),
        };
        if !rest.is_empty() {
            return Err(Error::UnofferedExtension);
        }
        let answered = read_params(&element.params).map_err(Error::BadDeflateResponse)?;
        if offer.server_no_context_takeover && !answered.server_no_context_takeover {
            return Err(Error::BadDeflateResponse(
                "server_no_context_takeover not confirmed",
            ));
        }
        let offered_server_bits = offer.server_max_window_bits.map(clamp);
        let server_bits = match (offered_server_bits, answered.server_max_window_bits) {
            (Some(_), None) => {
                return Err(Error::BadDeflateResponse(
                    "server_max_window_bits not confirmed",
                ));
            }
            (Some(offered), Some(bits)) if bits > offered => {
                return Err(Error::BadDeflateResponse(
                    "server_max_window_bits above the offer",
                ));
            }
            (_, bits) => bits.unwrap_or(MAX_WINDOW_BITS),
        };
        let own_limit = offer.client_max_window_bits.map(clamp);
        let client_bits = match (own_limit, answered.client_max_window_bits) {
            (_, Some(None)) => {
                return Err(Error::BadDeflateResponse(
                    "client_max_window_bits needs a value in a response",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::BadDeflateResponse(
                    "client_max_window_bits was not offered",
                ));
            }
            (Some(own), Some(Some(bits))) => own.min(bits),
            (own, None) => own.unwrap_or(MAX_WINDOW_BITS),
        };
        Ok(Some(PerMessageDeflateConfig {
            server_no_context_takeover: answered.server_no_context_takeover,
            client_no_context_takeover: offer.client_no_context_takeover
                || answered.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        }))
    }
}

fn clamp(bits: u8) -> u8 {
    bits.clamp(crate::extension::deflate::MIN_WINDOW_BITS, MAX_WINDOW_BITS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::offer::parse_extensions;

    fn verify(
        offer: Option<DeflateOffer>,
        response: &str,
    ) -> Result<Option<PerMessageDeflateConfig>> {
        let accepted = parse_extensions(response).unwrap_or_default();
        DeflateOffer::verify(offer.as_ref(), &accepted)
    }

    #[test]
    fn default_offer_is_the_browser_one() {
        assert_eq!(
            DeflateOffer::default().header_value(),
            "permessage-deflate; client_max_window_bits"
        );
    }

    #[test]
    fn full_offer_header() {
        let offer = DeflateOffer {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: Some(10),
            client_max_window_bits: Some(9),
        };
        assert_eq!(
            offer.header_value(),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits=9"
        );
    }

    #[test]
    fn accepted_responses() {
        let offer = Some(DeflateOffer::default());
        assert_eq!(verify(offer, ""), Ok(None));
        assert_eq!(
            verify(offer, "permessage-deflate"),
            Ok(Some(PerMessageDeflateConfig::default()))
        );
        let config = verify(
            offer,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; \
             client_max_window_bits=10",
        );
        assert_eq!(
            config,
            Ok(Some(PerMessageDeflateConfig {
                server_no_context_takeover: true,
                client_no_context_takeover: false,
                server_max_window_bits: 9,
                client_max_window_bits: 10,
            }))
        );
    }

    #[test]
    fn rejected_responses() {
        let browser = Some(DeflateOffer::default());
        let bare = Some(DeflateOffer {
            client_max_window_bits: None,
            ..DeflateOffer::default()
        });
        let demanding = Some(DeflateOffer {
            server_no_context_takeover: true,
            server_max_window_bits: Some(10),
            ..DeflateOffer::default()
        });
        let table: &[(Option<DeflateOffer>, &str, Error)] = &[
            (None, "permessage-deflate", Error::UnofferedExtension),
            (browser, "x-webkit-deflate-frame", Error::UnofferedExtension),
            (
                browser,
                "permessage-deflate, permessage-deflate",
                Error::UnofferedExtension,
            ),
            (
                bare,
                "permessage-deflate; client_max_window_bits=10",
                Error::BadDeflateResponse("client_max_window_bits was not offered"),
            ),
            (
                browser,
                "permessage-deflate; client_max_window_bits",
                Error::BadDeflateResponse("client_max_window_bits needs a value in a response"),
            ),
            (
                browser,
                "permessage-deflate; unknown",
                Error::BadDeflateResponse("unknown parameter"),
            ),
            (
                demanding,
                "permessage-deflate; server_max_window_bits=10",
                Error::BadDeflateResponse("server_no_context_takeover not confirmed"),
            ),
            (
                demanding,
                "permessage-deflate; server_no_context_takeover",
                Error::BadDeflateResponse("server_max_window_bits not confirmed"),
            ),
            (
                demanding,
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
                Error::BadDeflateResponse("server_max_window_bits above the offer"),
            ),
        ];
        for (offer, response, expected) in table {
            assert_eq!(
                verify(*offer, response),
                Err(expected.clone()),
                "{response}"
            );
        }
    }
}

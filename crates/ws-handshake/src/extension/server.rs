//! The server's side of permessage-deflate: a policy, and the choice among a client's offers.

use crate::extension::deflate::{
    MAX_WINDOW_BITS, MIN_WINDOW_BITS, PERMESSAGE_DEFLATE, PerMessageDeflateConfig, push_param,
    read_params,
};
use crate::extension::offer::ExtensionOffer;

/// What a server wants from, and allows in, a permessage-deflate agreement.
///
/// The default accepts any valid offer as made, keeping 32 KiB windows and context takeover
/// unless the client asks otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflatePolicy {
    /// Ask to reset the server's compressor after each message, even if the client did not.
    ///
    /// Default `false`. `true` frees the server's compression window between messages (saves
    /// about 256 KiB per idle connection at 15 bits) at the cost of compression ratio on
    /// repetitive streams.
    pub server_no_context_takeover: bool,
    /// Ask the client to reset its compressor after each message.
    ///
    /// Default `false`. `true` lets the server drop its decompression window (`2^bits` bytes)
    /// between messages; the client's ratio suffers.
    pub client_no_context_takeover: bool,
    /// Largest window the server compresses with, 8..=15 (clamped).
    ///
    /// Default 15 (32 KiB). Smaller saves server memory per connection; sent to the client
    /// whenever below 15 or whenever the client asked.
    pub server_max_window_bits: u8,
    /// Largest window the server lets the client compress with, 8..=15 (clamped).
    ///
    /// Default 15. Below 15 the server's decompressor needs only `2^bits` bytes, but an offer
    /// without `client_max_window_bits` is then declined: the client never said it can obey.
    pub client_max_window_bits: u8,
    /// Accept offers that ask the server not to take over context.
    ///
    /// Default `true` (honouring it costs compression ratio, never memory). `false` declines
    /// such offers.
    pub allow_server_no_context_takeover: bool,
}

impl Default for DeflatePolicy {
    fn default() -> Self {
        DeflatePolicy {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: MAX_WINDOW_BITS,
            client_max_window_bits: MAX_WINDOW_BITS,
            allow_server_no_context_takeover: true,
        }
    }
}

/// An accepted offer: the agreement, and the `Sec-WebSocket-Extensions` value announcing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeflateAgreement {
    /// The negotiated parameters.
    pub config: PerMessageDeflateConfig,
    /// The response header value, e.g. `permessage-deflate; server_max_window_bits=12`.
    pub header_value: String,
}

impl DeflatePolicy {
    /// Picks the first permessage-deflate offer this policy can accept, in the client's order
    /// of preference. Offers with unknown, repeated or malformed parameters, and offers the
    /// policy cannot honour, are declined and the next one is tried; `None` means permessage-
    /// deflate is not used.
    ///
    /// ```
    /// use ws_handshake::extension::offer::parse_extensions;
    /// use ws_handshake::DeflatePolicy;
    ///
    /// let offers = parse_extensions(
    ///     "permessage-deflate; server_max_window_bits=99, permessage-deflate; client_max_window_bits",
    /// ).unwrap();
    /// let policy = DeflatePolicy { client_max_window_bits: 10, ..DeflatePolicy::default() };
    /// let agreed = policy.negotiate(&offers).unwrap();
    /// assert_eq!(agreed.header_value, "permessage-deflate; client_max_window_bits=10");
    /// assert_eq!(agreed.config.client_max_window_bits, 10);
    /// ```
    pub fn negotiate(&self, offers: &[ExtensionOffer<'_>]) -> Option<DeflateAgreement> {
        offers
            .iter()
            .filter(|offer| offer.name.eq_ignore_ascii_case(PERMESSAGE_DEFLATE))
            .find_map(|offer| self.answer(offer))
    }

    /// The agreement for one offer, or `None` to decline it.
    fn answer(&self, offer: &ExtensionOffer<'_>) -> Option<DeflateAgreement> {
        let asked = read_params(&offer.params).ok()?;
        if asked.server_no_context_takeover && !self.allow_server_no_context_takeover {
            return None;
        }
        let server_cap = self
            .server_max_window_bits
            .clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS);
        let client_cap = self
            .client_max_window_bits
            .clamp(MIN_WINDOW_BITS, MAX_WINDOW_BITS);
        let server_bits = asked
            .server_max_window_bits
            .map_or(server_cap, |b| b.min(server_cap));
        let client_bits = match asked.client_max_window_bits {
            Some(hint) => hint.unwrap_or(MAX_WINDOW_BITS).min(client_cap),
            None if client_cap < MAX_WINDOW_BITS => return None,
            None => MAX_WINDOW_BITS,
        };
        let config = PerMessageDeflateConfig {
            server_no_context_takeover: asked.server_no_context_takeover
                || self.server_no_context_takeover,
            client_no_context_takeover: asked.client_no_context_takeover
                || self.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        };
        let mut header_value = String::from(PERMESSAGE_DEFLATE);
        if config.server_no_context_takeover {
            push_param(&mut header_value, "server_no_context_takeover", None);
        }
        if config.client_no_context_takeover {
            push_param(&mut header_value, "client_no_context_takeover", None);
        }
        if asked.server_max_window_bits.is_some() || server_bits < MAX_WINDOW_BITS {
            push_param(
                &mut header_value,
                "server_max_window_bits",
                Some(server_bits),
            );
        }
        if client_bits < MAX_WINDOW_BITS {
            push_param(
                &mut header_value,
                "client_max_window_bits",
                Some(client_bits),
            );
        }
        Some(DeflateAgreement {
            config,
            header_value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::offer::parse_extensions;

    fn negotiate(policy: DeflatePolicy, header: &str) -> Option<String> {
        let offers = parse_extensions(header).ok()?;
        policy.negotiate(&offers).map(|a| a.header_value)
    }

    #[test]
    fn negotiation_table() {
        let default = DeflatePolicy::default();
        let small = DeflatePolicy {
            server_max_window_bits: 10,
            client_max_window_bits: 11,
            ..default
        };
        let stateless = DeflatePolicy {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            ..default
        };
        let strict = DeflatePolicy {
            allow_server_no_context_takeover: false,
            ..default
        };
        let pmd = "permessage-deflate";
        let table: &[(DeflatePolicy, &str, Option<&str>)] = &[
            (default, pmd, Some(pmd)),
            (default, "PerMessage-Deflate", Some(pmd)),
            (
                default,
                "permessage-deflate; client_max_window_bits",
                Some(pmd),
            ),
            (
                default,
                "permessage-deflate; client_max_window_bits=12",
                Some("permessage-deflate; client_max_window_bits=12"),
            ),
            (
                default,
                "permessage-deflate; server_max_window_bits=15",
                Some("permessage-deflate; server_max_window_bits=15"),
            ),
            (
                default,
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
            ),
            (
                small,
                "permessage-deflate; client_max_window_bits",
                Some("permessage-deflate; server_max_window_bits=10; client_max_window_bits=11"),
            ),
            (
                small,
                "permessage-deflate; server_max_window_bits=9; client_max_window_bits=13",
                Some("permessage-deflate; server_max_window_bits=9; client_max_window_bits=11"),
            ),
            (small, pmd, None),
            (
                small,
                "permessage-deflate, permessage-deflate; client_max_window_bits",
                Some("permessage-deflate; server_max_window_bits=10; client_max_window_bits=11"),
            ),
            (
                stateless,
                pmd,
                Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover"),
            ),
            (
                strict,
                "permessage-deflate; server_no_context_takeover",
                None,
            ),
            (
                strict,
                "permessage-deflate; server_no_context_takeover, permessage-deflate",
                Some(pmd),
            ),
            (default, "x-webkit-deflate-frame", None),
            (default, "permessage-deflate; bogus", None),
            (
                default,
                "permessage-deflate; bogus, permessage-deflate",
                Some(pmd),
            ),
            (
                default,
                "permessage-deflate; server_max_window_bits=8; server_max_window_bits=8",
                None,
            ),
            (
                default,
                "permessage-deflate; server_max_window_bits=16",
                None,
            ),
            (default, "permessage-deflate; server_max_window_bits", None),
            (
                default,
                "permessage-deflate; client_max_window_bits=7",
                None,
            ),
            (
                default,
                "permessage-deflate; server_max_window_bits=\"8\"",
                Some("permessage-deflate; server_max_window_bits=8"),
            ),
        ];
        for (policy, offer, expected) in table {
            assert_eq!(
                negotiate(*policy, offer).as_deref(),
                *expected,
                "{policy:?} / {offer}"
            );
        }
    }

    #[test]
    fn out_of_range_policy_is_clamped() {
        let policy = DeflatePolicy {
            server_max_window_bits: 3,
            ..DeflatePolicy::default()
        };
        let agreed = parse_extensions("permessage-deflate")
            .ok()
            .and_then(|offers| policy.negotiate(&offers));
        assert_eq!(agreed.map(|a| a.config.server_max_window_bits), Some(8));
    }
}

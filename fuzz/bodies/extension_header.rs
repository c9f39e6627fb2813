//! `Sec-WebSocket-Extensions` values: list syntax and permessage-deflate negotiation.
//!
//! Invariants: never panics; a parsed list written back parses to the same elements; an
//! agreement's header parses, is accepted by a client that offered the same parameters, and
//! renegotiates to the same agreement.

use ws_handshake::{DeflateOffer, DeflatePolicy, ExtensionOffer, parse_extensions};

/// The fuzz body.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(offers) = parse_extensions(text) else {
        return;
    };
    let written: Vec<String> = offers.iter().map(ToString::to_string).collect();
    let written = written.join(", ");
    let reparsed = parse_extensions(&written);
    assert_eq!(reparsed.as_ref(), Ok(&offers));

    let policies = [
        DeflatePolicy::default(),
        DeflatePolicy {
            server_no_context_takeover: true,
            client_no_context_takeover: true,
            server_max_window_bits: 9,
            client_max_window_bits: 11,
            allow_server_no_context_takeover: true,
        },
        DeflatePolicy {
            allow_server_no_context_takeover: false,
            ..DeflatePolicy::default()
        },
    ];
    for policy in policies {
        let Some(agreement) = policy.negotiate(&offers) else {
            continue;
        };
        let answered = parse_extensions(&agreement.header_value);
        let Ok(answered) = answered else {
            panic!(
                "agreement header does not parse: {}",
                agreement.header_value
            );
        };
        let again = policy.negotiate(&answered);
        assert_eq!(again.map(|a| a.config), Some(agreement.config));
        let offer = offer_matching(&offers, &policy);
        let verified = DeflateOffer::verify(Some(&offer), &answered);
        assert_eq!(
            verified,
            Ok(Some(agreement.config)),
            "{}",
            agreement.header_value
        );
    }
}

/// The client offer equivalent to the first element `policy` accepts.
fn offer_matching(offers: &[ExtensionOffer<'_>], policy: &DeflatePolicy) -> DeflateOffer {
    let accepted = offers
        .iter()
        .find(|o| policy.negotiate(std::slice::from_ref(o)).is_some());
    let mut offer = DeflateOffer {
        client_max_window_bits: None,
        ..DeflateOffer::default()
    };
    for param in accepted.map(|o| o.params.as_slice()).unwrap_or_default() {
        let bits = param.value.as_deref().and_then(|v| v.parse().ok());
        match param.name {
            "server_no_context_takeover" => offer.server_no_context_takeover = true,
            "client_no_context_takeover" => offer.client_no_context_takeover = true,
            "server_max_window_bits" => offer.server_max_window_bits = bits,
            "client_max_window_bits" => offer.client_max_window_bits = Some(bits.unwrap_or(15)),
            _ => {}
        }
    }
    offer
}

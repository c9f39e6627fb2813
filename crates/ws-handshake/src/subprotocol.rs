//! `Sec-WebSocket-Protocol`: reading a client's offer and choosing among it.

use crate::token_list::{elements, is_token};

/// The subprotocols offered across every `Sec-WebSocket-Protocol` value, in the client's order.
/// `None` if an element is not a token.
pub(crate) fn parse_offer<'a>(values: impl Iterator<Item = &'a [u8]>) -> Option<Vec<&'a str>> {
    values
        .flat_map(elements)
        .map(|e| {
            if is_token(e) {
                std::str::from_utf8(e).ok()
            } else {
                None
            }
        })
        .collect()
}

/// The first protocol of `server_preference` that the client offered (exact, case-sensitive
/// match), or `None` to proceed without a subprotocol.
///
/// ```
/// let chosen = ws_handshake::select_subprotocol(&["v2.chat", "chat"], &["chat", "v2.chat"]);
/// assert_eq!(chosen, Some("v2.chat"));
/// ```
pub fn select_subprotocol<'p>(server_preference: &[&'p str], offered: &[&str]) -> Option<&'p str> {
    server_preference
        .iter()
        .copied()
        .find(|wanted| offered.contains(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_spans_repeated_headers() {
        let values: [&[u8]; 2] = [b"chat, superchat", b" mqtt "];
        assert_eq!(
            parse_offer(values.into_iter()),
            Some(vec!["chat", "superchat", "mqtt"])
        );
        let values: [&[u8]; 1] = [b"chat, super chat"];
        assert_eq!(parse_offer(values.into_iter()), None);
    }

    #[test]
    fn server_preference_wins() {
        assert_eq!(select_subprotocol(&["b", "a"], &["a", "b"]), Some("b"));
        assert_eq!(select_subprotocol(&["c"], &["a", "b"]), None);
        assert_eq!(select_subprotocol(&["Chat"], &["chat"]), None);
        assert_eq!(select_subprotocol(&[], &["chat"]), None);
    }
}

//! Fuzz body: a sequence of messages fed to the Socket.IO JSON decoder.
//!
//! The input is split on the byte `0xFF` (never part of UTF-8). A part starting with `0xFE`
//! is a binary message (the rest of the part); any other part is a text message when it is
//! UTF-8 and a binary message otherwise. So a text packet followed by `0xFF 0xFE`-introduced
//! parts is a binary packet and its attachments. Every complete packet must encode to
//! messages that decode to the same packet, and events must encode identically through the
//! serde path.

use bytes::Bytes;
use event_proto::socket::Packet;
use event_proto::{Decoder, Encoded, JsonParser, Limits, Message, Parser, Str};

/// Feeds the messages in `data` to a decoder; never panics except on a broken round trip.
pub fn run(data: &[u8]) {
    let limits = Limits {
        max_attachments: 10,
        max_attachment_bytes: 64 * 1024,
        ..Limits::default()
    };
    let mut decoder = JsonParser.decoder(limits);
    for part in data.split(|&b| b == 0xFF) {
        let Ok(Some(packet)) = decoder.push(message(part)) else {
            continue;
        };
        let encoded = JsonParser
            .encode(&packet)
            .expect("a decoded packet encodes");
        // One attachment may be referenced many times, so the re-decoder is unbounded.
        let mut again = JsonParser.decoder(Limits {
            max_attachments: usize::MAX,
            max_attachment_bytes: usize::MAX,
            ..Limits::default()
        });
        let mut result = None;
        for m in encoded.messages() {
            result = again.push(m).expect("re-encoded messages decode");
        }
        assert_eq!(result.as_ref(), Some(&packet), "packet round trip");
        same_as_serde_path(&packet, &encoded);
    }
}

/// Events re-encoded from their arguments through serde give the same wire bytes (except
/// binary-kind packets without binary data, which the serde path sends as plain events).
fn same_as_serde_path(packet: &Packet, encoded: &Encoded) {
    let (Some(name), true) = (
        packet.event_name(),
        packet.kind.is_binary() == packet.has_binary(),
    ) else {
        return;
    };
    let direct = JsonParser.encode_event(&packet.ns, name, packet.args(), packet.id);
    assert_eq!(direct.as_ref(), Ok(encoded), "serde path");
}

fn message(part: &[u8]) -> Message {
    match part.split_first() {
        Some((0xFE, rest)) => Message::Binary(Bytes::copy_from_slice(rest)),
        _ => match Str::from_utf8(Bytes::copy_from_slice(part)) {
            Ok(text) => Message::Text(text),
            Err(_) => Message::Binary(Bytes::copy_from_slice(part)),
        },
    }
}

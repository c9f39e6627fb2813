//! Fuzz body: one Engine.IO packet from a WebSocket frame, text and binary.
//!
//! The input is tried as a text frame (when it is UTF-8) and as a binary frame. Whatever
//! decodes must encode to a frame that decodes to the same packet.

use bytes::Bytes;
use event_proto::engine::{Handshake, Packet};
use event_proto::{Message, Str};

/// Decodes `data` as a frame; never panics except on a broken round trip.
pub fn run(data: &[u8]) {
    let bytes = Bytes::copy_from_slice(data);
    if let Ok(text) = Str::from_utf8(bytes.clone()) {
        check(Message::Text(text));
    }
    check(Message::Binary(bytes));
}

fn check(frame: Message) {
    let Ok(packet) = Packet::decode_ws(frame) else {
        return;
    };
    if let Ok(handshake) = Handshake::from_packet(&packet) {
        let again = Handshake::from_packet(&handshake.to_packet());
        assert_eq!(again.as_ref(), Ok(&handshake));
    }
    let again = Packet::decode_ws(packet.encode_ws());
    assert_eq!(again.as_ref(), Ok(&packet), "frame round trip");
}

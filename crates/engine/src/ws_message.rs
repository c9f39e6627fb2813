//! Engine.IO packets as WebSocket messages, one packet per message, and back.

use event_proto::engine::Packet;
use event_proto::{Message as EioMessage, Str};
use wsio_ws::{Message, Utf8Bytes};

/// One frame as an Engine.IO packet; `None` for malformed input.
pub(crate) fn decode(message: Message) -> Option<Packet> {
    let message = match message {
        Message::Text(text) => EioMessage::Text(Str::from_utf8(text.into_bytes()).ok()?),
        Message::Binary(data) => EioMessage::Binary(data),
        _ => return None,
    };
    Packet::decode_ws(message).ok()
}

/// One Engine.IO packet as a frame.
pub(crate) fn to_ws(packet: &Packet) -> Message {
    match packet.encode_ws() {
        EioMessage::Text(text) => {
            Message::Text(Utf8Bytes::try_from_bytes(text.into_bytes()).unwrap_or_default())
        }
        EioMessage::Binary(data) => Message::Binary(data),
    }
}

//! What a session's outgoing queue holds.

use std::sync::{Arc, OnceLock};

use bytes::{Bytes, BytesMut};
use event_proto::Message;
use event_proto::engine::Packet;
use ws_frame::{Frame, FrameEncoder, Role};

use crate::ws_message::to_ws;

/// One item of a session's outgoing queue.
#[derive(Debug, Clone)]
pub enum Outgoing {
    /// One Engine.IO packet.
    Packet(Packet),
    /// Messages for this session alone, sent in order.
    Messages(Messages),
    /// Messages for many sessions, their WebSocket frames encoded once.
    Shared(Arc<SharedMessages>),
}

impl Outgoing {
    /// The number of Engine.IO packets in this item and their data bytes.
    pub(crate) fn size(&self) -> (u64, u64) {
        match self {
            Outgoing::Packet(packet) => (1, crate::stats::data_len(packet)),
            Outgoing::Messages(messages) => messages.size(),
            Outgoing::Shared(shared) => shared.messages().size(),
        }
    }

    /// The Engine.IO packets this item becomes, in send order.
    pub(crate) fn packets(&self) -> Vec<Packet> {
        match self {
            Outgoing::Packet(packet) => vec![packet.clone()],
            Outgoing::Messages(messages) => messages.packets().collect(),
            Outgoing::Shared(shared) => shared.messages().packets().collect(),
        }
    }
}

/// A message and the binary messages that follow it, sent in this order and never
/// interleaved with another item's (what a Socket.IO packet with binary attachments becomes).
#[derive(Debug, Clone, PartialEq)]
pub struct Messages {
    /// The first message, text or binary.
    pub head: Message,
    /// Binary messages sent right after `head`.
    pub attachments: Vec<Bytes>,
}

impl Messages {
    /// The number of packets (the head and each attachment) and their data bytes.
    fn size(&self) -> (u64, u64) {
        let head = match &self.head {
            Message::Text(text) => text.len(),
            Message::Binary(data) => data.len(),
        };
        let attached: usize = self.attachments.iter().map(Bytes::len).sum();
        (1 + self.attachments.len() as u64, (head + attached) as u64)
    }

    /// One message alone.
    pub fn one(head: Message) -> Messages {
        Messages {
            head,
            attachments: Vec::new(),
        }
    }

    /// Every message as an Engine.IO packet (text → `Message`, binary → `Binary`), in order.
    pub(crate) fn packets(&self) -> impl Iterator<Item = Packet> + '_ {
        let head = match &self.head {
            Message::Text(text) => Packet::Message(text.clone()),
            Message::Binary(data) => Packet::Binary(data.clone()),
        };
        std::iter::once(head).chain(self.attachments.iter().cloned().map(Packet::Binary))
    }
}

/// [`Messages`] queued on many sessions at once (a broadcast). Sessions over polling, or over
/// a WebSocket with permessage-deflate, send them as they would their own; the first session
/// over a plain WebSocket encodes their frames (unmasked, uncompressed) once, and every other
/// such session writes those same bytes.
#[derive(Debug)]
pub struct SharedMessages {
    messages: Messages,
    frames: OnceLock<Bytes>,
}

impl SharedMessages {
    /// Messages to share; no frame is encoded yet.
    pub fn new(messages: Messages) -> SharedMessages {
        SharedMessages {
            messages,
            frames: OnceLock::new(),
        }
    }

    /// The messages.
    pub fn messages(&self) -> &Messages {
        &self.messages
    }

    /// Their frames as a server sends them without permessage-deflate, encoded on first use.
    pub(crate) fn frames(&self) -> &Bytes {
        self.frames.get_or_init(|| {
            let mut encoder = FrameEncoder::new(Role::Server);
            let mut out = BytesMut::new();
            for packet in self.messages.packets() {
                encoder.encode(&Frame::from(to_ws(&packet)), &mut out);
            }
            out.freeze()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_expand_to_engine_packets_in_order() {
        assert_eq!(Outgoing::Packet(Packet::Noop).packets(), vec![Packet::Noop]);
        let messages = Messages {
            head: Message::Text("a".into()),
            attachments: vec![Bytes::from_static(b"b")],
        };
        let expected = vec![
            Packet::Message("a".into()),
            Packet::Binary(Bytes::from_static(b"b")),
        ];
        assert_eq!(Outgoing::Messages(messages.clone()).packets(), expected);
        let shared = Arc::new(SharedMessages::new(messages));
        assert_eq!(Outgoing::Shared(shared.clone()).packets(), expected);
        assert!(!shared.frames().is_empty());
    }
}

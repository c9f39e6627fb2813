//! Encoded Socket.IO packets as items of an Engine.IO session's queue, and the fan-out
//! cache: a packet for many recipients, shared by their queues.

use std::sync::Arc;

use event_proto::Encoded;
use wsio_engine::{Messages, Outgoing, SharedMessages};

/// The messages of an encoded packet: its head, then its binary attachments.
fn messages(packet: Encoded) -> Messages {
    Messages {
        head: packet.head,
        attachments: packet.attachments,
    }
}

/// A packet for one recipient.
pub(crate) fn single(packet: Encoded) -> Outgoing {
    Outgoing::Messages(messages(packet))
}

/// A packet for many recipients: one shared item, whose WebSocket frames are encoded once
/// (by the first recipient that sends them as they are).
pub(crate) fn shared(packet: Encoded) -> Arc<SharedMessages> {
    Arc::new(SharedMessages::new(messages(packet)))
}

//! Socket.IO v5: packets, binary placeholders and the attachment state machine.

mod binary;
mod decoder;
mod packet;

pub(crate) use binary::write_placeholder;
pub use binary::{PLACEHOLDER_KEY, rebuild};
pub use decoder::AttachmentCollector;
pub use packet::{Packet, PacketKind, RESERVED_EVENTS, ROOT_NAMESPACE};
pub(crate) use packet::{validate_event_name, validate_namespace};

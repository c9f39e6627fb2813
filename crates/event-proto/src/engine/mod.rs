//! Engine.IO v4: packets, polling payloads, the open handshake and the upgrade probe.

mod handshake;
mod packet;
mod payload;
mod upgrade;

pub use crate::message::Message;
pub use handshake::Handshake;
pub use packet::{PROBE, Packet, PacketType};
pub use payload::{PayloadBuilder, SEPARATOR, decode_payload, encode_payload};
pub use upgrade::{UpgradeAction, UpgradeState};

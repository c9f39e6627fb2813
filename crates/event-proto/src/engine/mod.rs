//! Engine.IO v4: packets, polling payloads, the open handshake, the upgrade probe and a
//! sans-I/O session (heartbeat deadlines and packet dispatch).

mod handshake;
mod packet;
mod payload;
mod session;
mod upgrade;

pub use crate::message::Message;
pub use handshake::Handshake;
pub use packet::{PROBE, Packet, PacketType};
pub use payload::{PayloadBuilder, SEPARATOR, decode_payload, encode_payload};
pub use session::{Action, CloseReason, Role, Session};
pub use upgrade::{UpgradeAction, UpgradeState};

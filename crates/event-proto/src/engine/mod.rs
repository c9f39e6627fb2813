//! Engine.IO v4: packets, polling payloads, the open handshake, the upgrade probe and a
//! sans-I/O session (heartbeat deadlines and packet dispatch); [`webtransport`] frames packets
//! on a byte stream.

mod handshake;
mod packet;
mod payload;
mod session;
mod transport;
mod upgrade;
pub mod webtransport;

pub use crate::message::Message;
pub use handshake::Handshake;
pub use packet::{PROBE, Packet, PacketType};
pub use payload::{PayloadBuilder, SEPARATOR, decode_payload, encode_payload};
pub use session::{Action, CloseReason, Role, Session};
pub use transport::{Transport, UnknownTransport};
pub use upgrade::{UpgradeAction, UpgradeState};

//! The JSON carried by the Engine.IO `open` packet.

use serde::{Deserialize, Serialize};

use super::packet::Packet;
use crate::error::{Error, Result};
use crate::text::Str;

/// Session parameters the server announces in its `open` packet.
///
/// Fields serialize in wire order and with the wire's camelCase names, so encoding is
/// byte-identical to the reference.
///
/// ```
/// use event_proto::engine::Handshake;
///
/// let hs = Handshake {
///     sid: "lv_VI97HAXpY6yYWAAAC".into(),
///     upgrades: vec!["websocket".into()],
///     ping_interval: 25000,
///     ping_timeout: 5000,
///     max_payload: 1000000,
/// };
/// let packet = hs.to_packet();
/// assert_eq!(Handshake::from_packet(&packet).unwrap(), hs);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handshake {
    /// The session id the client repeats in every later request.
    pub sid: String,
    /// Transports the client may upgrade to (`["websocket"]` when polling, `[]` otherwise).
    pub upgrades: Vec<String>,
    /// Milliseconds between server pings.
    pub ping_interval: u64,
    /// Milliseconds the peer has to answer a ping.
    pub ping_timeout: u64,
    /// Largest polling payload the server accepts, in bytes.
    pub max_payload: u64,
}

impl Handshake {
    /// The `open` packet carrying this handshake.
    pub fn to_packet(&self) -> Packet {
        Packet::Open(Str::from(self.to_json()))
    }

    /// The handshake JSON text.
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses the handshake out of an `open` packet.
    pub fn from_packet(packet: &Packet) -> Result<Handshake> {
        match packet {
            Packet::Open(json) => Handshake::from_json(json.as_bytes()),
            _ => Err(Error::InvalidHandshake),
        }
    }

    /// Parses handshake JSON.
    pub fn from_json(json: &[u8]) -> Result<Handshake> {
        serde_json::from_slice(json).map_err(|_| Error::InvalidHandshake)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_only_round_trip() {
        let hs = Handshake {
            sid: "s".into(),
            upgrades: vec![],
            ping_interval: 1,
            ping_timeout: 2,
            max_payload: 3,
        };
        let json = r#"{"sid":"s","upgrades":[],"pingInterval":1,"pingTimeout":2,"maxPayload":3}"#;
        assert_eq!(hs.to_json(), json);
        assert_eq!(Handshake::from_packet(&hs.to_packet()), Ok(hs));
    }

    #[test]
    fn rejects_bad_handshakes() {
        assert_eq!(Handshake::from_json(b"{}"), Err(Error::InvalidHandshake));
        assert_eq!(
            Handshake::from_packet(&Packet::Noop),
            Err(Error::InvalidHandshake)
        );
    }
}

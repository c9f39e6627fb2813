//! Engine.IO v4 packets and their WebSocket mapping.

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::{Error, Result};
use crate::message::Message;
use crate::text::Str;

/// The seven Engine.IO packet types, with their wire digit as discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// `0`: sent by the server with the handshake JSON.
    Open = 0,
    /// `1`: asks to close the transport.
    Close = 1,
    /// `2`: heartbeat request (or `2probe` during an upgrade).
    Ping = 2,
    /// `3`: heartbeat answer (or `3probe`).
    Pong = 3,
    /// `4`: application data.
    Message = 4,
    /// `5`: completes a transport upgrade.
    Upgrade = 5,
    /// `6`: does nothing; used to release a pending poll during an upgrade.
    Noop = 6,
}

impl PacketType {
    /// The type for an ASCII digit `b'0'..=b'6'`.
    pub fn from_ascii(b: u8) -> Result<PacketType> {
        Ok(match b {
            b'0' => PacketType::Open,
            b'1' => PacketType::Close,
            b'2' => PacketType::Ping,
            b'3' => PacketType::Pong,
            b'4' => PacketType::Message,
            b'5' => PacketType::Upgrade,
            b'6' => PacketType::Noop,
            other => return Err(Error::UnknownType(other)),
        })
    }

    /// The ASCII digit of this type.
    pub fn as_ascii(self) -> u8 {
        b'0' + self as u8
    }
}

/// One Engine.IO packet.
///
/// Text data is kept as a zero-copy [`Str`] view of the received message. Only `Ping`, `Pong`,
/// `Open` and text `Message` carry data; data sent with the other types is ignored on decode, as
/// the reference does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// Handshake; the data is the JSON of [`crate::engine::Handshake`].
    Open(Str),
    /// Transport close request.
    Close,
    /// Heartbeat or probe request, with its (usually empty) data.
    Ping(Str),
    /// Heartbeat or probe answer, with its (usually empty) data.
    Pong(Str),
    /// A text message.
    Message(Str),
    /// A binary message: a binary WebSocket frame, or `b<base64>` in a polling payload.
    Binary(Bytes),
    /// Upgrade completion.
    Upgrade,
    /// No operation.
    Noop,
}

impl Packet {
    /// The packet type; `Binary` is a `Message`.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Open(_) => PacketType::Open,
            Packet::Close => PacketType::Close,
            Packet::Ping(_) => PacketType::Ping,
            Packet::Pong(_) => PacketType::Pong,
            Packet::Message(_) | Packet::Binary(_) => PacketType::Message,
            Packet::Upgrade => PacketType::Upgrade,
            Packet::Noop => PacketType::Noop,
        }
    }

    /// Decodes a text packet (a WebSocket text frame or one record of a polling payload):
    /// a type digit followed by the data, which is sliced without copying.
    ///
    /// ```
    /// use event_proto::engine::Packet;
    /// use event_proto::Str;
    ///
    /// let p = Packet::decode_text(Str::from("4hello")).unwrap();
    /// assert_eq!(p, Packet::Message(Str::from("hello")));
    /// assert!(Packet::decode_text(Str::from("9")).is_err());
    /// ```
    pub fn decode_text(text: Str) -> Result<Packet> {
        let first = *text.as_bytes().first().ok_or(Error::Empty)?;
        let data = || text.slice_from(1);
        Ok(match PacketType::from_ascii(first)? {
            PacketType::Open => Packet::Open(data()),
            PacketType::Close => Packet::Close,
            PacketType::Ping => Packet::Ping(data()),
            PacketType::Pong => Packet::Pong(data()),
            PacketType::Message => Packet::Message(data()),
            PacketType::Upgrade => Packet::Upgrade,
            PacketType::Noop => Packet::Noop,
        })
    }

    /// Decodes a WebSocket message (Engine.IO maps every packet to exactly one frame): text frames via [`Packet::decode_text`], binary frames are
    /// binary messages as they are.
    pub fn decode_ws(message: Message) -> Result<Packet> {
        match message {
            Message::Text(text) => Packet::decode_text(text),
            Message::Binary(data) => Ok(Packet::Binary(data)),
        }
    }

    /// The text data carried by this packet, if any.
    pub fn text_data(&self) -> Option<&Str> {
        match self {
            Packet::Open(s) | Packet::Ping(s) | Packet::Pong(s) | Packet::Message(s) => Some(s),
            _ => None,
        }
    }

    /// Size of the text encoding, excluding any `b`/base64 transformation.
    pub(crate) fn text_len(&self) -> usize {
        1 + self.text_data().map_or(0, Str::len)
    }

    /// Appends the text encoding (type digit and data) of a non-binary packet to `out`.
    pub(crate) fn write_text(&self, out: &mut BytesMut) {
        out.put_u8(self.packet_type().as_ascii());
        if let Some(data) = self.text_data() {
            out.extend_from_slice(data.as_bytes());
        }
    }

    /// Encodes the packet as one WebSocket message; binary messages go out unchanged.
    ///
    /// ```
    /// use event_proto::engine::{Packet, Message};
    /// use event_proto::Str;
    ///
    /// let frame = Packet::Pong(Str::from("probe")).encode_ws();
    /// assert_eq!(frame, Message::Text(Str::from("3probe")));
    /// ```
    pub fn encode_ws(&self) -> Message {
        match self {
            Packet::Binary(data) => Message::Binary(data.clone()),
            other => {
                let mut out = BytesMut::with_capacity(other.text_len());
                other.write_text(&mut out);
                Message::Text(Str::from_utf8_trusted(out.freeze()))
            }
        }
    }

    /// The `2probe` packet a client sends on the new transport to test it.
    pub fn probe_ping() -> Packet {
        Packet::Ping(Str::from_static(PROBE))
    }

    /// The `3probe` packet a server answers a probe with.
    pub fn probe_pong() -> Packet {
        Packet::Pong(Str::from_static(PROBE))
    }

    /// True for `2probe`.
    pub fn is_probe_ping(&self) -> bool {
        matches!(self, Packet::Ping(d) if d == PROBE)
    }

    /// True for `3probe`.
    pub fn is_probe_pong(&self) -> bool {
        matches!(self, Packet::Pong(d) if d == PROBE)
    }
}

/// The data of the upgrade probe ping and pong.
pub const PROBE: &str = "probe";

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Str {
        Str::from(s)
    }

    #[test]
    fn decodes_every_type() {
        let cases = [
            ("0{}", Packet::Open(text("{}"))),
            ("1", Packet::Close),
            ("2", Packet::Ping(text(""))),
            ("2probe", Packet::probe_ping()),
            ("3probe", Packet::probe_pong()),
            ("4hello", Packet::Message(text("hello"))),
            ("5", Packet::Upgrade),
            ("6", Packet::Noop),
        ];
        for (wire, packet) in cases {
            assert_eq!(
                Packet::decode_text(text(wire)),
                Ok(packet.clone()),
                "{wire}"
            );
            assert_eq!(packet.encode_ws(), Message::Text(text(wire)));
        }
    }

    #[test]
    fn ignores_data_on_dataless_types() {
        assert_eq!(Packet::decode_text(text("1x")), Ok(Packet::Close));
        assert_eq!(Packet::decode_text(text("5y")), Ok(Packet::Upgrade));
        assert_eq!(Packet::decode_text(text("6z")), Ok(Packet::Noop));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(Packet::decode_text(text("")), Err(Error::Empty));
        assert_eq!(
            Packet::decode_text(text("7")),
            Err(Error::UnknownType(b'7'))
        );
        assert_eq!(
            Packet::decode_text(text("bAQ==")),
            Err(Error::UnknownType(b'b'))
        );
    }

    #[test]
    fn binary_frames_are_raw() {
        let data = Bytes::from_static(&[0, 1, 2, 3, 4, 5]);
        let p = Packet::decode_ws(Message::Binary(data.clone())).expect("binary");
        assert_eq!(p, Packet::Binary(data.clone()));
        assert_eq!(p.packet_type(), PacketType::Message);
        assert_eq!(p.encode_ws(), Message::Binary(data));
    }

    #[test]
    fn probes() {
        assert!(Packet::probe_ping().is_probe_ping());
        assert!(Packet::probe_pong().is_probe_pong());
        assert!(!Packet::Ping(text("")).is_probe_ping());
        assert!(!Packet::Close.is_probe_pong());
        assert_eq!(PacketType::from_ascii(b'4'), Ok(PacketType::Message));
        assert_eq!(PacketType::Noop.as_ascii(), b'6');
    }
}

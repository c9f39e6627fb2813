//! Frame opcodes (RFC 6455 §5.2, §11.8).

use std::fmt;

/// The kind of a frame, from the low four bits of its first byte.
///
/// The reserved opcodes (3–7 and 11–15) have no variant: decoding one is an error
/// ([`Error::ReservedOpcode`](crate::Error::ReservedOpcode)), closing with 1002.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// `0x0`: the next fragment of a fragmented data message.
    Continuation,
    /// `0x1`: the first (or only) frame of a UTF-8 text message.
    Text,
    /// `0x2`: the first (or only) frame of a binary message.
    Binary,
    /// `0x8`: the close control frame.
    Close,
    /// `0x9`: the ping control frame.
    Ping,
    /// `0xA`: the pong control frame.
    Pong,
}

impl OpCode {
    /// The opcode for the low four bits of a frame's first byte, or `None` if reserved.
    ///
    /// ```
    /// use ws_frame::OpCode;
    /// assert_eq!(OpCode::from_bits(0x1), Some(OpCode::Text));
    /// assert_eq!(OpCode::from_bits(0x3), None);
    /// ```
    pub const fn from_bits(bits: u8) -> Option<OpCode> {
        Some(match bits {
            0x0 => OpCode::Continuation,
            0x1 => OpCode::Text,
            0x2 => OpCode::Binary,
            0x8 => OpCode::Close,
            0x9 => OpCode::Ping,
            0xA => OpCode::Pong,
            _ => return None,
        })
    }

    /// The four-bit wire value.
    pub const fn bits(self) -> u8 {
        match self {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
        }
    }

    /// Whether this is a control opcode (close, ping, pong): at most 125 bytes, never fragmented.
    pub const fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }
}

impl fmt::Display for OpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            OpCode::Continuation => "continuation",
            OpCode::Text => "text",
            OpCode::Binary => "binary",
            OpCode::Close => "close",
            OpCode::Ping => "ping",
            OpCode::Pong => "pong",
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nibble_maps_back_to_itself_or_is_reserved() {
        for bits in 0..16u8 {
            match OpCode::from_bits(bits) {
                Some(op) => assert_eq!(op.bits(), bits),
                None => assert!(matches!(bits, 3..=7 | 11..=15)),
            }
        }
    }

    #[test]
    fn control_opcodes_are_the_high_half() {
        assert!(OpCode::Close.is_control());
        assert!(OpCode::Ping.is_control());
        assert!(OpCode::Pong.is_control());
        assert!(!OpCode::Text.is_control());
        assert!(!OpCode::Binary.is_control());
        assert!(!OpCode::Continuation.is_control());
    }
}

//! The frame header (RFC 6455 §5.2): its parsing and its encoding.

use bytes::BufMut;

use crate::{Error, OpCode};

/// The RSV1 bit in its wire position (used by permessage-deflate).
pub const RSV1: u8 = 0x40;
/// The RSV2 bit in its wire position.
pub const RSV2: u8 = 0x20;
/// The RSV3 bit in its wire position.
pub const RSV3: u8 = 0x10;
/// All three RSV bits.
pub const RSV_ALL: u8 = RSV1 | RSV2 | RSV3;

/// The longest a header can be: 2 bytes, an 8-byte extended length and a 4-byte masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// A decoded frame header.
///
/// ```
/// use ws_frame::{FrameHeader, OpCode};
/// // RFC 6455 §5.7: a single-frame masked text message "Hello".
/// let wire = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58];
/// let (header, len) = FrameHeader::parse(&wire).unwrap().unwrap();
/// assert_eq!(len, 6);
/// assert!(header.fin);
/// assert_eq!(header.opcode, OpCode::Text);
/// assert_eq!(header.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
/// assert_eq!(header.payload_len, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Whether this is the final fragment of its message.
    pub fin: bool,
    /// The RSV bits, in their wire positions ([`RSV1`], [`RSV2`], [`RSV3`]).
    pub rsv: u8,
    /// The frame's opcode.
    pub opcode: OpCode,
    /// The masking key, present on every client-to-server frame.
    pub mask: Option<[u8; 4]>,
    /// The payload length the header declares.
    pub payload_len: u64,
}

impl FrameHeader {
    /// Parses a header from the start of `buf`.
    ///
    /// Returns `Ok(None)` when `buf` does not yet hold the whole header (nothing is consumed;
    /// call again with more bytes), or the header and its length in bytes. Only the rules that
    /// need no context are checked here: reserved opcodes and a 64-bit length with its top bit
    /// set. Role, RSV and size rules belong to the [decoder](crate::FrameDecoder).
    pub fn parse(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, Error> {
        let [first, second, ..] = *buf else {
            return Ok(None);
        };
        let opcode = OpCode::from_bits(first & 0x0f).ok_or(Error::ReservedOpcode(first & 0x0f))?;
        let masked = second & 0x80 != 0;
        let (payload_len, mut at) = match second & 0x7f {
            126 => match buf.get(2..4) {
                Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
                None => return Ok(None),
            },
            127 => match buf.get(2..10) {
                Some(b) => {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(b);
                    let len = u64::from_be_bytes(word);
                    if len >> 63 != 0 {
                        return Err(Error::InvalidLength);
                    }
                    (len, 10)
                }
                None => return Ok(None),
            },
            short => (u64::from(short), 2),
        };
        let mask = if masked {
            let Some(key) = buf.get(at..at + 4) else {
                return Ok(None);
            };
            at += 4;
            Some([key[0], key[1], key[2], key[3]])
        } else {
            None
        };
        let header = FrameHeader {
            fin: first & 0x80 != 0,
            rsv: first & RSV_ALL,
            opcode,
            mask,
            payload_len,
        };
        Ok(Some((header, at)))
    }

    /// How many bytes [`write`](FrameHeader::write) produces for this header.
    pub const fn encoded_len(&self) -> usize {
        let length_bytes = match self.payload_len {
            0..=125 => 0,
            126..=0xffff => 2,
            _ => 8,
        };
        2 + length_bytes + if self.mask.is_some() { 4 } else { 0 }
    }

    /// Writes the header into `out` with the shortest length encoding and returns how many
    /// bytes it used. A fixed array, so a caller can send header and payload as separate
    /// slices of one vectored write without copying the payload.
    pub fn write(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = (u8::from(self.fin) << 7) | (self.rsv & RSV_ALL) | self.opcode.bits();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut at = match self.payload_len {
            len @ 0..=125 => {
                out[1] = mask_bit | len as u8;
                2
            }
            len @ 126..=0xffff => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                4
            }
            len => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&len.to_be_bytes());
                10
            }
        };
        if let Some(key) = self.mask {
            out[at..at + 4].copy_from_slice(&key);
            at += 4;
        }
        at
    }

    /// Appends the header to `dst`.
    pub fn encode(&self, dst: &mut impl BufMut) {
        let mut buf = [0u8; MAX_HEADER_LEN];
        let len = self.write(&mut buf);
        dst.put_slice(&buf[..len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: OpCode, len: u64, mask: Option<[u8; 4]>) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv: 0,
            opcode,
            mask,
            payload_len: len,
        }
    }

    #[test]
    fn rfc_examples_encode_byte_exact() {
        // RFC 6455 §5.7 headers.
        let cases: [(FrameHeader, &[u8]); 5] = [
            (header(OpCode::Text, 5, None), &[0x81, 0x05]),
            (
                header(OpCode::Text, 5, Some([0x37, 0xfa, 0x21, 0x3d])),
                &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d],
            ),
            (header(OpCode::Binary, 256, None), &[0x82, 0x7E, 0x01, 0x00]),
            (
                header(OpCode::Binary, 65536, None),
                &[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0],
            ),
            (
                FrameHeader {
                    fin: false,
                    ..header(OpCode::Text, 3, None)
                },
                &[0x01, 0x03],
            ),
        ];
        for (h, wire) in cases {
            let mut out = Vec::new();
            h.encode(&mut out);
            assert_eq!(out, wire, "{h:?}");
            assert_eq!(h.encoded_len(), wire.len());
            assert_eq!(FrameHeader::parse(wire).unwrap(), Some((h, wire.len())));
        }
    }

    #[test]
    fn every_strict_prefix_needs_more() {
        let h = header(OpCode::Binary, 70_000, Some([1, 2, 3, 4]));
        let mut wire = Vec::new();
        h.encode(&mut wire);
        for cut in 0..wire.len() {
            assert_eq!(FrameHeader::parse(&wire[..cut]).unwrap(), None, "cut {cut}");
        }
        assert_eq!(FrameHeader::parse(&wire).unwrap(), Some((h, 14)));
    }

    #[test]
    fn reserved_opcode_and_top_bit_are_errors() {
        assert!(matches!(
            FrameHeader::parse(&[0x83, 0x00]),
            Err(Error::ReservedOpcode(3))
        ));
        assert!(matches!(
            FrameHeader::parse(&[0x8B, 0x00]),
            Err(Error::ReservedOpcode(11))
        ));
        let wire = [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert!(matches!(
            FrameHeader::parse(&wire),
            Err(Error::InvalidLength)
        ));
    }

    #[test]
    fn rsv_bits_are_read_in_place() {
        let (h, _) = FrameHeader::parse(&[0xC1, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, RSV1);
        let (h, _) = FrameHeader::parse(&[0xB2, 0x00]).unwrap().unwrap();
        assert_eq!(h.rsv, RSV2 | RSV3);
    }
}

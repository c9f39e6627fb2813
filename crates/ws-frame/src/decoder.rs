//! [`FrameDecoder`]: bytes in, validated and unmasked frames out.

use bytes::{Buf, BytesMut};

use crate::{Error, Frame, FrameHeader, Limits, Role, apply_mask_at};

/// Decodes frames from a read buffer, sans-I/O.
///
/// Feed it the bytes read so far; it returns a frame once one is complete, or `Ok(None)` and
/// consumes nothing more until more arrive. A half-read frame's header is remembered, so
/// nothing is lost or re-validated if the caller stops and resumes: reading is cancel-safe by
/// construction. Keep feeding the same buffer, only appending to it, while a frame is under
/// way ([`is_mid_frame`](FrameDecoder::is_mid_frame)).
///
/// The payload of each frame is split off the buffer and unmasked in place: no copy, no
/// allocation per frame. A masked payload that arrives over several reads is unmasked a read
/// at a time, each part on the call that finds it, while those bytes are still in the cache. The decoder never reserves room for a declared length; the buffer
/// grows only as bytes actually arrive.
///
/// ```
/// use bytes::BytesMut;
/// use ws_frame::{FrameDecoder, OpCode, Role};
///
/// let mut decoder = FrameDecoder::new(Role::Server);
/// let mut buf = BytesMut::from(&[0x81, 0x85, 0x37, 0xfa, 0x21][..]);
/// assert!(decoder.decode(&mut buf).unwrap().is_none()); // the header is not complete yet
/// buf.extend_from_slice(&[0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// let frame = decoder.decode(&mut buf).unwrap().unwrap();
/// assert_eq!(frame.opcode, OpCode::Text);
/// assert_eq!(&frame.payload[..], b"Hello");
/// assert!(buf.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    role: Role,
    max_frame_size: usize,
    allowed_rsv: u8,
    /// The header of the frame whose payload is still arriving, and its length in bytes.
    pending: Option<(FrameHeader, usize)>,
    /// How many bytes of that frame's payload are already unmasked in the buffer: a masked
    /// payload is unmasked as it arrives, while the bytes just read are still in the cache,
    /// rather than in one pass over the whole frame at its end.
    unmasked: usize,
}

impl FrameDecoder {
    /// A decoder for `role` with the default [`Limits`] and no RSV bits allowed.
    pub fn new(role: Role) -> Self {
        FrameDecoder::with_limits(role, &Limits::default())
    }

    /// A decoder for `role` enforcing `limits.max_frame_size`.
    pub fn with_limits(role: Role, limits: &Limits) -> Self {
        FrameDecoder {
            role,
            max_frame_size: limits.max_frame_size,
            allowed_rsv: 0,
            pending: None,
            unmasked: 0,
        }
    }

    /// Allows the RSV bits (wire positions, e.g. [`RSV1`](crate::RSV1)) that negotiated
    /// extensions use. Any other RSV bit on a frame is an error (1002).
    pub fn set_allowed_rsv(&mut self, bits: u8) {
        self.allowed_rsv = bits;
    }

    /// The side this decoder reads for.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether a frame has been started but not finished (some of its bytes are buffered).
    pub fn is_mid_frame(&self) -> bool {
        self.pending.is_some()
    }

    /// While a frame is mid-way ([`is_mid_frame`](FrameDecoder::is_mid_frame)), how many more
    /// bytes finish it, given that `buffered` bytes of it (header included) are in the buffer.
    /// A reader may size its next read with this, bounded by its own largest read: the length
    /// comes from the peer's header, so it must never be reserved unbounded.
    pub fn remaining(&self, buffered: usize) -> Option<usize> {
        self.pending.map(|(header, header_len)| {
            // `validate` bounded the length by `max_frame_size`, so this fits in usize.
            (header_len + header.payload_len as usize).saturating_sub(buffered)
        })
    }

    /// Decodes the next frame from the front of `src`.
    ///
    /// `Ok(None)` means more bytes are needed; the part of a masked payload already in `src`
    /// is unmasked in place meanwhile (the next calls pick up where this one stopped). After an `Err` the connection must be closed
    /// with [`Error::close_code`]; the decoder's state is then unspecified.
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, Error> {
        let (header, header_len) = match self.pending {
            Some(pending) => pending,
            None => match FrameHeader::parse(src)? {
                Some(parsed) => {
                    self.validate(&parsed.0)?;
                    self.pending = Some(parsed);
                    parsed
                }
                None => return Ok(None),
            },
        };
        // `validate` bounded the length by `max_frame_size`, so this fits in usize.
        let payload_len = header.payload_len as usize;
        let Some(frame_len) = header_len.checked_add(payload_len) else {
            return Err(Error::FrameTooBig {
                size: header.payload_len,
                limit: self.max_frame_size,
            });
        };
        if src.len() < frame_len {
            if let Some(key) = header.mask {
                // What arrived of the payload so far; the rest comes with later reads.
                let arrived = src.len().saturating_sub(header_len);
                if let Some(fresh) = src.get_mut(header_len + self.unmasked..) {
                    apply_mask_at(fresh, key, self.unmasked);
                }
                self.unmasked = arrived;
            }
            return Ok(None);
        }
        self.pending = None;
        src.advance(header_len);
        let mut payload = src.split_to(payload_len);
        if let Some(key) = header.mask {
            let done = std::mem::take(&mut self.unmasked);
            if let Some(rest) = payload.get_mut(done..) {
                apply_mask_at(rest, key, done);
            }
        }
        Ok(Some(Frame {
            fin: header.fin,
            rsv: header.rsv,
            opcode: header.opcode,
            payload: payload.freeze(),
        }))
    }

    /// The checks that need the role, the negotiated extensions and the limits.
    fn validate(&self, header: &FrameHeader) -> Result<(), Error> {
        match (self.role.expects_masked_input(), header.mask.is_some()) {
            (true, false) => return Err(Error::UnmaskedFrame),
            (false, true) => return Err(Error::MaskedFrame),
            _ => {}
        }
        let unexpected_rsv = header.rsv & !self.allowed_rsv;
        if unexpected_rsv != 0 {
            return Err(Error::ReservedBits(unexpected_rsv));
        }
        if header.opcode.is_control() {
            if header.payload_len > 125 {
                return Err(Error::ControlFrameTooLong(header.payload_len));
            }
            if !header.fin {
                return Err(Error::FragmentedControlFrame);
            }
        }
        let too_big =
            usize::try_from(header.payload_len).map_or(true, |len| len > self.max_frame_size);
        if too_big {
            return Err(Error::FrameTooBig {
                size: header.payload_len,
                limit: self.max_frame_size,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OpCode, RSV1};

    fn decode_all(role: Role, wire: &[u8]) -> Result<Vec<Frame>, Error> {
        let mut decoder = FrameDecoder::new(role);
        let mut buf = BytesMut::from(wire);
        let mut frames = Vec::new();
        while let Some(frame) = decoder.decode(&mut buf)? {
            frames.push(frame);
        }
        assert!(buf.is_empty(), "leftover bytes");
        Ok(frames)
    }

    fn single(role: Role, wire: &[u8]) -> Frame {
        let mut frames = decode_all(role, wire).unwrap();
        assert_eq!(frames.len(), 1);
        frames.remove(0)
    }

    // RFC 6455 §5.7, each example decoded by the role that receives it.
    #[test]
    fn rfc_unmasked_text_for_client() {
        let frame = single(Role::Client, &[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!(frame, Frame::text("Hello"));
    }

    #[test]
    fn rfc_masked_text_for_server() {
        let wire = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        assert_eq!(single(Role::Server, &wire), Frame::text("Hello"));
    }

    #[test]
    fn rfc_fragmented_unmasked_text() {
        let wire = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f];
        let frames = decode_all(Role::Client, &wire).unwrap();
        assert_eq!(frames.len(), 2);
        assert!(!frames[0].fin);
        assert_eq!(frames[0].opcode, OpCode::Text);
        assert_eq!(&frames[0].payload[..], b"Hel");
        assert!(frames[1].fin);
        assert_eq!(frames[1].opcode, OpCode::Continuation);
        assert_eq!(&frames[1].payload[..], b"lo");
    }

    #[test]
    fn rfc_ping_and_masked_pong() {
        let ping = single(Role::Client, &[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!(ping, Frame::ping("Hello"));
        let pong = [
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        assert_eq!(single(Role::Server, &pong), Frame::pong("Hello"));
    }

    #[test]
    fn rfc_256_and_64k_binary() {
        let mut wire = vec![0x82, 0x7E, 0x01, 0x00];
        wire.extend(std::iter::repeat_n(0xAB, 256));
        assert_eq!(single(Role::Client, &wire).payload.len(), 256);
        let mut wire = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
        wire.extend(std::iter::repeat_n(0xCD, 65536));
        assert_eq!(single(Role::Client, &wire).payload.len(), 65536);
    }

    #[test]
    fn masking_rules_follow_the_role() {
        assert!(matches!(
            decode_all(Role::Server, &[0x81, 0x00]),
            Err(Error::UnmaskedFrame)
        ));
        assert!(matches!(
            decode_all(Role::Client, &[0x81, 0x80, 1, 2, 3, 4]),
            Err(Error::MaskedFrame)
        ));
    }

    #[test]
    fn control_frame_rules() {
        let mut long_ping = vec![0x89, 0x7E, 0x00, 126];
        long_ping.extend([0; 126]);
        assert!(matches!(
            decode_all(Role::Client, &long_ping),
            Err(Error::ControlFrameTooLong(126))
        ));
        assert!(matches!(
            decode_all(Role::Client, &[0x09, 0x00]),
            Err(Error::FragmentedControlFrame)
        ));
        // 125 bytes is allowed: the decoder just waits for them.
        let mut buf = BytesMut::from(&[0x89, 0x7D][..]);
        assert!(
            FrameDecoder::new(Role::Client)
                .decode(&mut buf)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn rsv_bits_need_an_extension() {
        assert!(matches!(
            decode_all(Role::Client, &[0xC1, 0x00]),
            Err(Error::ReservedBits(RSV1))
        ));
        let mut decoder = FrameDecoder::new(Role::Client);
        decoder.set_allowed_rsv(RSV1);
        let frame = decoder
            .decode(&mut BytesMut::from(&[0xC1, 0x00][..]))
            .unwrap()
            .unwrap();
        assert_eq!(frame.rsv, RSV1);
        assert!(matches!(
            decoder.decode(&mut BytesMut::from(&[0xA1, 0x00][..])),
            Err(Error::ReservedBits(0x20))
        ));
    }

    #[test]
    fn oversize_frame_is_refused_from_its_header() {
        let limits = Limits {
            max_frame_size: 1000,
            ..Limits::default()
        };
        let mut decoder = FrameDecoder::with_limits(Role::Client, &limits);
        // Only the header has arrived: the refusal must not wait for (or buffer) the payload.
        let mut buf = BytesMut::from(&[0x82, 0x7E, 0x03, 0xE9][..]);
        let err = decoder.decode(&mut buf).unwrap_err();
        assert!(matches!(
            err,
            Error::FrameTooBig {
                size: 1001,
                limit: 1000
            }
        ));
        assert_eq!(err.close_code(), crate::CloseCode::MESSAGE_TOO_BIG);
    }

    #[test]
    fn remaining_counts_the_rest_of_a_frame() {
        let mut decoder = FrameDecoder::new(Role::Client);
        assert_eq!(decoder.remaining(0), None);
        let mut buf = BytesMut::from(&[0x82, 0x7E, 0x01, 0x00, 1, 2][..]); // 256 B declared
        assert!(decoder.decode(&mut buf).unwrap().is_none());
        assert_eq!(decoder.remaining(buf.len()), Some(4 + 256 - 6));
        buf.extend_from_slice(&[0; 254]);
        assert_eq!(decoder.remaining(buf.len()), Some(0));
        assert!(decoder.decode(&mut buf).unwrap().is_some());
        assert_eq!(decoder.remaining(buf.len()), None);
    }

    #[test]
    fn a_masked_payload_arriving_in_pieces_is_unmasked_once() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let payload: Vec<u8> = (0..1000u32).map(|i| (i * 31 + 7) as u8).collect();
        let mut wire = BytesMut::new();
        crate::encode_with_mask(&Frame::binary(payload.clone()), Some(key), &mut wire);
        wire.extend_from_slice(&[0x89, 0x80, 1, 2, 3, 4]); // an empty masked ping follows
        for step in [1, 3, 4, 5, 63, 64, 65, 333, 2000] {
            let mut decoder = FrameDecoder::new(Role::Server);
            let mut buf = BytesMut::new();
            let mut frames = Vec::new();
            for piece in wire.chunks(step) {
                buf.extend_from_slice(piece);
                while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                    frames.push(frame);
                }
            }
            assert_eq!(frames.len(), 2, "step {step}");
            assert_eq!(&frames[0].payload[..], &payload[..], "step {step}");
            assert_eq!(frames[1], Frame::ping(""));
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn declared_length_is_not_reserved() {
        let mut decoder = FrameDecoder::new(Role::Client);
        let mut buf = BytesMut::with_capacity(16);
        buf.extend_from_slice(&[0x82, 0x7F, 0, 0, 0, 0, 0, 0xF0, 0, 0]); // 15 MiB declared
        assert!(decoder.decode(&mut buf).unwrap().is_none());
        assert!(buf.capacity() < 1024);
        assert!(decoder.is_mid_frame());
    }

    #[test]
    fn protocol_errors_map_to_1002() {
        for wire in [&[0x83u8, 0x00][..], &[0x09, 0x00], &[0xC1, 0x00]] {
            let err = decode_all(Role::Client, wire).unwrap_err();
            assert_eq!(
                err.close_code(),
                crate::CloseCode::PROTOCOL_ERROR,
                "{wire:?}"
            );
        }
    }
}

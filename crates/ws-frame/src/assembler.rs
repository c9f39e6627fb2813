//! [`MessageAssembler`]: frames in, whole messages out.

use bytes::{Bytes, BytesMut};

use crate::{CloseFrame, Error, Extension, Frame, Limits, Message, OpCode, RSV_ALL, Utf8Bytes};

/// Joins fragments into messages and validates them, sans-I/O.
///
/// * Control frames may arrive between fragments and are returned at once.
/// * A continuation with no message in progress, or a new data frame while one is in
///   progress, is a protocol error (1002).
/// * Text is checked for UTF-8 fragment by fragment, so an invalid message fails at the first
///   bad fragment (1007), and a sequence split across fragments is accepted.
/// * The message size (summed over fragments, after any extension decoding) and the number of
///   fragments are bounded by [`Limits`] (1009).
/// * A message in a single frame is delivered as that frame's payload: no copy. Fragments
///   are appended into one growing buffer: no allocation per fragment.
///
/// ```
/// use ws_frame::{Frame, Message, MessageAssembler, OpCode};
///
/// let mut assembler = MessageAssembler::default();
/// let mut first = Frame::new(OpCode::Text, "Hel");
/// first.fin = false;
/// assert_eq!(assembler.push(first).unwrap(), None);
/// assert_eq!(assembler.push(Frame::ping("p")).unwrap(), Some(Message::Ping("p".into())));
/// let last = Frame::new(OpCode::Continuation, "lo");
/// assert_eq!(assembler.push(last).unwrap(), Some(Message::Text("Hello".into())));
/// ```
pub struct MessageAssembler {
    limits: Limits,
    extension: Option<Box<dyn Extension>>,
    partial: Option<Partial>,
}

/// A fragmented message still arriving.
struct Partial {
    is_text: bool,
    /// Whether its fragments go through the extension.
    transformed: bool,
    /// The payload so far (decoded, if transformed).
    buf: BytesMut,
    /// How many fragments arrived.
    fragments: usize,
    /// How much of `buf` is known to be valid UTF-8 (always on a character boundary).
    valid_utf8: usize,
}

impl MessageAssembler {
    /// An assembler enforcing `limits`, with no extension.
    pub fn new(limits: Limits) -> Self {
        MessageAssembler {
            limits,
            extension: None,
            partial: None,
        }
    }

    /// An assembler that routes messages marked with the extension's RSV bits through it.
    pub fn with_extension(limits: Limits, extension: Box<dyn Extension>) -> Self {
        MessageAssembler {
            limits,
            extension: Some(extension),
            partial: None,
        }
    }

    /// The negotiated extension, if any: the sending side uses the same object to encode, so
    /// one compression context serves both directions' bookkeeping.
    pub fn extension_mut(&mut self) -> Option<&mut (dyn Extension + 'static)> {
        self.extension.as_deref_mut()
    }

    /// Whether a fragmented message is in progress.
    pub fn is_mid_message(&self) -> bool {
        self.partial.is_some()
    }

    /// Bytes held for the message in progress (its buffer's capacity).
    pub fn buffered_capacity(&self) -> usize {
        self.partial.as_ref().map_or(0, |p| p.buf.capacity())
    }

    /// Takes one decoded frame; returns a message when one is complete.
    ///
    /// After an `Err` the connection must be closed with [`Error::close_code`].
    pub fn push(&mut self, frame: Frame) -> Result<Option<Message>, Error> {
        match frame.opcode {
            OpCode::Ping | OpCode::Pong | OpCode::Close => self.control(frame).map(Some),
            OpCode::Text | OpCode::Binary => self.start(frame),
            OpCode::Continuation => self.continue_message(frame),
        }
    }

    fn control(&self, frame: Frame) -> Result<Message, Error> {
        if frame.rsv != 0 {
            return Err(Error::ReservedBits(frame.rsv));
        }
        Ok(match frame.opcode {
            OpCode::Ping => Message::Ping(frame.payload),
            OpCode::Pong => Message::Pong(frame.payload),
            _ => Message::Close(CloseFrame::parse(frame.payload)?),
        })
    }

    fn start(&mut self, frame: Frame) -> Result<Option<Message>, Error> {
        if self.partial.is_some() {
            return Err(Error::ExpectedContinuation);
        }
        let is_text = frame.opcode == OpCode::Text;
        let transformed = self.marks_transform(frame.rsv)?;
        if frame.fin && !transformed {
            return self.single_frame(is_text, frame.payload).map(Some);
        }
        self.partial = Some(Partial {
            is_text,
            transformed,
            buf: BytesMut::new(),
            fragments: 0,
            valid_utf8: 0,
        });
        self.append(frame)
    }

    fn continue_message(&mut self, frame: Frame) -> Result<Option<Message>, Error> {
        if self.partial.is_none() {
            return Err(Error::UnexpectedContinuation);
        }
        if frame.rsv != 0 {
            return Err(Error::ReservedBits(frame.rsv));
        }
        self.append(frame)
    }

    /// Whether the first frame's RSV bits mark a message for the extension.
    fn marks_transform(&self, rsv: u8) -> Result<bool, Error> {
        if rsv == 0 {
            return Ok(false);
        }
        match &self.extension {
            Some(ext) if rsv & RSV_ALL & !ext.rsv_bits() == 0 => Ok(true),
            _ => Err(Error::ReservedBits(rsv)),
        }
    }

    fn single_frame(&self, is_text: bool, payload: Bytes) -> Result<Message, Error> {
        if payload.len() > self.limits.max_message_size {
            return Err(Error::MessageTooBig {
                limit: self.limits.max_message_size,
            });
        }
        if !is_text {
            return Ok(Message::Binary(payload));
        }
        Utf8Bytes::try_from_bytes(payload)
            .map(Message::Text)
            .map_err(|_| Error::InvalidUtf8)
    }

    /// Appends one fragment of the message in progress; finishes it on FIN.
    fn append(&mut self, frame: Frame) -> Result<Option<Message>, Error> {
        let limits = self.limits;
        let Some(partial) = self.partial.as_mut() else {
            return Err(Error::UnexpectedContinuation);
        };
        partial.fragments += 1;
        if partial.fragments > limits.max_fragments {
            return Err(Error::TooManyFragments {
                limit: limits.max_fragments,
            });
        }
        match (&mut self.extension, partial.transformed) {
            (Some(ext), true) => {
                ext.decode_fragment(
                    &frame.payload,
                    frame.fin,
                    &mut partial.buf,
                    limits.max_message_size,
                )?;
            }
            _ => {
                if frame.payload.len() > limits.max_message_size - partial.buf.len() {
                    return Err(Error::MessageTooBig {
                        limit: limits.max_message_size,
                    });
                }
                partial.buf.extend_from_slice(&frame.payload);
            }
        }
        if partial.buf.len() > limits.max_message_size {
            return Err(Error::MessageTooBig {
                limit: limits.max_message_size,
            });
        }
        if partial.is_text {
            partial.valid_utf8 = validate_utf8_from(&partial.buf, partial.valid_utf8, frame.fin)?;
        }
        if !frame.fin {
            return Ok(None);
        }
        let Some(done) = self.partial.take() else {
            return Err(Error::UnexpectedContinuation);
        };
        let payload = done.buf.freeze();
        Ok(Some(if done.is_text {
            Message::Text(Utf8Bytes::from_validated(payload))
        } else {
            Message::Binary(payload)
        }))
    }
}

impl Default for MessageAssembler {
    /// An assembler with the default [`Limits`] and no extension.
    fn default() -> Self {
        MessageAssembler::new(Limits::default())
    }
}

impl std::fmt::Debug for MessageAssembler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageAssembler")
            .field("limits", &self.limits)
            .field("extension", &self.extension.is_some())
            .field("mid_message", &self.partial.is_some())
            .finish()
    }
}

/// Validates `buf[from..]` as UTF-8 and returns how far `buf` is now known valid.
///
/// A sequence cut off at the end is fine while more fragments may follow (`fin` false); it is
/// re-examined with the next fragment. Anything else invalid fails at once.
fn validate_utf8_from(buf: &[u8], from: usize, fin: bool) -> Result<usize, Error> {
    match simdutf8::compat::from_utf8(&buf[from..]) {
        Ok(_) => Ok(buf.len()),
        Err(e) if e.error_len().is_none() && !fin => Ok(from + e.valid_up_to()),
        Err(_) => Err(Error::InvalidUtf8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CloseCode, RSV1};

    fn fragment(opcode: OpCode, payload: &'static [u8], fin: bool) -> Frame {
        Frame {
            fin,
            rsv: 0,
            opcode,
            payload: Bytes::from_static(payload),
        }
    }

    #[test]
    fn single_frame_messages_are_zero_copy() {
        let payload = Bytes::from_static(b"binary");
        let mut assembler = MessageAssembler::default();
        let Some(Message::Binary(out)) = assembler.push(Frame::binary(payload.clone())).unwrap()
        else {
            panic!("expected binary");
        };
        assert_eq!(out.as_ptr(), payload.as_ptr());
    }

    #[test]
    fn control_frames_interleave_with_fragments() {
        let mut a = MessageAssembler::default();
        assert_eq!(
            a.push(fragment(OpCode::Binary, b"ab", false)).unwrap(),
            None
        );
        assert_eq!(
            a.push(Frame::pong("x")).unwrap(),
            Some(Message::Pong("x".into()))
        );
        assert_eq!(
            a.push(fragment(OpCode::Continuation, b"cd", false))
                .unwrap(),
            None
        );
        let done = a.push(fragment(OpCode::Continuation, b"ef", true)).unwrap();
        assert_eq!(done, Some(Message::Binary("abcdef".into())));
        assert!(!a.is_mid_message());
    }

    #[test]
    fn sequencing_errors() {
        let mut a = MessageAssembler::default();
        let err = a
            .push(fragment(OpCode::Continuation, b"x", true))
            .unwrap_err();
        assert!(matches!(err, Error::UnexpectedContinuation));
        assert_eq!(err.close_code(), CloseCode::PROTOCOL_ERROR);

        let mut a = MessageAssembler::default();
        a.push(fragment(OpCode::Text, b"x", false)).unwrap();
        let err = a.push(fragment(OpCode::Text, b"y", true)).unwrap_err();
        assert!(matches!(err, Error::ExpectedContinuation));
    }

    #[test]
    fn utf8_split_across_fragments_is_fine() {
        // "κόσμε" with a two-byte character cut between fragments.
        let text = "κόσμε".as_bytes();
        let mut a = MessageAssembler::default();
        a.push(Frame {
            fin: false,
            rsv: 0,
            opcode: OpCode::Text,
            payload: Bytes::copy_from_slice(&text[..3]),
        })
        .unwrap();
        let done = a
            .push(Frame {
                fin: true,
                rsv: 0,
                opcode: OpCode::Continuation,
                payload: Bytes::copy_from_slice(&text[3..]),
            })
            .unwrap();
        assert_eq!(done, Some(Message::Text("κόσμε".into())));
    }

    #[test]
    fn invalid_utf8_fails_at_the_first_bad_fragment() {
        let mut a = MessageAssembler::default();
        a.push(fragment(OpCode::Text, b"ok", false)).unwrap();
        // 0xF4 0x90 is beyond U+10FFFF: invalid before the sequence is even complete.
        let err = a
            .push(fragment(OpCode::Continuation, b"\xf4\x90", false))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidUtf8));
        assert_eq!(err.close_code(), CloseCode::INVALID_PAYLOAD);
    }

    #[test]
    fn truncated_utf8_at_the_end_fails() {
        let mut a = MessageAssembler::default();
        a.push(fragment(OpCode::Text, b"\xce", false)).unwrap();
        let err = a
            .push(fragment(OpCode::Continuation, b"", true))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidUtf8));
        let err = MessageAssembler::default()
            .push(fragment(OpCode::Text, b"\xce", true))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidUtf8));
    }

    #[test]
    fn message_limit_counts_every_fragment() {
        let limits = Limits {
            max_message_size: 5,
            ..Limits::default()
        };
        let mut a = MessageAssembler::new(limits);
        a.push(fragment(OpCode::Binary, b"abc", false)).unwrap();
        let err = a
            .push(fragment(OpCode::Continuation, b"def", true))
            .unwrap_err();
        assert!(matches!(err, Error::MessageTooBig { limit: 5 }));
        let err = MessageAssembler::new(limits)
            .push(Frame::binary("123456"))
            .unwrap_err();
        assert_eq!(err.close_code(), CloseCode::MESSAGE_TOO_BIG);
    }

    #[test]
    fn fragment_limit() {
        let limits = Limits {
            max_fragments: 3,
            ..Limits::default()
        };
        let mut a = MessageAssembler::new(limits);
        a.push(fragment(OpCode::Binary, b"", false)).unwrap();
        a.push(fragment(OpCode::Continuation, b"", false)).unwrap();
        a.push(fragment(OpCode::Continuation, b"", false)).unwrap();
        let err = a
            .push(fragment(OpCode::Continuation, b"", true))
            .unwrap_err();
        assert!(matches!(err, Error::TooManyFragments { limit: 3 }));
    }

    #[test]
    fn close_frames_are_parsed() {
        let mut a = MessageAssembler::default();
        let close = CloseFrame::new(CloseCode::NORMAL, "done");
        let got = a.push(Frame::close(Some(&close))).unwrap();
        assert_eq!(got, Some(Message::Close(Some(close))));
        assert_eq!(
            a.push(Frame::close(None)).unwrap(),
            Some(Message::Close(None))
        );
        let bad = Frame::new(OpCode::Close, Bytes::from_static(b"\x03\xed"));
        assert!(matches!(a.push(bad), Err(Error::InvalidCloseCode(1005))));
    }

    #[test]
    fn rsv_without_extension_is_refused() {
        let mut a = MessageAssembler::default();
        let frame = Frame {
            rsv: RSV1,
            ..Frame::text("x")
        };
        assert!(matches!(a.push(frame), Err(Error::ReservedBits(RSV1))));
    }

    /// A toy extension: XOR every byte with 0x55, for testing the seam.
    struct Xor;

    impl Extension for Xor {
        fn rsv_bits(&self) -> u8 {
            RSV1
        }
        fn decode_fragment(
            &mut self,
            fragment: &[u8],
            _fin: bool,
            out: &mut BytesMut,
            limit: usize,
        ) -> Result<(), Error> {
            if out.len() + fragment.len() > limit {
                return Err(Error::MessageTooBig { limit });
            }
            out.extend(fragment.iter().map(|b| b ^ 0x55));
            Ok(())
        }
        fn encode_message(&mut self, payload: &[u8], out: &mut BytesMut) -> Result<bool, Error> {
            out.extend(payload.iter().map(|b| b ^ 0x55));
            Ok(true)
        }
    }

    #[test]
    fn extension_decodes_marked_messages_only() {
        let mut a = MessageAssembler::with_extension(Limits::default(), Box::new(Xor));
        let mut encoded = BytesMut::new();
        Xor.encode_message(b"secret", &mut encoded).unwrap();
        let marked = Frame {
            rsv: RSV1,
            ..Frame::new(OpCode::Text, encoded.freeze())
        };
        assert_eq!(
            a.push(marked).unwrap(),
            Some(Message::Text("secret".into()))
        );
        assert_eq!(
            a.push(Frame::text("plain")).unwrap(),
            Some(Message::Text("plain".into()))
        );
        // RSV1 on a continuation or a control frame stays an error.
        a.push(Frame {
            fin: false,
            rsv: RSV1,
            ..Frame::binary("a")
        })
        .unwrap();
        let cont = Frame {
            rsv: RSV1,
            ..Frame::new(OpCode::Continuation, "b")
        };
        assert!(matches!(a.push(cont), Err(Error::ReservedBits(RSV1))));
        let ping = Frame {
            rsv: RSV1,
            ..Frame::ping("")
        };
        assert!(matches!(
            MessageAssembler::with_extension(Limits::default(), Box::new(Xor)).push(ping),
            Err(Error::ReservedBits(RSV1))
        ));
    }
}

//! Body of the `message_assembly` fuzz target.
//!
//! The input is server-to-client wire bytes (unmasked, so the fuzzer reaches deep quickly),
//! decoded and assembled under small limits so the limit paths are hit. Every message that
//! comes out must respect the limits and, if text, be valid UTF-8.

use bytes::BytesMut;
use ws_frame::{FrameDecoder, Limits, Message, MessageAssembler, Role};

/// Assembles messages from `data` and checks what comes out.
pub fn run(data: &[u8]) {
    let limits = Limits {
        max_frame_size: 4096,
        max_message_size: 8192,
        max_fragments: 16,
    };
    let mut decoder = FrameDecoder::with_limits(Role::Client, &limits);
    let mut assembler = MessageAssembler::new(limits);
    let mut buf = BytesMut::from(data);
    while let Ok(Some(frame)) = decoder.decode(&mut buf) {
        match assembler.push(frame) {
            Ok(Some(Message::Text(text))) => {
                assert!(text.len() <= limits.max_message_size);
                assert!(std::str::from_utf8(text.as_bytes()).is_ok());
            }
            Ok(Some(Message::Binary(data))) => assert!(data.len() <= limits.max_message_size),
            Ok(Some(Message::Ping(p) | Message::Pong(p))) => assert!(p.len() <= 125),
            Ok(Some(Message::Close(close))) => {
                if let Some(close) = close {
                    assert!(close.code.is_valid_on_wire());
                }
            }
            Ok(None) => assert!(assembler.buffered_capacity() <= 4 * limits.max_message_size),
            Err(_) => break,
        }
    }
}

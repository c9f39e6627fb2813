//! Fuzz body: one binary message fed to the Socket.IO MessagePack decoder.
//!
//! Every packet it accepts must encode, and its encoding must decode to a packet that encodes
//! to the same bytes (the fixpoint: integral floats such as `2.0` come back as integers, as
//! JavaScript has them). The same bytes as a text message are refused.

use bytes::Bytes;
use event_proto::{Decoder, Limits, Message, MsgPackParser, Parser, Str};

/// Decodes `data` as one packet; never panics except on a broken round trip.
pub fn run(data: &[u8]) {
    let limits = Limits {
        max_payload: 64 * 1024,
        max_attachments: 10,
        max_attachment_bytes: 64 * 1024,
    };
    let mut decoder = MsgPackParser.decoder(limits);
    if let Ok(text) = Str::from_utf8(Bytes::copy_from_slice(data)) {
        assert!(
            decoder.push(Message::Text(text)).is_err(),
            "text is refused"
        );
    }
    let Ok(Some(packet)) = decoder.push(Message::Binary(Bytes::copy_from_slice(data))) else {
        return;
    };
    let encoded = MsgPackParser
        .encode(&packet)
        .expect("a decoded packet encodes");
    let unbounded = Limits {
        max_payload: usize::MAX,
        max_attachments: usize::MAX,
        max_attachment_bytes: usize::MAX,
    };
    let again = MsgPackParser
        .decoder(unbounded)
        .push(encoded.head.clone())
        .expect("an encoded packet decodes")
        .expect("one message is one packet");
    assert_eq!(
        MsgPackParser.encode(&again).expect("encodes"),
        encoded,
        "encode → decode → encode"
    );
    if let Some(name) = packet.event_name() {
        let direct = MsgPackParser.encode_event(&packet.ns, name, packet.args(), packet.id);
        assert_eq!(direct.as_ref(), Ok(&encoded), "serde path");
    }
}

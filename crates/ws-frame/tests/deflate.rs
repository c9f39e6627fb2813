//! permessage-deflate: RFC 7692 examples, round trips over every parameter, bombs, corrupt
//! input, fragmentation, and the assembler driving the extension.
#![cfg(feature = "deflate")]

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use ws_frame::{
    DeflateConfig, Error, Extension, Frame, FrameDecoder, FrameEncoder, Limits, Message,
    MessageAssembler, OpCode, PerMessageDeflate, RSV1, Role,
};

/// Inflates one message given as `fragments` with a fresh or ongoing extension.
fn inflate(
    ext: &mut PerMessageDeflate,
    fragments: &[&[u8]],
    limit: usize,
) -> Result<Vec<u8>, Error> {
    let mut out = BytesMut::new();
    let last = fragments.len().saturating_sub(1);
    if fragments.is_empty() {
        ext.decode_fragment(&[], true, &mut out, limit)?;
    }
    for (i, fragment) in fragments.iter().enumerate() {
        ext.decode_fragment(fragment, i == last, &mut out, limit)?;
    }
    Ok(out.to_vec())
}

fn server() -> PerMessageDeflate {
    PerMessageDeflate::new(Role::Server, &DeflateConfig::default()).expect("valid config")
}

fn compress_all() -> DeflateConfig {
    DeflateConfig {
        threshold: 0,
        ..DeflateConfig::default()
    }
}

const HELLO: [u8; 7] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];

#[test]
fn rfc_7692_examples_decode() {
    // §7.2.3.1: one compressed block.
    assert_eq!(inflate(&mut server(), &[&HELLO], 100).unwrap(), b"Hello");
    // §7.2.3.1, split over two frames.
    assert_eq!(
        inflate(&mut server(), &[&HELLO[..3], &HELLO[3..]], 100).unwrap(),
        b"Hello"
    );
    // §7.2.3.2: context takeover, the second "Hello" is a back-reference.
    let mut ext = server();
    assert_eq!(inflate(&mut ext, &[&HELLO], 100).unwrap(), b"Hello");
    let again = [0xf2, 0x00, 0x11, 0x00, 0x00];
    assert_eq!(inflate(&mut ext, &[&again], 100).unwrap(), b"Hello");
    // §7.2.3.3: a stored (uncompressed) block.
    let stored = [
        0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    assert_eq!(inflate(&mut server(), &[&stored], 100).unwrap(), b"Hello");
    // §7.2.3.4: a final block (then an empty stored block's header byte).
    let bfinal = [0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    assert_eq!(inflate(&mut server(), &[&bfinal], 100).unwrap(), b"Hello");
    // §7.2.3.5: two blocks in one message.
    let two = [
        0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
    ];
    assert_eq!(inflate(&mut server(), &[&two], 100).unwrap(), b"Hello");
    // §7.2.3.6: an empty message is the single byte 0x00.
    assert_eq!(inflate(&mut server(), &[&[0x00]], 100).unwrap(), b"");
}

#[test]
fn rfc_7692_hello_encodes_byte_exact() {
    let mut client = PerMessageDeflate::new(Role::Client, &compress_all()).unwrap();
    let mut out = BytesMut::new();
    assert!(client.encode_message(b"Hello", &mut out).unwrap());
    assert_eq!(&out[..], HELLO);
    // The second one refers back to the first, and the server follows.
    let mut second = BytesMut::new();
    assert!(client.encode_message(b"Hello", &mut second).unwrap());
    assert!(second.len() < HELLO.len());
    let mut ext = server();
    inflate(&mut ext, &[&out], 100).unwrap();
    assert_eq!(inflate(&mut ext, &[&second], 100).unwrap(), b"Hello");
}

#[test]
fn empty_messages_both_ways() {
    let mut client = PerMessageDeflate::new(Role::Client, &compress_all()).unwrap();
    let mut srv = PerMessageDeflate::new(Role::Server, &compress_all()).unwrap();
    for payload in [&b""[..], b"Hello", b"", b"", b"Hello"] {
        let mut out = BytesMut::new();
        assert!(client.encode_message(payload, &mut out).unwrap());
        if payload.is_empty() {
            assert_eq!(&out[..], [0x00]);
        }
        assert_eq!(inflate(&mut srv, &[&out], 100).unwrap(), payload);
    }
    // Some peers send an empty compressed payload for an empty message; it inflates to nothing.
    assert_eq!(inflate(&mut srv, &[], 100).unwrap(), b"");
}

#[test]
fn threshold_and_window_8_decline() {
    let mut ext = server();
    let mut out = BytesMut::from(&b"kept"[..]);
    assert!(!ext.encode_message(&[b'a'; 63], &mut out).unwrap());
    assert_eq!(&out[..], b"kept");
    assert!(ext.encode_message(&[b'a'; 64], &mut out).unwrap());

    let cfg = DeflateConfig {
        server_max_window_bits: 8,
        ..compress_all()
    };
    let mut srv = PerMessageDeflate::new(Role::Server, &cfg).unwrap();
    assert!(!srv.compresses());
    assert!(!srv.encode_message(b"Hello", &mut out).unwrap());
    // The client, told the server uses 8 bits, still inflates and compresses normally.
    let mut client = PerMessageDeflate::new(Role::Client, &cfg).unwrap();
    assert!(client.compresses());
    assert_eq!(inflate(&mut client, &[&HELLO], 100).unwrap(), b"Hello");
}

#[test]
fn invalid_config_is_refused() {
    for cfg in [
        DeflateConfig {
            server_max_window_bits: 7,
            ..DeflateConfig::default()
        },
        DeflateConfig {
            client_max_window_bits: 16,
            ..DeflateConfig::default()
        },
        DeflateConfig {
            compression_level: 10,
            ..DeflateConfig::default()
        },
    ] {
        assert!(matches!(
            PerMessageDeflate::new(Role::Server, &cfg),
            Err(Error::Extension(_))
        ));
    }
}

#[test]
fn no_context_takeover_releases_state_between_messages() {
    let cfg = DeflateConfig {
        server_no_context_takeover: true,
        client_no_context_takeover: true,
        ..compress_all()
    };
    let mut srv = PerMessageDeflate::new(Role::Server, &cfg).unwrap();
    assert_eq!(srv.is_allocated(), (false, false));
    let mut out = BytesMut::new();
    srv.encode_message(b"Hello, Hello, Hello", &mut out)
        .unwrap();
    assert_eq!(inflate(&mut srv, &[&HELLO], 100).unwrap(), b"Hello");
    assert_eq!(srv.is_allocated(), (false, false));
    // A mid-message fragment keeps the inflater until the message ends.
    let mut partial = BytesMut::new();
    srv.decode_fragment(&HELLO[..3], false, &mut partial, 100)
        .unwrap();
    assert_eq!(srv.is_allocated(), (false, true));
    srv.decode_fragment(&HELLO[3..], true, &mut partial, 100)
        .unwrap();
    assert_eq!(srv.is_allocated(), (false, false));

    let mut kept = server();
    kept.encode_message(&[b'x'; 100], &mut out).unwrap();
    inflate(&mut kept, &[&HELLO], 100).unwrap();
    assert_eq!(kept.is_allocated(), (true, true));
}

/// A raw deflate stream of one zero byte followed by `matches` copies of "length 258,
/// distance 1" in a fixed-Huffman block: `1 + 258 * matches` zeros in 13 bits per match.
fn zero_bomb(matches: usize) -> Vec<u8> {
    let mut bits = BitWriter::default();
    bits.put(0b0, 1); // BFINAL = 0
    bits.put(0b01, 2); // BTYPE = fixed Huffman
    bits.put_code(0b0011_0000, 8); // literal 0
    for _ in 0..matches {
        bits.put_code(0b1100_0101, 8); // length symbol 285 = 258
        bits.put_code(0b00000, 5); // distance code 0 = 1
    }
    bits.put_code(0b000_0000, 7); // end of block
    bits.finish()
}

#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    n: u32,
}

impl BitWriter {
    /// Writes `len` bits of `value`, least significant first (header fields).
    fn put(&mut self, value: u32, len: u32) {
        self.acc |= value << self.n;
        self.n += len;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// Writes a Huffman code, most significant bit first.
    fn put_code(&mut self, code: u32, len: u32) {
        for i in (0..len).rev() {
            self.put((code >> i) & 1, 1);
        }
    }
    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

#[test]
fn zero_bomb_is_well_formed() {
    let mut ext = server();
    assert_eq!(
        inflate(&mut ext, &[&zero_bomb(4)], 2000).unwrap(),
        [0; 1 + 4 * 258]
    );
}

#[test]
fn compression_bomb_stops_at_the_limit() {
    // About 100 MB of zeros in about 650 KB, fed in 16 KiB fragments, against a 1 MiB limit.
    let bomb = zero_bomb(100_000_000 / 258);
    assert!(bomb.len() < 700_000);
    let limit = 1 << 20;
    let mut ext = server();
    let mut out = BytesMut::new();
    let mut result = Ok(());
    let mut fed = 0;
    for chunk in bomb.chunks(16 * 1024) {
        fed += chunk.len();
        result = ext.decode_fragment(chunk, fed == bomb.len(), &mut out, limit);
        assert!(out.len() <= limit + 1, "out grew to {}", out.len());
        if result.is_err() {
            break;
        }
    }
    assert!(matches!(result, Err(Error::MessageTooBig { limit: l }) if l == limit));
    // Stopped within the first few fragments, not after inflating the rest.
    assert!(fed <= 4 * 16 * 1024, "fed {fed} bytes before stopping");
    assert!(out.capacity() <= 2 * limit + 64 * 1024);
    // Through the assembler, the bomb closes the connection with 1009.
    let mut assembler = MessageAssembler::with_extension(
        Limits {
            max_message_size: limit,
            ..Limits::default()
        },
        Box::new(server()),
    );
    let frame = Frame {
        rsv: RSV1,
        ..Frame::binary(bomb)
    };
    let err = assembler.push(frame).unwrap_err();
    assert_eq!(err.close_code(), ws_frame::CloseCode::MESSAGE_TOO_BIG);
}

#[test]
fn corrupt_input_is_an_error_not_a_panic() {
    let cases: [&[u8]; 5] = [
        &[0xff; 16],                           // reserved block type 3
        &[0x00, 0x05, 0x00, 0x00, 0x00],       // stored block with a bad NLEN
        &[0xf2, 0x00, 0x11, 0x00, 0x00],       // back-reference with no history
        &[0x04, 0xc0, 0x81, 0x08, 0x00, 0x00], // dynamic block, broken code lengths
        &[0xfe, 0xff, 0xff, 0xff, 0xff, 0xff],
    ];
    for case in cases {
        let result = inflate(&mut server(), &[case], 1000);
        if let Err(err) = &result {
            assert!(matches!(err, Error::Extension(_)), "{err:?}");
            assert_eq!(err.close_code(), ws_frame::CloseCode::INVALID_PAYLOAD);
        }
    }
    assert!(inflate(&mut server(), &[&[0xff; 16]], 1000).is_err());
    assert!(inflate(&mut server(), &[&[0xf2, 0x00, 0x11, 0x00, 0x00]], 1000).is_err());
}

#[test]
fn assembler_inflates_a_client_message() {
    let cfg = DeflateConfig::default();
    let mut client = PerMessageDeflate::new(Role::Client, &cfg).unwrap();
    let text =
        "{\"event\":\"chat\",\"data\":{\"room\":\"lobby\",\"text\":\"hello, hello, hello\"}}";
    let mut compressed = BytesMut::new();
    assert!(
        client
            .encode_message(text.as_bytes(), &mut compressed)
            .unwrap()
    );
    assert!(compressed.len() < text.len());

    // The client sends it as a masked text frame with RSV1, split into three fragments.
    let mut wire = BytesMut::new();
    let mut encoder = FrameEncoder::new(Role::Client);
    let parts: Vec<&[u8]> = compressed.chunks(compressed.len() / 3 + 1).collect();
    for (i, part) in parts.iter().enumerate() {
        let frame = Frame {
            fin: i + 1 == parts.len(),
            rsv: if i == 0 { RSV1 } else { 0 },
            opcode: if i == 0 {
                OpCode::Text
            } else {
                OpCode::Continuation
            },
            payload: Bytes::copy_from_slice(part),
        };
        encoder.encode(&frame, &mut wire);
    }

    let mut decoder = FrameDecoder::new(Role::Server);
    decoder.set_allowed_rsv(RSV1);
    let ext = PerMessageDeflate::new(Role::Server, &cfg).unwrap();
    let mut assembler = MessageAssembler::with_extension(Limits::default(), Box::new(ext));
    let mut got = None;
    while let Some(frame) = decoder.decode(&mut wire).unwrap() {
        if let Some(message) = assembler.push(frame).unwrap() {
            got = Some(message);
        }
    }
    assert_eq!(got, Some(Message::Text(text.into())));
}

#[test]
fn many_fragments_decode_to_the_same_bytes() {
    let text: Vec<u8> = (0..20_000u32)
        .flat_map(|i| format!("{{\"n\":{i},\"k\":\"v{}\"}}", i % 7).into_bytes())
        .take(100_000)
        .collect();
    let mut client = PerMessageDeflate::new(Role::Client, &compress_all()).unwrap();
    let mut compressed = BytesMut::new();
    client.encode_message(&text, &mut compressed).unwrap();
    for size in [1, 7, 1000, compressed.len()] {
        let fragments: Vec<&[u8]> = compressed.chunks(size).collect();
        assert_eq!(inflate(&mut server(), &fragments, 1 << 20).unwrap(), text);
    }
}

/// Payloads with structure (repeats) as well as noise.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'{'), Just(b'"')], 0..3000),
        (proptest::collection::vec(any::<u8>(), 1..40), 0usize..200)
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

fn config() -> impl Strategy<Value = DeflateConfig> {
    (
        any::<bool>(),
        any::<bool>(),
        8u8..=15,
        8u8..=15,
        0u32..=9,
        0usize..100,
        any::<bool>(),
    )
        .prop_map(
            |(snct, cnct, sbits, cbits, level, threshold, shared)| DeflateConfig {
                server_no_context_takeover: snct,
                client_no_context_takeover: cnct,
                server_max_window_bits: sbits,
                client_max_window_bits: cbits,
                compression_level: level,
                threshold,
                shared_contexts: shared,
            },
        )
}

/// Sends `messages` from `from` to `to`, each in fragments of `chunk` bytes.
fn round_trip(
    from: &mut PerMessageDeflate,
    to: &mut PerMessageDeflate,
    messages: &[Vec<u8>],
    chunk: usize,
) -> Result<(), TestCaseError> {
    for message in messages {
        let mut wire = BytesMut::new();
        if !from.encode_message(message, &mut wire).expect("compresses") {
            prop_assert!(wire.is_empty());
            continue;
        }
        let fragments: Vec<&[u8]> = wire.chunks(chunk).collect();
        let got = inflate(to, &fragments, message.len()).expect("inflates");
        prop_assert_eq!(&got, message);
    }
    Ok(())
}

proptest! {
    #[test]
    fn round_trips_with_every_parameter(
        cfg in config(),
        messages in proptest::collection::vec(payload(), 1..6),
        chunk in 1usize..600,
    ) {
        let mut client = PerMessageDeflate::new(Role::Client, &cfg).unwrap();
        let mut srv = PerMessageDeflate::new(Role::Server, &cfg).unwrap();
        round_trip(&mut client, &mut srv, &messages, chunk)?;
        round_trip(&mut srv, &mut client, &messages, chunk)?;
        round_trip(&mut client, &mut srv, &messages, chunk)?;
        prop_assert_eq!(srv.compresses(), cfg.server_max_window_bits > 8);
        prop_assert_eq!(client.compresses(), cfg.client_max_window_bits > 8);
    }

    #[test]
    fn arbitrary_input_never_panics(
        fragments in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..5),
        limit in 0usize..2000,
    ) {
        let mut ext = server();
        let refs: Vec<&[u8]> = fragments.iter().map(Vec::as_slice).collect();
        match inflate(&mut ext, &refs, limit) {
            Ok(out) => prop_assert!(out.len() <= limit),
            // An error drops the stream: the next message starts afresh.
            Err(_) => prop_assert_eq!(inflate(&mut ext, &[&HELLO], 100).unwrap(), b"Hello"),
        }
    }
}

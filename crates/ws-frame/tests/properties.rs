//! Property tests: round trips in both roles, arbitrary chunking, no panics on any input.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use ws_frame::{
    Frame, FrameDecoder, FrameEncoder, Message, MessageAssembler, OpCode, Role, encode_with_mask,
};

fn payload(max: usize) -> impl Strategy<Value = Bytes> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..=max.min(200)),
        1 => proptest::collection::vec(any::<u8>(), 0..=max),
    ]
    .prop_map(Bytes::from)
}

/// Any frame a conforming peer could send.
fn frame() -> impl Strategy<Value = Frame> {
    let data = (
        prop_oneof![
            Just(OpCode::Text),
            Just(OpCode::Binary),
            Just(OpCode::Continuation)
        ],
        any::<bool>(),
        payload(70_000),
    )
        .prop_map(|(opcode, fin, payload)| Frame {
            fin,
            rsv: 0,
            opcode,
            payload,
        });
    let control = (
        prop_oneof![Just(OpCode::Ping), Just(OpCode::Pong), Just(OpCode::Close)],
        payload(125),
    )
        .prop_map(|(opcode, payload)| Frame::new(opcode, payload));
    prop_oneof![3 => data, 1 => control]
}

/// A valid message sequence: binary messages in 1–4 fragments with pings interleaved.
fn messages() -> impl Strategy<Value = Vec<Frame>> {
    proptest::collection::vec(
        (
            proptest::collection::vec(payload(3000), 1..4),
            any::<bool>(),
        ),
        0..6,
    )
    .prop_map(|messages| {
        let mut frames = Vec::new();
        for (parts, with_ping) in messages {
            let last = parts.len() - 1;
            for (i, part) in parts.into_iter().enumerate() {
                let opcode = if i == 0 {
                    OpCode::Binary
                } else {
                    OpCode::Continuation
                };
                frames.push(Frame {
                    fin: i == last,
                    rsv: 0,
                    opcode,
                    payload: part,
                });
                if with_ping && i == 0 {
                    frames.push(Frame::ping("p"));
                }
            }
        }
        frames
    })
}

fn opposite(role: Role) -> Role {
    match role {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    }
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Server), Just(Role::Client)]
}

/// Decodes every frame of `chunks`, fed one chunk at a time.
fn decode_chunked(role: Role, chunks: &[&[u8]]) -> Vec<Frame> {
    let mut decoder = FrameDecoder::new(role);
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(frame) = decoder.decode(&mut buf).expect("valid input") {
            frames.push(frame);
        }
    }
    assert!(buf.is_empty());
    frames
}

fn assemble(frames: Vec<Frame>) -> Vec<Message> {
    let mut assembler = MessageAssembler::default();
    frames
        .into_iter()
        .filter_map(|f| assembler.push(f).expect("valid frames"))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn encode_then_decode_round_trips(frame in frame(), sender in role()) {
        let mut wire = BytesMut::new();
        FrameEncoder::new(sender).encode(&frame, &mut wire);
        let decoded = decode_chunked(opposite(sender), &[&wire]);
        prop_assert_eq!(decoded, vec![frame]);
    }

    #[test]
    fn any_chunking_gives_the_same_frames_and_messages(
        frames in messages(),
        sender in role(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        let mut encoder = FrameEncoder::new(sender);
        let mut wire = BytesMut::new();
        for frame in &frames {
            encoder.encode(frame, &mut wire);
        }
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for p in points {
            chunks.push(&wire[start..p]);
            start = p;
        }
        chunks.push(&wire[start..]);
        let receiver = opposite(sender);
        let whole = decode_chunked(receiver, &[&wire]);
        let chunked = decode_chunked(receiver, &chunks);
        prop_assert_eq!(&whole, &frames);
        prop_assert_eq!(&chunked, &frames);
        prop_assert_eq!(assemble(chunked), assemble(whole));
    }

    #[test]
    fn byte_at_a_time_equals_whole(frames in messages(), key: [u8; 4]) {
        let mut wire = BytesMut::new();
        for frame in &frames {
            encode_with_mask(frame, Some(key), &mut wire);
        }
        let bytes: Vec<&[u8]> = wire.chunks(1).collect();
        prop_assert_eq!(decode_chunked(Role::Server, &bytes), frames);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512), receiver in role()) {
        let mut decoder = FrameDecoder::new(receiver);
        let mut assembler = MessageAssembler::default();
        let mut buf = BytesMut::from(&data[..]);
        while let Ok(Some(frame)) = decoder.decode(&mut buf) {
            if assembler.push(frame).is_err() {
                break;
            }
        }
    }
}

//! Property tests of the connection state machine: random frame sequences never make it
//! panic, and every ping it receives while open is answered with a pong of the same payload.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

#[path = "../../../fuzz/bodies/connection.rs"]
mod connection_body;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;
use ws_frame::{
    Connection, ConnectionConfig, Event, Frame, FrameDecoder, FrameEncoder, Limits, Message,
    OpCode, Role,
};

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![Just(Role::Server), Just(Role::Client)]
}

fn opposite(role: Role) -> Role {
    match role {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    }
}

fn payload(max: usize) -> impl Strategy<Value = Bytes> {
    proptest::collection::vec(any::<u8>(), 0..=max).prop_map(Bytes::from)
}

/// Any frame, valid or not: every opcode (reserved ones included), FIN and RSV bits at random.
fn any_frame() -> impl Strategy<Value = Frame> {
    (0u8..16, any::<bool>(), 0u8..8, payload(300)).prop_map(|(bits, fin, rsv, payload)| {
        let opcode = OpCode::from_bits(bits).unwrap_or(OpCode::Binary);
        let payload = if opcode.is_control() {
            payload.slice(..payload.len().min(125))
        } else {
            payload
        };
        Frame {
            fin: fin || opcode.is_control(),
            rsv: rsv << 4,
            opcode,
            payload,
        }
    })
}

/// Binary messages in 1–3 fragments, each fragment possibly followed by a ping.
fn valid_frames() -> impl Strategy<Value = Vec<Frame>> {
    let fragment = (payload(200), proptest::option::of(payload(125)));
    proptest::collection::vec(proptest::collection::vec(fragment, 1..4), 0..8).prop_map(
        |messages| {
            messages
                .into_iter()
                .flat_map(|parts| {
                    let count = parts.len();
                    parts
                        .into_iter()
                        .enumerate()
                        .flat_map(move |(i, (part, ping))| {
                            let data = Frame {
                                fin: i + 1 == count,
                                rsv: 0,
                                opcode: [OpCode::Continuation, OpCode::Binary][usize::from(i == 0)],
                                payload: part,
                            };
                            std::iter::once(data).chain(ping.map(Frame::ping))
                        })
                })
                .collect()
        },
    )
}

/// Encodes `frames` as the peer of `role` sends them.
fn wire(role: Role, frames: &[Frame]) -> Vec<u8> {
    let mut encoder = FrameEncoder::new(opposite(role));
    let mut wire = BytesMut::new();
    for frame in frames {
        encoder.encode(frame, &mut wire);
    }
    wire.to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random frames (mostly invalid somewhere), in random pieces, with time passing: the
    /// machine neither panics nor breaks its invariants (see the fuzz body).
    #[test]
    fn random_frames_never_panic(
        control in any::<u8>(),
        frames in proptest::collection::vec(any_frame(), 0..12),
        garbage in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let role = if control & 1 == 0 { Role::Server } else { Role::Client };
        let mut data = vec![control];
        data.extend_from_slice(&wire(role, &frames));
        data.extend_from_slice(&garbage);
        connection_body::run(&data);
    }

    /// Arbitrary bytes: the same.
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        connection_body::run(&data);
    }

    /// Valid traffic in random pieces: every message arrives, every ping gets its pong, in
    /// order, and nothing else is written.
    #[test]
    fn every_ping_is_answered(
        role in role(),
        frames in valid_frames(),
        piece in 1usize..200,
    ) {
        let mut conn = Connection::new(role, &ConnectionConfig {
            limits: Limits::unlimited(),
            keepalive_interval: Some(Duration::from_secs(1)),
            ..ConnectionConfig::default()
        });
        let now = Instant::now();
        let mut received = Vec::new();
        for bytes in wire(role, &frames).chunks(piece) {
            conn.receive_data(bytes);
            while let Some(event) = conn.next_event() {
                match event {
                    Event::Message(message) => received.push(message),
                    other => panic!("unexpected {other:?}"),
                }
            }
            // Time stands still: the keepalive never fires.
            conn.next_deadline(now);
        }
        let pings: Vec<Bytes> = frames
            .iter()
            .filter(|f| f.opcode == OpCode::Ping)
            .map(|f| f.payload.clone())
            .collect();
        let messages = frames.iter().filter(|f| f.fin && f.opcode != OpCode::Ping).count();
        prop_assert_eq!(received.iter().filter(|m| m.is_data()).count(), messages);
        let mut out = BytesMut::from(&conn.data_to_send()[..]);
        let mut decoder = FrameDecoder::with_limits(opposite(role), &Limits::unlimited());
        let mut pongs = Vec::new();
        while let Some(frame) = decoder.decode(&mut out).unwrap() {
            prop_assert_eq!(frame.opcode, OpCode::Pong);
            pongs.push(frame.payload);
        }
        prop_assert!(out.is_empty());
        prop_assert_eq!(pongs, pings.clone());
        let received_pings: Vec<Bytes> = received
            .into_iter()
            .filter_map(|m| match m {
                Message::Ping(p) => Some(p),
                _ => None,
            })
            .collect();
        prop_assert_eq!(received_pings, pings);
    }
}

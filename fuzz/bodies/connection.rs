//! Body of the `connection` fuzz target: the sans-I/O connection state machine.
//!
//! The first input byte picks the role (bit 0), whether keepalive runs (bit 7) and the size
//! of the pieces the rest arrives in (bits 1–6). The rest is the peer's wire bytes. Time moves
//! on between pieces, so the keepalive and close timers fire too. Checked: no panic; every
//! ping received while open is answered by a pong with its payload, in order; what the
//! machine writes decodes for the peer; nothing follows our close frame; no event once closed.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use ws_frame::{
    Connection, ConnectionConfig, Event, FrameDecoder, Limits, Message, OpCode, Role, State,
};

/// Runs the machine over `data` and checks what comes out.
pub fn run(data: &[u8]) {
    let Some((&control, wire)) = data.split_first() else {
        return;
    };
    let role = if control & 1 == 0 {
        Role::Server
    } else {
        Role::Client
    };
    let piece = usize::from((control >> 1) & 0x3f) + 1;
    let config = ConnectionConfig {
        limits: Limits {
            max_frame_size: 4096,
            max_message_size: 8192,
            max_fragments: 16,
        },
        read_chunk: 64,
        close_timeout: Some(Duration::from_millis(40)),
        keepalive_interval: (control & 0x80 != 0).then_some(Duration::from_millis(15)),
        keepalive_timeout: None,
        vectored_writes: control & 0x40 != 0,
    };
    let mut conn = Connection::new(role, &config);
    let mut now = Instant::now();
    let mut expected_pongs = Vec::new();
    let mut out = BytesMut::new();
    for bytes in wire.chunks(piece) {
        conn.receive_data(bytes);
        drain_events(&mut conn, &mut expected_pongs);
        out.extend_from_slice(&conn.data_to_send());
        now += Duration::from_millis(7);
        if conn
            .next_deadline(now)
            .is_some_and(|deadline| deadline <= now)
        {
            conn.handle_deadline(now);
            drain_events(&mut conn, &mut expected_pongs);
        }
    }
    out.extend_from_slice(&conn.data_to_send());
    conn.receive_eof();
    drain_events(&mut conn, &mut expected_pongs);
    assert_eq!(conn.state(), State::Closed);
    assert!(conn.next_event().is_none());
    check_output(role, out, &expected_pongs);
}

/// Takes every event, noting the pongs they call for.
fn drain_events(conn: &mut Connection, expected_pongs: &mut Vec<bytes::Bytes>) {
    while let Some(event) = conn.next_event() {
        match event {
            Event::Message(Message::Ping(payload)) => {
                assert!(payload.len() <= 125);
                if conn.state() == State::Open {
                    expected_pongs.push(payload);
                }
            }
            Event::Message(Message::Close(_)) | Event::ProtocolError(_) => {
                assert!(matches!(conn.state(), State::Closing));
            }
            Event::ResetWithoutClose | Event::KeepaliveTimeout => {
                assert_eq!(conn.state(), State::Closed);
            }
            Event::CloseTimeout => assert_eq!(conn.state(), State::Closing),
            Event::Message(_) => assert!(conn.wants_input() || conn.state() == State::Closing),
            _ => {}
        }
    }
}

/// Decodes what the machine wrote, as its peer.
fn check_output(role: Role, mut out: BytesMut, expected_pongs: &[bytes::Bytes]) {
    let peer = match role {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    };
    let mut decoder = FrameDecoder::with_limits(peer, &Limits::unlimited());
    let mut pongs = Vec::new();
    let mut closed = false;
    while let Some(frame) = decoder.decode(&mut out).expect("our output decodes") {
        assert!(!closed, "a frame after our close frame");
        match frame.opcode {
            OpCode::Pong => pongs.push(frame.payload),
            OpCode::Close => closed = true,
            OpCode::Ping => {}
            other => panic!("unexpected {other:?} frame"),
        }
    }
    assert!(out.is_empty(), "a partial frame in our output");
    assert_eq!(pongs, expected_pongs);
}

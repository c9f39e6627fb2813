//! Unit tests of [`Connection`]: each transition, each error's close code, the deadlines.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

use super::*;
use crate::{FrameEncoder, OpCode, encode_with_mask};

const KEY: [u8; 4] = [1, 2, 3, 4];

fn server() -> Connection {
    Connection::new(Role::Server, &ConnectionConfig::default())
}

fn server_with(config: ConnectionConfig) -> Connection {
    Connection::new(Role::Server, &config)
}

/// `frame` as a client sends it (masked).
fn masked(frame: &Frame) -> Bytes {
    let mut out = BytesMut::new();
    encode_with_mask(frame, Some(KEY), &mut out);
    out.freeze()
}

/// The frames a connection of `role` queued, decoded as its peer reads them.
fn sent(conn: &mut Connection) -> Vec<Frame> {
    let peer = match conn.role() {
        Role::Server => Role::Client,
        Role::Client => Role::Server,
    };
    let mut decoder = FrameDecoder::with_limits(peer, &Limits::unlimited());
    let mut wire = BytesMut::from(&conn.data_to_send()[..]);
    let mut frames = Vec::new();
    while let Some(frame) = decoder.decode(&mut wire).unwrap() {
        frames.push(frame);
    }
    assert!(wire.is_empty(), "a partial frame was queued");
    frames
}

fn close_code(frame: &Frame) -> Option<u16> {
    assert_eq!(frame.opcode, OpCode::Close);
    CloseFrame::parse(frame.payload.clone())
        .unwrap()
        .map(|c| c.code.0)
}

fn message(event: Option<Event>) -> Message {
    match event {
        Some(Event::Message(message)) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

/// Feeds `wire` to a fresh server and returns the protocol error and the close code sent.
fn failure(config: ConnectionConfig, wire: &[u8]) -> (Error, u16) {
    let mut conn = server_with(config);
    conn.receive_data(wire);
    let error = loop {
        match conn.next_event() {
            Some(Event::ProtocolError(error)) => break error,
            Some(Event::Message(_)) => {}
            other => panic!("expected a protocol error, got {other:?}"),
        }
    };
    assert_eq!(conn.state(), State::Closing);
    assert!(
        conn.next_event().is_none(),
        "nothing is decoded after a failure"
    );
    let frames = sent(&mut conn);
    assert_eq!(frames.len(), 1);
    (error, close_code(&frames[0]).unwrap())
}

// --- receiving ---

#[test]
fn a_masked_text_frame_becomes_a_message() {
    let mut conn = server();
    conn.receive_data(&masked(&Frame::text("Hello")));
    assert_eq!(message(conn.next_event()), Message::Text("Hello".into()));
    assert!(conn.next_event().is_none());
    assert!(conn.outgoing().is_empty());
    assert_eq!(conn.state(), State::Open);
}

#[test]
fn bytes_may_arrive_one_at_a_time() {
    let mut conn = server();
    let mut first = Frame::new(OpCode::Text, "Hel");
    first.fin = false;
    let mut wire = masked(&first).to_vec();
    wire.extend_from_slice(&masked(&Frame::ping("p")));
    wire.extend_from_slice(&masked(&Frame::new(OpCode::Continuation, "lo")));
    let mut events = Vec::new();
    for byte in wire {
        conn.receive_data(&[byte]);
        while let Some(event) = conn.next_event() {
            events.push(message(Some(event)));
        }
    }
    assert_eq!(
        events,
        vec![Message::Ping("p".into()), Message::Text("Hello".into())]
    );
}

#[test]
fn reads_go_straight_into_the_read_buffer() {
    let mut conn = server();
    let wire = masked(&Frame::binary(vec![9u8; 10]));
    let buf = conn.read_buffer();
    assert!(buf.capacity() >= 4096);
    buf.extend_from_slice(&wire);
    conn.note_received();
    assert_eq!(
        message(conn.next_event()),
        Message::Binary(vec![9u8; 10].into())
    );
    conn.release_idle_read_buffer();
    assert_eq!(conn.buffered_capacity(), 0);
}

#[test]
fn the_read_buffer_is_kept_while_a_frame_is_under_way() {
    let mut conn = server();
    let wire = masked(&Frame::binary(vec![1u8; 10_000]));
    conn.read_buffer().extend_from_slice(&wire[..100]);
    conn.note_received();
    assert!(conn.next_event().is_none());
    conn.release_idle_read_buffer();
    assert!(conn.buffered_capacity() > 0);
    // The next read makes room for the rest of the frame.
    assert!(conn.read_buffer().capacity() >= wire.len());
}

// --- automatic answers ---

#[test]
fn a_ping_is_answered_with_a_pong_of_the_same_payload() {
    let mut conn = server();
    conn.receive_data(&masked(&Frame::ping("are you there")));
    assert_eq!(
        message(conn.next_event()),
        Message::Ping("are you there".into())
    );
    let frames = sent(&mut conn);
    assert_eq!(frames, vec![Frame::pong("are you there")]);
}

#[test]
fn a_pong_gets_no_answer() {
    let mut conn = server();
    conn.receive_data(&masked(&Frame::pong("x")));
    assert_eq!(message(conn.next_event()), Message::Pong("x".into()));
    assert!(conn.outgoing().is_empty());
}

#[test]
fn no_pong_once_our_close_is_sent() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "").unwrap();
    sent(&mut conn);
    conn.receive_data(&masked(&Frame::ping("late")));
    assert_eq!(message(conn.next_event()), Message::Ping("late".into()));
    assert!(conn.outgoing().is_empty());
}

#[test]
fn the_peers_close_is_echoed_with_its_code() {
    let mut conn = server();
    let close = CloseFrame::new(CloseCode::GOING_AWAY, "bye");
    conn.receive_data(&masked(&Frame::close(Some(&close))));
    assert_eq!(message(conn.next_event()), Message::Close(Some(close)));
    assert_eq!(conn.state(), State::Closing);
    let frames = sent(&mut conn);
    assert_eq!(frames.len(), 1);
    assert_eq!(close_code(&frames[0]), Some(1001));
    assert!(frames[0].payload.len() == 2, "the reason is not echoed");
}

#[test]
fn a_close_without_code_is_echoed_without_code() {
    let mut conn = server();
    conn.receive_data(&masked(&Frame::close(None)));
    assert_eq!(message(conn.next_event()), Message::Close(None));
    assert_eq!(close_code(&sent(&mut conn)[0]), None);
}

#[test]
fn nothing_is_read_after_the_peers_close() {
    let mut conn = server();
    let mut wire = masked(&Frame::close(None)).to_vec();
    wire.extend_from_slice(&masked(&Frame::text("after")));
    conn.receive_data(&wire);
    assert_eq!(message(conn.next_event()), Message::Close(None));
    assert!(conn.next_event().is_none());
    conn.receive_data(&masked(&Frame::text("later still")));
    assert!(conn.next_event().is_none());
}

// --- closing handshake ---

#[test]
fn closing_first_then_the_peers_answer() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "done").unwrap();
    assert_eq!(conn.state(), State::CloseSent);
    let frames = sent(&mut conn);
    assert_eq!(close_code(&frames[0]), Some(1000));
    assert_eq!(&frames[0].payload[2..], b"done");
    // Messages still arrive while the peer has not answered.
    conn.receive_data(&masked(&Frame::text("in flight")));
    assert_eq!(
        message(conn.next_event()),
        Message::Text("in flight".into())
    );
    conn.receive_data(&masked(&Frame::close(Some(&CloseFrame::new(
        CloseCode::NORMAL,
        "",
    )))));
    assert!(matches!(
        conn.next_event(),
        Some(Event::Message(Message::Close(_)))
    ));
    assert_eq!(conn.state(), State::Closing);
    assert!(conn.outgoing().is_empty(), "no second close frame");
    conn.transport_closed();
    assert_eq!(conn.state(), State::Closed);
    assert_eq!(conn.buffered_capacity(), 0);
}

#[test]
fn nothing_is_sent_once_closing() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "").unwrap();
    assert!(matches!(
        conn.send(Message::Text("late".into())),
        Err(Error::NotOpen)
    ));
    assert!(matches!(
        conn.close(CloseCode::NORMAL, ""),
        Err(Error::NotOpen)
    ));
    assert_eq!(sent(&mut conn).len(), 1);
}

#[test]
fn end_of_input_after_our_close_is_clean() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "").unwrap();
    conn.receive_eof();
    assert_eq!(conn.state(), State::Closed);
    assert!(conn.next_event().is_none());
}

#[test]
fn end_of_input_while_open_is_a_reset() {
    let mut conn = server();
    conn.receive_eof();
    assert!(matches!(conn.next_event(), Some(Event::ResetWithoutClose)));
    assert_eq!(conn.state(), State::Closed);
    assert!(conn.next_event().is_none());
}

#[test]
fn a_close_sent_elsewhere_stops_the_answers() {
    let mut conn = server();
    conn.note_close_sent();
    assert_eq!(conn.state(), State::CloseSent);
    conn.receive_data(&masked(&Frame::ping("")));
    message(conn.next_event());
    conn.receive_data(&masked(&Frame::close(None)));
    message(conn.next_event());
    assert!(conn.outgoing().is_empty());
    assert_eq!(conn.state(), State::Closing);
}

// --- errors and their close codes ---

#[test]
fn an_unmasked_frame_from_a_client_is_1002() {
    let mut wire = BytesMut::new();
    encode_with_mask(&Frame::text("x"), None, &mut wire);
    let (error, code) = failure(ConnectionConfig::default(), &wire);
    assert!(matches!(error, Error::UnmaskedFrame));
    assert_eq!(code, 1002);
}

#[test]
fn a_masked_frame_from_a_server_is_1002() {
    let mut conn = Connection::new(Role::Client, &ConnectionConfig::default());
    conn.receive_data(&masked(&Frame::text("x")));
    assert!(matches!(
        conn.next_event(),
        Some(Event::ProtocolError(Error::MaskedFrame))
    ));
    // The client's own close frame is masked.
    let wire = conn.data_to_send();
    assert_eq!(wire[1] & 0x80, 0x80);
    let mut buf = BytesMut::from(&wire[..]);
    let frame = FrameDecoder::new(Role::Server)
        .decode(&mut buf)
        .unwrap()
        .unwrap();
    assert_eq!(close_code(&frame), Some(1002));
}

#[test]
fn protocol_errors_close_with_1002() {
    let reserved_opcode = {
        let mut wire = masked(&Frame::text("x")).to_vec();
        wire[0] = 0x83;
        wire
    };
    let rsv = {
        let mut wire = masked(&Frame::text("x")).to_vec();
        wire[0] |= 0x40;
        wire
    };
    let continuation = masked(&Frame::new(OpCode::Continuation, "x")).to_vec();
    let bad_close_code = masked(&Frame::new(OpCode::Close, &[0x03, 0xed][..])).to_vec();
    let one_byte_close = masked(&Frame::new(OpCode::Close, &[0x03][..])).to_vec();
    let fragmented_ping = {
        let mut ping = Frame::ping("x");
        ping.fin = false;
        masked(&ping).to_vec()
    };
    let long_ping = masked(&Frame::ping(vec![0u8; 126])).to_vec();
    let new_data_mid_message = {
        let mut first = Frame::text("a");
        first.fin = false;
        let mut wire = masked(&first).to_vec();
        wire.extend_from_slice(&masked(&Frame::text("b")));
        wire
    };
    for wire in [
        reserved_opcode,
        rsv,
        continuation,
        bad_close_code,
        one_byte_close,
        fragmented_ping,
        long_ping,
        new_data_mid_message,
    ] {
        let (error, code) = failure(ConnectionConfig::default(), &wire);
        assert_eq!(code, 1002, "{error}");
    }
}

#[test]
fn invalid_utf8_closes_with_1007() {
    let text = masked(&Frame::new(OpCode::Text, &[0xff, 0xfe][..]));
    let (error, code) = failure(ConnectionConfig::default(), &text);
    assert!(matches!(error, Error::InvalidUtf8));
    assert_eq!(code, 1007);
    let mut reason = vec![0x03, 0xe8];
    reason.push(0xff);
    let close = masked(&Frame::new(OpCode::Close, reason));
    assert_eq!(failure(ConnectionConfig::default(), &close).1, 1007);
}

#[test]
fn limits_close_with_1009() {
    let limits = Limits {
        max_frame_size: 100,
        max_message_size: 150,
        max_fragments: 3,
    };
    let config = ConnectionConfig {
        limits,
        ..ConnectionConfig::default()
    };
    let frame_too_big = masked(&Frame::binary(vec![0u8; 101]));
    let (error, code) = failure(config.clone(), &frame_too_big);
    assert!(matches!(error, Error::FrameTooBig { .. }));
    assert_eq!(code, 1009);

    let mut message_too_big = Vec::new();
    for (i, opcode) in [OpCode::Binary, OpCode::Continuation]
        .into_iter()
        .enumerate()
    {
        let mut frame = Frame::new(opcode, vec![0u8; 80]);
        frame.fin = i == 1;
        message_too_big.extend_from_slice(&masked(&frame));
    }
    let (error, code) = failure(config.clone(), &message_too_big);
    assert!(matches!(error, Error::MessageTooBig { .. }));
    assert_eq!(code, 1009);

    let mut too_many_fragments = Vec::new();
    for i in 0..4 {
        let opcode = if i == 0 {
            OpCode::Binary
        } else {
            OpCode::Continuation
        };
        let mut frame = Frame::new(opcode, "x");
        frame.fin = false;
        too_many_fragments.extend_from_slice(&masked(&frame));
    }
    let (error, code) = failure(config, &too_many_fragments);
    assert!(matches!(error, Error::TooManyFragments { .. }));
    assert_eq!(code, 1009);
}

#[test]
fn a_failure_after_our_close_sends_no_second_close() {
    let mut conn = server();
    conn.close(CloseCode::NORMAL, "").unwrap();
    sent(&mut conn);
    conn.receive_data(&masked(&Frame::new(OpCode::Text, &[0xff][..])));
    assert!(matches!(conn.next_event(), Some(Event::ProtocolError(_))));
    assert!(conn.outgoing().is_empty());
    assert_eq!(conn.state(), State::Closing);
}

// --- sending ---

#[test]
fn a_client_masks_what_it_sends_and_a_server_does_not() {
    let mut client = Connection::new(Role::Client, &ConnectionConfig::default());
    client.send(Message::Text("hi".into())).unwrap();
    let wire = client.data_to_send();
    assert_eq!(wire[1], 0x80 | 2);
    let mut server = server();
    server.receive_data(&wire);
    assert_eq!(message(server.next_event()), Message::Text("hi".into()));
    server.send(Message::Text("hi".into())).unwrap();
    assert_eq!(&server.data_to_send()[..], b"\x81\x02hi");
}

#[test]
fn frames_encoded_beforehand_are_queued_as_they_are() {
    let mut conn = server();
    let frames = FrameEncoder::new(Role::Server).encode_to_bytes(&Frame::text("shared"));
    conn.outgoing_mut().queue_encoded(frames.clone());
    assert_eq!(conn.data_to_send(), frames);
}

#[test]
fn the_outgoing_queue_can_move_to_a_writer_of_its_own() {
    let mut conn = server();
    conn.send(Message::Text("queued".into())).unwrap();
    let mut writer = conn.take_outgoing();
    assert_eq!(&writer.take_bytes()[..], b"\x81\x06queued");
    conn.receive_data(&masked(&Frame::ping("p")));
    message(conn.next_event());
    assert_eq!(sent(&mut conn), vec![Frame::pong("p")]);
}

// --- deadlines ---

fn at(start: Instant, millis: u64) -> Instant {
    start + Duration::from_millis(millis)
}

#[test]
fn no_timer_runs_by_default() {
    let mut conn = server();
    assert!(!conn.has_timers());
    assert_eq!(conn.next_deadline(Instant::now()), None);
    conn.close(CloseCode::NORMAL, "").unwrap();
    assert!(conn.has_timers());
    conn.transport_closed();
    assert!(!conn.has_timers());
    assert!(keepalive(50, None).has_timers());
}

#[test]
fn the_close_timeout_counts_from_our_close() {
    let start = Instant::now();
    let mut conn = server_with(ConnectionConfig {
        close_timeout: Some(Duration::from_millis(100)),
        ..ConnectionConfig::default()
    });
    conn.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(conn.next_deadline(at(start, 10)), Some(at(start, 110)));
    conn.handle_deadline(at(start, 109));
    assert!(conn.next_event().is_none());
    assert_eq!(conn.state(), State::CloseSent);
    conn.handle_deadline(at(start, 110));
    assert!(matches!(conn.next_event(), Some(Event::CloseTimeout)));
    assert_eq!(conn.state(), State::Closing);
    assert!(conn.outgoing().is_empty(), "the unsent close is dropped");
    assert_eq!(conn.next_deadline(at(start, 111)), None);
    conn.transport_closed();
    assert_eq!(conn.state(), State::Closed);
}

#[test]
fn the_close_timeout_covers_an_echo_and_a_failure() {
    let start = Instant::now();
    let config = ConnectionConfig {
        close_timeout: Some(Duration::from_millis(100)),
        ..ConnectionConfig::default()
    };
    let mut echo = server_with(config.clone());
    echo.receive_data(&masked(&Frame::close(None)));
    message(echo.next_event());
    assert_eq!(echo.next_deadline(start), Some(at(start, 100)));

    let mut failed = server_with(config);
    failed.receive_data(&masked(&Frame::new(OpCode::Continuation, "")));
    assert!(matches!(failed.next_event(), Some(Event::ProtocolError(_))));
    assert_eq!(failed.next_deadline(start), Some(at(start, 100)));
    failed.handle_deadline(at(start, 100));
    assert!(matches!(failed.next_event(), Some(Event::CloseTimeout)));
}

#[test]
fn no_close_timeout_when_none_is_set() {
    let mut conn = server_with(ConnectionConfig {
        close_timeout: None,
        ..ConnectionConfig::default()
    });
    conn.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(conn.next_deadline(Instant::now()), None);
}

fn keepalive(interval: u64, timeout: Option<u64>) -> Connection {
    server_with(ConnectionConfig {
        keepalive_interval: Some(Duration::from_millis(interval)),
        keepalive_timeout: timeout.map(Duration::from_millis),
        ..ConnectionConfig::default()
    })
}

#[test]
fn keepalive_pings_a_silent_peer_then_gives_up() {
    let start = Instant::now();
    let mut conn = keepalive(50, None);
    assert_eq!(conn.next_deadline(start), Some(at(start, 50)));
    conn.handle_deadline(at(start, 49));
    assert!(conn.outgoing().is_empty());
    conn.handle_deadline(at(start, 50));
    assert_eq!(sent(&mut conn), vec![Frame::ping(Bytes::new())]);
    assert_eq!(conn.next_deadline(at(start, 51)), Some(at(start, 100)));
    conn.handle_deadline(at(start, 100));
    assert!(matches!(conn.next_event(), Some(Event::KeepaliveTimeout)));
    assert_eq!(conn.state(), State::Closed);
    assert_eq!(conn.next_deadline(at(start, 101)), None);
}

#[test]
fn any_bytes_from_the_peer_restart_the_keepalive() {
    let start = Instant::now();
    let mut conn = keepalive(50, Some(20));
    conn.next_deadline(start);
    conn.handle_deadline(at(start, 50));
    assert_eq!(sent(&mut conn).len(), 1);
    assert_eq!(conn.next_deadline(at(start, 55)), Some(at(start, 70)));
    conn.receive_data(&masked(&Frame::pong("")));
    message(conn.next_event());
    assert_eq!(conn.next_deadline(at(start, 60)), Some(at(start, 110)));
    conn.handle_deadline(at(start, 70));
    assert!(conn.next_event().is_none());
    assert_eq!(conn.state(), State::Open);
}

#[test]
fn the_earlier_of_two_timers_is_the_deadline() {
    let start = Instant::now();
    let mut conn = server_with(ConnectionConfig {
        keepalive_interval: Some(Duration::from_millis(50)),
        close_timeout: Some(Duration::from_millis(30)),
        ..ConnectionConfig::default()
    });
    assert_eq!(conn.next_deadline(start), Some(at(start, 50)));
    conn.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(conn.next_deadline(at(start, 1)), Some(at(start, 31)));
    conn.handle_deadline(at(start, 31));
    assert!(matches!(conn.next_event(), Some(Event::CloseTimeout)));
}

//! The connection state machine over an in-memory duplex: handshake, echo, control frames,
//! close, cancellation, backpressure and limits.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};
use ws_frame::{Frame, FrameDecoder, FrameEncoder, OpCode, encode_with_mask};
use wsio_ws::{CloseCode, Config, Error, Limits, Message, Role, WebSocket, WsUrl};

const REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A server connection on one end of a duplex, the raw peer bytes on the other.
async fn server_with_raw_peer(config: Config) -> (WebSocket<DuplexStream>, DuplexStream) {
    let (server_io, mut peer) = duplex(1 << 20);
    peer.write_all(REQUEST).await.unwrap();
    let ws = wsio_ws::accept(server_io, config).await.unwrap();
    let mut head = vec![0u8; 4096];
    let n = peer.read(&mut head).await.unwrap();
    assert!(head[..n].starts_with(b"HTTP/1.1 101 "));
    (ws, peer)
}

/// A client and a server connected through a duplex.
async fn pair(config: Config) -> (WebSocket<DuplexStream>, WebSocket<DuplexStream>) {
    let (client_io, server_io) = duplex(1 << 20);
    let server = tokio::spawn(wsio_ws::accept(server_io, config.clone()));
    let url = WsUrl::parse("ws://localhost/").unwrap();
    let client = wsio_ws::connect_on(client_io, &url, config, &[])
        .await
        .unwrap();
    (client, server.await.unwrap().unwrap())
}

fn masked(frame: &Frame) -> BytesMut {
    let mut out = BytesMut::new();
    encode_with_mask(frame, Some([1, 2, 3, 4]), &mut out);
    out
}

/// Reads frames the server wrote until one with `opcode` arrives.
async fn read_frame(peer: &mut DuplexStream, buf: &mut BytesMut) -> Frame {
    let mut decoder = FrameDecoder::new(Role::Client);
    decoder.set_allowed_rsv(ws_frame::RSV1);
    loop {
        if let Some(frame) = decoder.decode(buf).unwrap() {
            return frame;
        }
        assert!(peer.read_buf(buf).await.unwrap() > 0, "server hung up");
    }
}

fn close_code(frame: &Frame) -> u16 {
    u16::from_be_bytes([frame.payload[0], frame.payload[1]])
}

#[tokio::test]
async fn messages_round_trip_with_and_without_compression() {
    for deflate in [true, false] {
        let config = Config {
            deflate: if deflate {
                Some(Default::default())
            } else {
                None
            },
            ..Config::default()
        };
        let (mut client, mut server) = pair(config).await;
        assert_eq!(client.is_compressed(), deflate);
        let big = "x".repeat(100_000);
        for message in [
            Message::from("hi"),
            Message::from(vec![0u8, 1, 2]),
            Message::from(big),
        ] {
            client.send(message.clone()).await.unwrap();
            let got = server.recv().await.unwrap().unwrap();
            assert_eq!(got, message);
            server.send(got).await.unwrap();
            assert_eq!(client.recv().await.unwrap().unwrap(), message);
        }
    }
}

#[tokio::test]
async fn ping_is_answered_automatically() {
    let (mut ws, mut peer) = server_with_raw_peer(Config::default()).await;
    peer.write_all(&masked(&Frame::ping("are you there")))
        .await
        .unwrap();
    assert_eq!(
        ws.recv().await.unwrap().unwrap(),
        Message::Ping("are you there".into())
    );
    let mut buf = BytesMut::new();
    let pong = tokio::time::timeout(Duration::from_secs(1), read_frame(&mut peer, &mut buf))
        .await
        .unwrap();
    assert_eq!(pong, Frame::pong("are you there"));
}

#[tokio::test]
async fn close_initiated_by_the_peer_is_echoed() {
    let (mut ws, mut peer) = server_with_raw_peer(Config::default()).await;
    let close = ws_frame::CloseFrame::new(CloseCode::NORMAL, "bye");
    peer.write_all(&masked(&Frame::close(Some(&close))))
        .await
        .unwrap();
    assert_eq!(
        ws.recv().await.unwrap().unwrap(),
        Message::Close(Some(close))
    );
    assert!(ws.recv().await.is_none());
    let mut buf = BytesMut::new();
    let echo = read_frame(&mut peer, &mut buf).await;
    assert_eq!(echo.opcode, OpCode::Close);
    assert_eq!(close_code(&echo), 1000);
    assert!(ws.send("late").await.is_err());
}

#[tokio::test]
async fn close_initiated_locally_completes_both_ways() {
    let (mut client, mut server) = pair(Config::default()).await;
    let server_task = tokio::spawn(async move {
        let got = server.recv().await.unwrap().unwrap();
        assert!(matches!(got, Message::Close(Some(ref c)) if c.code == CloseCode::GOING_AWAY));
        assert!(server.recv().await.is_none());
    });
    client
        .close(CloseCode::GOING_AWAY, "leaving")
        .await
        .unwrap();
    server_task.await.unwrap();
}

#[tokio::test]
async fn close_times_out_when_the_peer_never_answers() {
    let config = Config {
        close_timeout: Duration::from_millis(100),
        ..Config::default()
    };
    let (mut ws, _peer) = server_with_raw_peer(config).await;
    assert!(matches!(
        ws.close(CloseCode::NORMAL, "").await,
        Err(Error::CloseTimeout)
    ));
}

#[tokio::test]
async fn recv_is_cancel_safe_in_select() {
    let (mut ws, mut peer) = server_with_raw_peer(Config::default()).await;
    let wire = masked(&Frame::text("trickled message"));
    let writer = tokio::spawn(async move {
        for byte in wire.iter() {
            peer.write_all(&[*byte]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        peer
    });
    let mut cancelled = 0;
    let message = loop {
        tokio::select! {
            got = ws.recv() => break got.unwrap().unwrap(),
            () = tokio::time::sleep(Duration::from_millis(3)) => cancelled += 1,
        }
    };
    assert!(cancelled > 3, "the race never cancelled a read");
    assert_eq!(message, Message::Text("trickled message".into()));
    drop(writer.await.unwrap());
}

#[tokio::test]
async fn a_peer_that_never_reads_is_bounded_by_the_write_buffer() {
    let config = Config {
        max_write_buffer: 16 * 1024,
        ..Config::default()
    };
    let (server_io, mut peer) = duplex(4096);
    peer.write_all(REQUEST).await.unwrap();
    let mut ws = wsio_ws::accept(server_io, config).await.unwrap();
    let payload = vec![7u8; 1000];
    let mut queued = 0;
    let refused = loop {
        match ws.try_send(Message::Binary(payload.clone().into())) {
            Ok(()) => queued += 1,
            Err((message, _)) => break message,
        }
        assert!(queued < 100, "write buffer never filled");
    };
    assert_eq!(refused, Message::Binary(payload.into()));
    // send() waits rather than growing the buffer.
    let blocked = tokio::time::timeout(Duration::from_millis(100), ws.send(vec![1u8; 10])).await;
    assert!(blocked.is_err());
    assert!(ws.buffered_capacity() < 64 * 1024);
}

#[tokio::test]
async fn oversize_frame_closes_with_1009() {
    let config = Config {
        limits: Limits {
            max_frame_size: 1024,
            max_message_size: 1024,
            ..Limits::default()
        },
        ..Config::default()
    };
    let (mut ws, mut peer) = server_with_raw_peer(config).await;
    peer.write_all(&masked(&Frame::binary(vec![0u8; 2048])))
        .await
        .unwrap();
    let err = ws.recv().await.unwrap().unwrap_err();
    assert_eq!(err.close_code(), CloseCode::MESSAGE_TOO_BIG);
    assert!(ws.recv().await.is_none());
    let mut buf = BytesMut::new();
    let close = read_frame(&mut peer, &mut buf).await;
    assert_eq!(close_code(&close), 1009);
}

#[tokio::test]
async fn invalid_utf8_closes_with_1007() {
    let (mut ws, mut peer) = server_with_raw_peer(Config::default()).await;
    let frame = Frame::new(OpCode::Text, &b"\xff\xfe"[..]);
    peer.write_all(&masked(&frame)).await.unwrap();
    let err = ws.recv().await.unwrap().unwrap_err();
    assert_eq!(err.close_code(), CloseCode::INVALID_PAYLOAD);
    let mut buf = BytesMut::new();
    assert_eq!(close_code(&read_frame(&mut peer, &mut buf).await), 1007);
}

#[tokio::test]
async fn slow_handshake_and_early_frames_are_kept() {
    let (server_io, mut peer) = duplex(1 << 16);
    let server = tokio::spawn(wsio_ws::accept(server_io, Config::default()));
    let mut bytes = REQUEST.to_vec();
    bytes.extend_from_slice(&masked(&Frame::text("early")));
    for chunk in bytes.chunks(7) {
        peer.write_all(chunk).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let mut ws = server.await.unwrap().unwrap();
    assert_eq!(
        ws.recv().await.unwrap().unwrap(),
        Message::Text("early".into())
    );
}

#[tokio::test]
async fn garbage_before_the_handshake_gets_400() {
    let (server_io, mut peer) = duplex(1 << 16);
    peer.write_all(b"\x16\x03\x01 not http at all\r\n\r\n")
        .await
        .unwrap();
    let result = wsio_ws::accept(server_io, Config::default()).await;
    assert!(matches!(result, Err(Error::Handshake(_))));
    let mut answer = Vec::new();
    peer.read_to_end(&mut answer).await.unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 400 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn keepalive_pings_a_silent_peer_then_gives_up() {
    let config = Config {
        keepalive: Some(Duration::from_millis(50)),
        ..Config::default()
    };
    let (mut ws, mut peer) = server_with_raw_peer(config).await;
    let outcome = tokio::time::timeout(Duration::from_secs(2), ws.recv())
        .await
        .unwrap();
    assert!(matches!(outcome, Some(Err(Error::ResetWithoutClose))));
    let mut buf = BytesMut::new();
    assert_eq!(read_frame(&mut peer, &mut buf).await.opcode, OpCode::Ping);
    let _ = FrameEncoder::new(Role::Client);
}

#[tokio::test]
async fn a_peer_that_answers_keepalive_pings_stays_connected() {
    let period = Duration::from_millis(40);
    let config = Config {
        keepalive: Some(period),
        ..Config::default()
    };
    let (mut ws, mut peer) = server_with_raw_peer(config).await;
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    // The peer answers every ping until told to stop, then goes silent (keeping the stream).
    let answering = tokio::spawn(async move {
        let mut buf = BytesMut::new();
        let mut pings = 0;
        loop {
            tokio::select! {
                _ = &mut stop_rx => return (pings, peer),
                frame = read_frame(&mut peer, &mut buf) => {
                    assert_eq!(frame.opcode, OpCode::Ping);
                    pings += 1;
                    peer.write_all(&masked(&Frame::pong(frame.payload))).await.unwrap();
                }
            }
        }
    });
    let until = tokio::time::Instant::now() + period * 8;
    while let Ok(item) = tokio::time::timeout_at(until, ws.recv()).await {
        assert_eq!(item.unwrap().unwrap(), Message::Pong(Default::default()));
    }
    stop_tx.send(()).unwrap();
    let (pings, _peer) = answering.await.unwrap();
    assert!(pings >= 3, "{pings} pings in eight periods");
    // Silent now: one more ping, then the connection is given up.
    let outcome = tokio::time::timeout(period * 10, async {
        loop {
            match ws.recv().await {
                Some(Ok(Message::Pong(_))) => {}
                other => return other,
            }
        }
    })
    .await
    .unwrap();
    assert!(matches!(outcome, Some(Err(Error::ResetWithoutClose))));
}

//! Split halves: used from different tasks, automatic replies still flow.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};
use ws_frame::{CloseFrame, Frame, FrameDecoder, OpCode, Role, encode_with_mask};
use wsio_ws::{CloseCode, Config, Message, WsUrl};

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

async fn server_and_raw_peer() -> (wsio_ws::WebSocket<DuplexStream>, DuplexStream) {
    let (server_io, mut peer) = duplex(1 << 16);
    peer.write_all(REQUEST).await.unwrap();
    let ws = wsio_ws::accept(server_io, Config::default()).await.unwrap();
    let mut head = [0u8; 1024];
    let _ = peer.read(&mut head).await.unwrap();
    (ws, peer)
}

fn masked(frame: &Frame) -> Vec<u8> {
    let mut out = BytesMut::new();
    encode_with_mask(frame, Some([9, 8, 7, 6]), &mut out);
    out.to_vec()
}

async fn next_frame(peer: &mut DuplexStream, buf: &mut BytesMut) -> Frame {
    let mut decoder = FrameDecoder::new(Role::Client);
    tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if let Some(frame) = decoder.decode(buf).unwrap() {
                return frame;
            }
            assert!(peer.read_buf(buf).await.unwrap() > 0, "server hung up");
        }
    })
    .await
    .expect("a frame in time")
}

#[tokio::test]
async fn halves_work_from_different_tasks() {
    let (client_io, server_io) = duplex(1 << 16);
    let server = tokio::spawn(wsio_ws::accept(server_io, Config::default()));
    let url = WsUrl::parse("ws://localhost/").unwrap();
    let client = wsio_ws::connect_on(client_io, &url, Config::default(), &[])
        .await
        .unwrap();
    let server = server.await.unwrap().unwrap();

    let (mut server_rx, server_tx) = server.split();
    let echo = tokio::spawn(async move {
        while let Some(Ok(message)) = server_rx.recv().await {
            if message.is_data() {
                server_tx.send(message).await.unwrap();
            }
        }
    });
    let (mut client_rx, client_tx) = client.split();
    let sender = tokio::spawn(async move {
        for i in 0..100 {
            client_tx.send(format!("message {i}")).await.unwrap();
        }
        client_tx
    });
    for i in 0..100 {
        let got = client_rx.recv().await.unwrap().unwrap();
        assert_eq!(got, Message::Text(format!("message {i}").into()));
    }
    let client_tx = sender.await.unwrap();
    client_tx.close(CloseCode::NORMAL, "done").await.unwrap();
    let last = client_rx.recv().await.unwrap().unwrap();
    assert!(matches!(last, Message::Close(Some(ref c)) if c.code == CloseCode::NORMAL));
    assert!(client_rx.recv().await.is_none());
    echo.await.unwrap();
}

#[tokio::test]
async fn the_read_half_answers_pings_without_the_write_half() {
    let (ws, mut peer) = server_and_raw_peer().await;
    let (mut reader, _writer) = ws.split();
    peer.write_all(&masked(&Frame::ping("p1"))).await.unwrap();
    assert_eq!(
        reader.recv().await.unwrap().unwrap(),
        Message::Ping("p1".into())
    );
    let mut buf = BytesMut::new();
    assert_eq!(next_frame(&mut peer, &mut buf).await, Frame::pong("p1"));
}

#[tokio::test]
async fn the_read_half_echoes_close() {
    let (ws, mut peer) = server_and_raw_peer().await;
    let (mut reader, writer) = ws.split();
    let close = CloseFrame::new(CloseCode::GOING_AWAY, "bye");
    peer.write_all(&masked(&Frame::close(Some(&close))))
        .await
        .unwrap();
    assert_eq!(
        reader.recv().await.unwrap().unwrap(),
        Message::Close(Some(close))
    );
    assert!(reader.recv().await.is_none());
    let mut buf = BytesMut::new();
    let echo = next_frame(&mut peer, &mut buf).await;
    assert_eq!(echo.opcode, OpCode::Close);
    assert_eq!(&echo.payload[..2], &1001u16.to_be_bytes());
    assert!(writer.send("too late").await.is_err());
}

//! `sio-echo-msgpack`: `sio-echo` with the MessagePack parser (socket.io-msgpack-parser's
//! wire format): N sockets, one binary `["echo", "<payload>"]` event in flight on each; the
//! server's `echo` event must come back with the same argument. Packets are encoded and
//! decoded with event-proto, since servers may order the packet's map keys differently; once
//! an answer was decoded and found right, the same bytes again are accepted by comparison, so
//! that checking costs the load generator no more than `sio-echo`'s text comparison does.

use std::sync::OnceLock;

use bytes::Bytes;
use event_proto::socket::Packet;
use event_proto::{Decoder, Limits, MsgPackParser, Parser};
use wsio_ws::Message;

use crate::args::Options;
use crate::conn::{self, Ws};
use crate::echo::{self, Exchange};
use crate::sio;

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let host = options.host.clone();
    let port = options.port;
    let open = |index| {
        let host = host.clone();
        async move { open(&host, port, index).await }
    };
    echo::run(options, "sio-echo-msgpack", open, |index| {
        let event = Packet::event("/", "echo", vec![sio::payload(index, options.size).into()]);
        SioEchoMsgPack {
            wire: encode(&event),
            event,
            answer: OnceLock::new(),
        }
    })
    .await
}

/// A packet as the one binary message the MessagePack parser makes of it.
fn encode(packet: &Packet) -> Bytes {
    match MsgPackParser.encode(packet).map(|encoded| encoded.head) {
        Ok(event_proto::Message::Binary(bytes)) => bytes,
        other => panic!("the MessagePack parser made {other:?}"),
    }
}

/// Opens connection `index` and joins the main namespace with MessagePack packets.
pub async fn open(host: &str, port: u16, index: usize) -> Result<Ws, String> {
    let mut ws = conn::open(host, port, sio::TARGET, index).await?;
    let open = sio::next_text(&mut ws).await?;
    if !open.starts_with("0{") {
        return Err(format!(
            "expected the Engine.IO open packet, got {}",
            sio::clip(&open)
        ));
    }
    ws.send(encode(&Packet::connect("/", None)))
        .await
        .map_err(|e| format!("send connect: {e}"))?;
    let connect = next_packet(&mut ws).await?;
    if connect.kind != event_proto::socket::PacketKind::Connect {
        return Err(format!(
            "expected the namespace connect packet, got {connect:?}"
        ));
    }
    Ok(ws)
}

/// The next binary message, decoded; Engine.IO pings are answered on the way.
async fn next_packet(ws: &mut Ws) -> Result<Packet, String> {
    decode(next_binary(ws).await?)
}

/// One MessagePack packet.
fn decode(bytes: Bytes) -> Result<Packet, String> {
    let mut decoder = MsgPackParser.decoder(Limits::default());
    match decoder.push(event_proto::Message::Binary(bytes)) {
        Ok(Some(packet)) => Ok(packet),
        Ok(None) => Err("an incomplete MessagePack packet".to_owned()),
        Err(e) => Err(format!("undecodable MessagePack packet: {e}")),
    }
}

/// The next binary message; Engine.IO pings are answered on the way.
async fn next_binary(ws: &mut Ws) -> Result<Bytes, String> {
    loop {
        match ws.recv().await {
            Some(Ok(Message::Text(text))) if text.as_str() == "2" => {
                ws.send("3").await.map_err(|e| format!("send pong: {e}"))?;
            }
            Some(Ok(Message::Binary(bytes))) => return Ok(bytes),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(other)) => {
                return Err(format!(
                    "unexpected message {}",
                    sio::clip(&format!("{other:?}"))
                ));
            }
            Some(Err(e)) => return Err(format!("receive: {e}")),
            None => return Err("connection closed by the server".to_owned()),
        }
    }
}

/// An `echo` event, answered by an `echo` event with the same argument.
struct SioEchoMsgPack {
    wire: Bytes,
    event: Packet,
    /// The server's answer, once one was decoded and found right.
    answer: OnceLock<Bytes>,
}

impl Exchange<Ws> for SioEchoMsgPack {
    async fn trip(&self, ws: &mut Ws) -> Result<(), String> {
        ws.send(self.wire.clone())
            .await
            .map_err(|e| format!("send: {e}"))?;
        let bytes = next_binary(ws).await?;
        if self.answer.get() == Some(&bytes) {
            return Ok(());
        }
        let answer = decode(bytes.clone())?;
        if answer.kind == self.event.kind && answer.data == self.event.data {
            let _ = self.answer.set(bytes);
            Ok(())
        } else {
            Err(format!("wrong echo: {}", sio::clip(&format!("{answer:?}"))))
        }
    }
}

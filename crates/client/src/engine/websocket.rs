//! The WebSocket transport: opening it, the handshake packet, the reader task, and the
//! mapping between Engine.IO packets and WebSocket messages.

use std::sync::Arc;

use event_proto::engine::{Handshake, Packet};
use event_proto::{Message as EioMessage, Str};
use tokio::sync::mpsc;
use wsio_ws::{MaybeTlsStream, Message, Utf8Bytes, WebSocket, WsReader, WsUrl};

use crate::connector;
use crate::error::{Error, Result};
use crate::state::Shared;

/// Opens a WebSocket to the Engine.IO endpoint: a new session, or (with `sid`) a probe for
/// the upgrade of a polling session.
pub(crate) async fn open(
    shared: &Arc<Shared>,
    sid: Option<&str>,
) -> Result<WebSocket<MaybeTlsStream>> {
    let target = shared
        .url
        .target(&shared.config.path, "websocket", sid, &shared.config.query);
    let url = WsUrl::parse(&shared.url.ws_url(&target))?;
    let headers: Vec<(&str, &str)> = shared
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let config = shared.config.websocket.clone();
    #[cfg(feature = "http2")]
    if config.http2 != wsio_ws::Http2Mode::Off {
        let tls = connector::tls_option(&shared.url, &shared.tls)?;
        return Ok(wsio_ws::connect_http2(&url, config, tls, &headers).await?);
    }
    let stream = connector::open(&shared.url, &shared.tls).await?;
    let ws = wsio_ws::connect_on(stream, &url, config, &headers).await?;
    Ok(ws)
}

/// Receives the next Engine.IO packet, skipping control frames.
pub(crate) async fn recv(ws: &mut WebSocket<MaybeTlsStream>) -> Result<Packet> {
    loop {
        match ws.recv().await {
            Some(Ok(message)) => {
                if let Some(packet) = decode(message)? {
                    return Ok(packet);
                }
            }
            Some(Err(e)) => return Err(e.into()),
            None => return Err(Error::TransportClosed),
        }
    }
}

/// Reads the `open` packet of a new WebSocket session.
pub(crate) async fn read_handshake(ws: &mut WebSocket<MaybeTlsStream>) -> Result<Handshake> {
    let packet = recv(ws).await?;
    Ok(Handshake::from_packet(&packet)?)
}

/// The reader task: forwards packets until the connection ends, then reports why.
pub(crate) async fn read(mut reader: WsReader<MaybeTlsStream>, tx: mpsc::Sender<Result<Packet>>) {
    loop {
        let item = match reader.recv().await {
            Some(Ok(message)) => match decode(message) {
                Ok(Some(packet)) => Ok(packet),
                Ok(None) => continue,
                Err(e) => Err(e),
            },
            Some(Err(e)) => Err(e.into()),
            None => Err(Error::TransportClosed),
        };
        let last = item.is_err();
        if tx.send(item).await.is_err() || last {
            return;
        }
    }
}

/// One data frame as an Engine.IO packet; `None` for control frames.
fn decode(message: Message) -> Result<Option<Packet>> {
    let message = match message {
        Message::Text(text) => EioMessage::Text(Str::from_utf8(text.into_bytes())?),
        Message::Binary(data) => EioMessage::Binary(data),
        _ => return Ok(None),
    };
    Ok(Some(Packet::decode_ws(message)?))
}

/// One Engine.IO packet as a frame.
pub(crate) fn to_ws(packet: &Packet) -> Message {
    match packet.encode_ws() {
        EioMessage::Text(text) => {
            Message::Text(Utf8Bytes::try_from_bytes(text.into_bytes()).unwrap_or_default())
        }
        EioMessage::Binary(data) => Message::Binary(data),
    }
}

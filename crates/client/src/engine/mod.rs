//! Engine.IO transports: opening a session, the packet channels of each transport, and the
//! move from long-polling to WebSocket or WebTransport.
//!
//! All transports look the same to the driver: a [`Link`] delivers received packets on a
//! bounded channel, fed by a reader task, and takes packets to send with [`Link::send`].

pub(crate) mod polling;
pub(crate) mod upgrade;
pub(crate) mod websocket;
#[cfg(feature = "webtransport")]
pub(crate) mod webtransport;

use std::sync::Arc;
use std::time::Duration;

use event_proto::engine::{Handshake, Packet, Transport};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wsio_ws::{MaybeTlsStream, WebSocket, WsWriter};

use crate::config::Transports;
use crate::error::{Error, Result};
use crate::state::Shared;
pub(crate) use polling::Pause;

/// Received packets, or the error that ended the transport.
pub(crate) type Inbound = mpsc::Receiver<Result<Packet>>;

/// Packets a reader task may get ahead of the driver.
const INBOUND_QUEUE: usize = 64;
/// Packets that may wait for the polling writer.
const POST_QUEUE: usize = 64;
/// How long the last polling writes may take when the transport changes or closes.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

enum Out {
    Ws(WsWriter),
    #[cfg(feature = "webtransport")]
    Wt(webtransport::WtWriter),
    Polling {
        tx: mpsc::Sender<Packet>,
        task: JoinHandle<()>,
    },
    None,
}

/// An open Engine.IO session on one transport.
pub(crate) struct Link {
    shared: Arc<Shared>,
    pub handshake: Handshake,
    pub kind: Transport,
    pub inbound: Inbound,
    out: Out,
    reader: Option<JoinHandle<()>>,
    pause: Pause,
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
        if let Out::Polling { task, .. } = &self.out {
            task.abort();
        }
    }
}

/// Opens a session with the configured transports.
pub(crate) async fn open(shared: &Arc<Shared>) -> Result<Link> {
    match shared.config.transports {
        Transports::WebSocket => {
            let mut ws = websocket::open(shared, None).await?;
            let handshake = websocket::read_handshake(&mut ws).await?;
            let mut link = Link::new(shared, handshake, Transport::WebSocket);
            link.attach_ws(ws);
            Ok(link)
        }
        Transports::WebTransport => open_webtransport(shared).await,
        Transports::Polling
        | Transports::PollingThenUpgrade
        | Transports::PollingThenWebTransport => polling::open(shared).await,
    }
}

/// Opens a session over WebTransport: the session, its stream, `open`, the handshake.
#[cfg(feature = "webtransport")]
async fn open_webtransport(shared: &Arc<Shared>) -> Result<Link> {
    let mut stream = webtransport::open(shared, None).await?;
    let handshake = stream.read_handshake().await?;
    let mut link = Link::new(shared, handshake, Transport::WebTransport);
    link.attach_wt(stream);
    Ok(link)
}

#[cfg(not(feature = "webtransport"))]
async fn open_webtransport(_shared: &Arc<Shared>) -> Result<Link> {
    Err(no_webtransport())
}

/// The error of choosing WebTransport in a client built without it.
#[cfg(not(feature = "webtransport"))]
fn no_webtransport() -> Error {
    Error::WebTransport("this wsio-client was built without the feature webtransport".into())
}

/// A transport whose upgrade probe succeeded, ready to take the session over.
pub(crate) enum Probed {
    WebSocket(Box<WebSocket<MaybeTlsStream>>),
    #[cfg(feature = "webtransport")]
    WebTransport(Box<webtransport::WtStream>),
}

impl Link {
    fn new(shared: &Arc<Shared>, handshake: Handshake, kind: Transport) -> Link {
        let (_, inbound) = mpsc::channel(1);
        Link {
            shared: shared.clone(),
            handshake,
            kind,
            inbound,
            out: Out::None,
            reader: None,
            pause: Pause::new(),
        }
    }

    /// The Engine.IO session id.
    pub(crate) fn sid(&self) -> &str {
        &self.handshake.sid
    }

    /// The transports to probe, in order, for the session to move to: those the
    /// configuration allows and the server's handshake offers, WebTransport first.
    pub(crate) fn upgrades(&self) -> Vec<Transport> {
        if self.kind != Transport::Polling {
            return Vec::new();
        }
        let allowed: &[Transport] = match self.shared.config.transports {
            Transports::PollingThenUpgrade => &[Transport::WebSocket],
            #[cfg(feature = "webtransport")]
            Transports::PollingThenWebTransport => &[Transport::WebTransport, Transport::WebSocket],
            #[cfg(not(feature = "webtransport"))]
            Transports::PollingThenWebTransport => &[Transport::WebSocket],
            Transports::Polling | Transports::WebSocket | Transports::WebTransport => &[],
        };
        allowed
            .iter()
            .copied()
            .filter(|t| self.handshake.upgrades.iter().any(|u| u == t.as_str()))
            .collect()
    }

    /// Sends one packet, waiting while the transport's queue is full.
    pub(crate) async fn send(&mut self, packet: Packet) -> Result<()> {
        match &mut self.out {
            Out::Ws(writer) => Ok(writer.send(websocket::to_ws(&packet)).await?),
            #[cfg(feature = "webtransport")]
            Out::Wt(writer) => writer.send(&packet).await,
            Out::Polling { tx, .. } => tx.send(packet).await.map_err(|_| Error::TransportClosed),
            Out::None => Err(Error::TransportClosed),
        }
    }

    /// Sends what is queued and closes the transport (`close` packet over polling, a close
    /// handshake over WebSocket, the end of the stream and of the session over WebTransport).
    pub(crate) async fn close(mut self) {
        match std::mem::replace(&mut self.out, Out::None) {
            Out::Ws(writer) => {
                let _ = writer.close(wsio_ws::CloseCode::NORMAL, "").await;
                // Give the writer task a moment to put the close frame on the wire.
                let wait = async { while let Some(Ok(_)) = self.inbound.recv().await {} };
                let _ = tokio::time::timeout(Duration::from_millis(500), wait).await;
            }
            #[cfg(feature = "webtransport")]
            Out::Wt(writer) => writer.close().await,
            Out::Polling { tx, task } => {
                let _ = tx.send(Packet::Close).await;
                drop(tx);
                let _ = tokio::time::timeout(DRAIN_TIMEOUT, task).await;
            }
            Out::None => {}
        }
    }

    /// Starts the reader and writer tasks of a WebSocket transport.
    fn attach_ws(&mut self, ws: WebSocket<MaybeTlsStream>) {
        let (reader, writer) = ws.split();
        let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
        self.replace_reader(tokio::spawn(websocket::read(reader, tx)));
        self.inbound = rx;
        self.out = Out::Ws(writer);
        self.kind = Transport::WebSocket;
    }

    /// Starts the reader task of a WebTransport stream; its writer becomes the transport.
    #[cfg(feature = "webtransport")]
    fn attach_wt(&mut self, stream: webtransport::WtStream) {
        let (reader, writer) = stream.split();
        let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
        self.replace_reader(tokio::spawn(webtransport::read(reader, tx)));
        self.inbound = rx;
        self.out = Out::Wt(writer);
        self.kind = Transport::WebTransport;
    }

    fn replace_reader(&mut self, reader: JoinHandle<()>) {
        if let Some(old) = self.reader.replace(reader) {
            old.abort();
        }
    }

    /// The pause of the polling reader, for the upgrade probe to hold before it sends `2probe`.
    pub(crate) fn polling_pause(&self) -> Pause {
        self.pause.clone()
    }

    /// Asks the polling reader to stop after its current request (the upgrade probe
    /// succeeded); the inbound channel ends when it did.
    pub(crate) fn stop_polling_reader(&self) {
        self.pause.stop();
    }

    /// Lets the polling reader go on after a failed upgrade probe.
    pub(crate) fn resume_polling(&self) {
        self.pause.resume();
    }

    /// Completes the upgrade once the polling reader stopped: the last POSTs go out, `5` is
    /// sent on the probed transport, which becomes the session's. On failure the session goes
    /// on over polling.
    pub(crate) async fn finish_upgrade(&mut self, probed: Probed) {
        if let Out::Polling { tx, task } = std::mem::replace(&mut self.out, Out::None) {
            drop(tx);
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, task).await;
        }
        match probed {
            Probed::WebSocket(mut ws) => match ws.send(websocket::to_ws(&Packet::Upgrade)).await {
                Ok(()) => self.attach_ws(*ws),
                Err(_) => self.restart_polling(),
            },
            #[cfg(feature = "webtransport")]
            Probed::WebTransport(mut stream) => match stream.send(&Packet::Upgrade).await {
                Ok(()) => self.attach_wt(*stream),
                Err(_) => self.restart_polling(),
            },
        }
    }

    /// (Re)starts the polling reader and writer on new connections.
    pub(crate) fn restart_polling(&mut self) {
        self.pause = Pause::new();
        let (tx, rx) = mpsc::channel(INBOUND_QUEUE);
        let reader = polling::spawn_reader(self, tx.clone());
        self.replace_reader(reader);
        self.out = polling::spawn_writer(self, &tx);
        self.inbound = rx;
        self.kind = Transport::Polling;
    }
}

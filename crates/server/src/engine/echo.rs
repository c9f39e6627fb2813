//! The layer above Engine.IO sessions that sends every message back, unchanged, over the
//! session it came from: the application of `wsio engine-echo`.

use std::sync::{Arc, Weak};

use event_proto::Message;
use event_proto::engine::Packet;

use super::EngineHandler;
use super::session::{Conn, ConnHandler, Outgoing};
use crate::reason::DisconnectReason;
use crate::sync::BoxFuture;

/// Gives every new session an echo.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Echo;

impl EngineHandler for Echo {
    fn on_open(&self, conn: &Arc<Conn>) -> Arc<dyn ConnHandler> {
        // Without a Socket.IO layer there is no namespace to join: no connect timeout.
        conn.mark_joined();
        Arc::new(EchoSession {
            conn: Arc::downgrade(conn),
        })
    }
}

/// The echo of one session. It holds the session weakly: the session owns it.
struct EchoSession {
    conn: Weak<Conn>,
}

impl ConnHandler for EchoSession {
    fn on_message(&self, message: Message) -> BoxFuture<'_, ()> {
        if let Some(conn) = self.conn.upgrade() {
            let packet = match message {
                Message::Text(text) => Packet::Message(text),
                Message::Binary(data) => Packet::Binary(data),
            };
            // A full queue closes the session as a slow consumer; nothing more to do here.
            let _ = conn.push(Outgoing::Engine(packet), false);
        }
        Box::pin(std::future::ready(()))
    }

    fn on_close(&self, _reason: DisconnectReason) {}
}

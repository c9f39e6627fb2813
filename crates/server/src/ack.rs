//! Acknowledgements: answering the client's, and waiting for the client's answers to ours.

use std::time::Duration;

use event_proto::{JsonParser, Parser, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::adapter::AckReceiver;
use crate::error::{Error, Result};
use crate::socket::Socket;

/// Answers one event the client sent with an ack callback. Dropping it sends nothing.
#[derive(Debug)]
pub struct AckSender {
    socket: Socket,
    id: u64,
}

impl AckSender {
    pub(crate) fn new(socket: Socket, id: u64) -> AckSender {
        AckSender { socket, id }
    }

    /// Sends the acknowledgement with `args` (a tuple or sequence; binary values become
    /// attachments).
    pub fn send<T: Serialize + ?Sized>(self, args: &T) -> Result<()> {
        let inner = &self.socket.0;
        let encoded = JsonParser.encode_ack(&inner.ns.name, self.id, args)?;
        self.socket.push(encoded, false)
    }
}

/// Waits for one acknowledgement and deserializes its arguments.
pub(crate) async fn wait<R: DeserializeOwned>(rx: AckReceiver, timeout: Duration) -> Result<R> {
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(args)) => event_proto::value::from_value(Value::Array(args)).map_err(Error::AckArgs),
        Ok(Err(_)) => Err(Error::Closed),
        Err(_) => Err(Error::AckTimeout),
    }
}

//! Acknowledgements: answering the server's, and waiting for ours.

use std::sync::Arc;
use std::time::Duration;

use event_proto::{Parser, Str, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::state::{Kind, Outgoing, Shared};

/// Answers an event the server emitted with an acknowledgement callback.
///
/// Given to handlers as `Option<AckSender>`: `Some` when the server asked for an answer.
/// Dropping it without sending leaves the server's callback unanswered (it times out there).
pub struct AckSender {
    shared: Arc<Shared>,
    ns: Str,
    id: u64,
}

impl std::fmt::Debug for AckSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckSender")
            .field("ns", &self.ns)
            .field("id", &self.id)
            .finish()
    }
}

impl AckSender {
    pub(crate) fn new(shared: Arc<Shared>, ns: Str, id: u64) -> AckSender {
        AckSender { shared, ns, id }
    }

    /// Sends the acknowledgement with `args`, a value that serializes as a sequence (a tuple,
    /// `Vec` or array; `()` for none). Bytes anywhere become binary attachments.
    ///
    /// The answer belongs to the current connection: if it dropped meanwhile, the answer is
    /// dropped too.
    pub fn send<T: Serialize + ?Sized>(self, args: &T) -> Result<()> {
        let encoded = self
            .shared
            .config
            .parser
            .encode_ack(&self.ns, self.id, args)?;
        self.shared.route(Outgoing {
            ns: self.ns,
            packets: encoded.engine_packets().collect(),
            kind: Kind::Transient,
        })
    }

    /// The ack id the server chose.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Waits for the answer to ack `id` of `ns`, converting it into `R`.
pub(crate) async fn wait<R: DeserializeOwned>(
    shared: &Shared,
    ns: &str,
    id: u64,
    rx: tokio::sync::oneshot::Receiver<Vec<Value>>,
    timeout: Duration,
) -> Result<R> {
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(args)) => Ok(event_proto::value::from_value(Value::Array(args))?),
        Ok(Err(_)) => Err(Error::TransportClosed),
        Err(_) => {
            shared.drop_ack(ns, id);
            Err(Error::Timeout)
        }
    }
}

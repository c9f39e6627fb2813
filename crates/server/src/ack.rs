//! Waiting for acknowledgements: the client's answers to our events.

use std::time::Duration;

use event_proto::Value;
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;

use crate::error::AckError;

/// Receives the arguments of one acknowledgement.
pub type AckReceiver = oneshot::Receiver<Vec<event_proto::Value>>;

/// Waits for one acknowledgement and deserializes its arguments.
pub(crate) async fn wait<R: DeserializeOwned>(
    rx: AckReceiver,
    timeout: Duration,
) -> Result<R, AckError> {
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(args)) => {
            event_proto::value::from_value(Value::Array(args)).map_err(AckError::Decode)
        }
        Ok(Err(_)) => Err(AckError::Closed),
        Err(_) => Err(AckError::Timeout),
    }
}

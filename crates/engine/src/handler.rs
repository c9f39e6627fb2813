//! The upward interface: what the layer above a session (Socket.IO, an echo) implements.

use std::future::Future;
use std::pin::Pin;

use event_proto::Message;

use crate::close_reason::CloseReason;

/// A boxed, sendable future, as returned by object-safe async trait methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The layer above one session, given by [`Handler::on_open`](crate::Handler::on_open).
pub trait SessionHandler: Send + Sync + 'static {
    /// A message (text or binary) arrived. The session's next packet is read once the
    /// returned future completes.
    fn on_message(&self, message: Message) -> BoxFuture<'_, ()>;
    /// The session closed; called exactly once.
    fn on_close(&self, reason: CloseReason);
}

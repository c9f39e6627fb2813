//! What the HTTP accept loop and request handler serve: an Engine.IO endpoint together
//! with the layer that receives its sessions.

use super::{Engine, EngineHandler};
use crate::Server;

/// An Engine.IO endpoint and the layer above its sessions: the Socket.IO [`Server`], or the
/// Engine.IO-only echo of [`serve_echo`](super::serve_echo).
pub(crate) trait Endpoint: Send + Sync + 'static {
    /// The Engine.IO layer: settings, live sessions, request routing.
    fn engine(&self) -> &Engine;
    /// Receives every new session.
    fn handler(&self) -> &dyn EngineHandler;
}

impl Endpoint for Server {
    fn engine(&self) -> &Engine {
        &self.0.engine
    }

    fn handler(&self) -> &dyn EngineHandler {
        &*self.0
    }
}

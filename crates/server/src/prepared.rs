//! What the connect middlewares of one attempt give the socket they admit: its data and
//! extensions.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use event_proto::Value;

/// The extensions of a socket, by type.
pub(crate) type Extensions = HashMap<TypeId, Box<dyn Any + Send + Sync>>;

/// What the middlewares of one connection attempt set for its socket.
#[derive(Default)]
pub(crate) struct Prepared {
    pub(crate) data: Option<Value>,
    pub(crate) extensions: Extensions,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("data", &self.data)
            .field("extensions", &self.extensions.len())
            .finish()
    }
}

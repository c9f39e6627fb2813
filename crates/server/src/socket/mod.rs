//! Socket.IO v5: the server, namespaces, sockets, acknowledgements, rooms and broadcasts.

pub(crate) mod ack;
pub mod adapter;
pub(crate) mod broadcast;
pub(crate) mod client;
pub(crate) mod handle;
pub(crate) mod local_adapter;
pub(crate) mod namespace;
pub(crate) mod server;

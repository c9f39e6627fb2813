//! Socket.IO v5: the server, namespaces, sockets, acknowledgements, rooms and broadcasts.

pub(crate) mod ack;
pub mod adapter;
pub(crate) mod broadcast;
pub(crate) mod client;
pub(crate) mod event_codec;
pub(crate) mod fanout_wake;
pub(crate) mod handle;
pub(crate) mod local_adapter;
pub(crate) mod namespace;
pub(crate) mod recovery;
pub(crate) mod remote;
pub(crate) mod server;
pub(crate) mod server_side;

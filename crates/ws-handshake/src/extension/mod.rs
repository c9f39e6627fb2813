//! `Sec-WebSocket-Extensions`: the list syntax, and the permessage-deflate extension of
//! RFC 7692 from both sides.

pub mod client;
pub mod deflate;
pub mod offer;
pub mod server;

//! A Redis Streams adapter for wsio-server.

pub mod wire;

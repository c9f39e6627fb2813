//! The wsio server.
//!
//! Today it serves raw WebSocket: [`echo`] runs the echo server behind `wsio echo`, the
//! endpoint the Autobahn TestSuite and the browser checks exercise.

pub mod echo;
pub mod shutdown;

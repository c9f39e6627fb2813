//! The command-line server's applications: the Socket.IO demo of `wsio serve`, the
//! protocol-suite application of `wsio serve --protocol-suite`, and the Engine.IO echo of
//! `wsio engine-echo`.

pub mod demo;
pub mod engine_echo;
mod page;
pub mod serve;
pub mod suite;

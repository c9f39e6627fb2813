//! The command-line server's Socket.IO applications: the demo of `wsio serve` and the
//! protocol-suite application of `wsio serve --protocol-suite`.

pub mod demo;
mod page;
pub mod serve;
pub mod suite;

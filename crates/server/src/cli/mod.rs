//! The command-line server's Socket.IO application (`wsio serve`).

pub mod demo;
mod page;
pub mod serve;

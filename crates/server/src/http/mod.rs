//! HTTP plumbing: the hyper service, CORS, and the accept loop.

pub mod cors;
pub(crate) mod serve;
pub mod service;

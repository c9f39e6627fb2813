//! HTTP plumbing: the hyper service, the tower service and layer, CORS, and the accept loop.

pub mod cors;
#[cfg(feature = "tower")]
mod incoming;
pub(crate) mod serve;
pub mod service;
#[cfg(feature = "tower")]
pub mod tower;

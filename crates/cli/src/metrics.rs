//! `wsio serve --metrics-path /metrics`: the server's [`ServerStats`](wsio_server::ServerStats)
//! in the Prometheus text format, written by wsio-server's [`render`] (feature `prometheus`),
//! which an application of its own can serve on a route the same way.
//!
//! Every scrape takes a fresh snapshot with [`Server::stats`](wsio_server::Server::stats),
//! so nothing is counted twice and no metric state lives outside the server.

pub use wsio_server::metrics::render;

//! [`ServerStats`]: what a server has done, for metrics and health pages.

pub use wsio_engine::EngineStats;

/// A snapshot of a server: its Engine.IO figures and its namespaces' sockets on this server.
/// Read it with [`Server::stats`](crate::Server::stats); render it in whatever format a
/// metrics system wants (the `wsio` binary serves it to Prometheus).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStats {
    /// Sessions, upgrades, closes, refused requests, packets and bytes (see [`EngineStats`]).
    pub engine: EngineStats,
    /// Each namespace that exists on this server, with the sockets connected to it here.
    pub namespaces: Vec<NamespaceStats>,
}

/// One namespace in a [`ServerStats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamespaceStats {
    /// The namespace's name, such as `/`.
    pub name: String,
    /// Sockets connected to it on this server.
    pub sockets: usize,
}

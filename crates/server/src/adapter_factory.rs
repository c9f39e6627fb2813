//! How each namespace gets its [`Adapter`]: the [`AdapterFactory`] of
//! [`Config::adapter`](crate::Config::adapter) and the [`AdapterContext`] it is given.

use std::sync::{Arc, Weak};

use event_proto::AnyParser;

use crate::adapter::Adapter;
use crate::local_adapter::{LocalAdapter, LocalSockets};
use crate::recovery::RecoveryConfig;

/// Chooses the [`Adapter`] of each namespace, once, when the namespace is created
/// ([`Config::adapter`](crate::Config::adapter)).
///
/// ```
/// use std::sync::Arc;
/// use wsio_server::{Adapter, AdapterContext, Config, Server};
///
/// let config = Config {
///     // What a cluster adapter would do: wrap the local one, here for every namespace.
///     adapter: Some(Arc::new(|ctx: &AdapterContext| -> Arc<dyn Adapter> {
///         Arc::new(ctx.local_adapter())
///     })),
///     ..Config::default()
/// };
/// let io = Server::new(config);
/// io.ns("/", |_socket| {});
/// ```
pub type AdapterFactory = Arc<dyn Fn(&AdapterContext) -> Arc<dyn Adapter> + Send + Sync>;

/// What an [`AdapterFactory`] learns about the namespace it equips.
#[derive(Debug)]
pub struct AdapterContext {
    name: String,
    sockets: Weak<dyn LocalSockets>,
    recovery: Option<RecoveryConfig>,
    parser: AnyParser,
}

impl AdapterContext {
    pub(crate) fn new(
        name: &str,
        sockets: Weak<dyn LocalSockets>,
        recovery: Option<RecoveryConfig>,
        parser: AnyParser,
    ) -> AdapterContext {
        AdapterContext {
            name: name.to_owned(),
            sockets,
            recovery,
            parser,
        }
    }

    /// The server's Socket.IO parser ([`Config::parser`](crate::Config::parser)): how packets
    /// that an adapter brings from other servers must be encoded for this server's clients.
    pub fn parser(&self) -> AnyParser {
        self.parser
    }

    /// The namespace's name (`/`, `/admin`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The server's connection state recovery settings, when recovery is on.
    pub fn recovery(&self) -> Option<RecoveryConfig> {
        self.recovery
    }

    /// A fresh in-memory adapter delivering to this namespace's sockets on this server:
    /// what an adapter spanning several servers wraps for its local deliveries. With
    /// recovery on, it keeps sessions and packets in memory, like the default adapter.
    pub fn local_adapter(&self) -> LocalAdapter {
        LocalAdapter::new(self.sockets.clone(), self.recovery)
    }
}

//! The [Socket.IO Admin UI](https://socket.io/docs/v4/admin-ui/) for wsio: the server side of
//! the protocol that the prebuilt UI of the npm package `@socket.io/admin-ui` 0.5 speaks, so
//! that UI (hosted at <https://admin.socket.io>, or served from the package's `ui/dist`)
//! monitors and drives a [`wsio_server::Server`] as it does a Node server instrumented with
//! the package's `instrument()`.
//!
//! What the UI gets, in the admin namespace (`/admin` by default):
//!
//! * `config` (the features it may offer), then, in [`Mode::Development`], `all_sockets`:
//!   every socket of every namespace with its handshake, rooms and data, on every server of
//!   the cluster;
//! * `server_stats` every [`stats_interval`](AdminUiOptions::stats_interval) (2 s): the
//!   server's id, host name, pid, uptime, Engine.IO clients (and how many poll), sockets per
//!   namespace, and the connections, disconnections (by reason), packets and bytes since the
//!   previous one;
//! * in development mode, live: `socket_connected`, `socket_updated` (an upgrade to
//!   WebSocket, changed data), `socket_disconnected` (with the reason), `room_joined`,
//!   `room_left`, `event_received` (each event a socket sends, seen by a catch-all listener
//!   added next to the application's) and `event_sent` (each event sent to a socket of this
//!   server: direct emits with or without an acknowledgement, and broadcasts, once per
//!   recipient), in every namespace but the admin one;
//! * its actions, unless [`read_only`](AdminUiOptions::read_only): emit an event, make
//!   sockets join or leave a room, disconnect sockets — to one socket, a room, or a whole
//!   namespace, carried by the namespace's adapter so that they reach every server of a
//!   cluster.
//!
//! # Enabling it
//!
//! Three things: an [`Observer`] installed into the server's [`Config`] (it watches every
//! namespace through its adapter: joins, leaves, new sockets, events sent), CORS that lets
//! the UI's page poll with credentials, and [`instrument`] once the server exists. Call it
//! from within a tokio runtime (it starts two tasks).
//!
//! ```no_run
//! use wsio_admin_ui::{AdminUiOptions, BasicAuth, Observer};
//! use wsio_server::{Config, Server};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let observer = Observer::new();
//! let mut config = Config {
//!     // The UI's page polls with `withCredentials: true`: echo its origin, allow credentials.
//!     cors: Some(wsio_admin_ui::cors(["https://admin.socket.io"])),
//!     ..Config::default()
//! };
//! observer.install(&mut config);
//! let io = Server::new(config);
//! io.ns("/", |socket: wsio_server::Socket| {
//!     let _ = socket.emit("hello", &("world",));
//! });
//! wsio_admin_ui::instrument(
//!     &io,
//!     AdminUiOptions {
//!         auth: Some(BasicAuth {
//!             username: "admin".into(),
//!             // bcrypt of the password, e.g. from `htpasswd -bnBC 10 "" changeit`.
//!             password_bcrypt_hash: "$2b$10$...".into(),
//!         }),
//!         observer: Some(observer),
//!         ..AdminUiOptions::default()
//!     },
//! )?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! io.serve(listener, std::future::pending()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! Then open <https://admin.socket.io>, enter `http://localhost:3000` as the server URL, and
//! the credentials. `examples/admin_ui.rs` is a complete application (`cargo run -p
//! wsio-admin-ui --example admin_ui`).
//!
//! # CORS
//!
//! The UI is a page of another origin. Over WebSocket that needs nothing, but its default
//! transport list starts with long-polling, and it polls with `withCredentials: true`, so
//! the browser accepts a polling answer only when it echoes the page's origin (not `*`) and
//! says `Access-Control-Allow-Credentials: true`. wsio's engine does both with
//! [`Config::cors`] = `Some(Cors { origins, credentials: true })` ([`wsio_server::Cors`],
//! `wsio_engine::EngineConfig::cors`): the request's
//! `Origin` is echoed when it is listed (or when `origins` is empty, which allows any
//! origin), with `Vary: Origin`, and preflight requests are answered. [`cors`] builds that
//! value. Without it the UI reports "xhr poll error" (its "WebSocket only" option gets
//! around it).
//!
//! # Clusters
//!
//! Instrument every server, each with its own [`server_id`](AdminUiOptions::server_id): the
//! admin namespace's emits go through its adapter, so a UI connected to any server sees the
//! stats and live events of all of them, `all_sockets` lists the sockets of every server
//! (`fetch_sockets`), and the actions reach every server. Session ids live in each server's
//! memory: behind a load balancer without sticky sessions, a UI reconnecting to another
//! server asks for the credentials again.
//!
//! The cluster may mix wsio and Node servers (wsio-adapter-redis beside
//! `@socket.io/redis-adapter`, Node's servers instrumented with the package's `instrument()`):
//! the UI of either kind shows every server's stats and sockets, and its actions reach every
//! server. As Node's instrumentation does, in development mode with an [`Observer`] each
//! socket's data holds `_admin: {clientId, transport}`, where the other servers read the
//! socket's Engine.IO client id and transport when they list it. The UI leaves that field
//! out; the application sees it in [`Socket::data_value`](wsio_server::Socket::data_value)
//! (it is put back every `stats_interval` if the application replaces the data).
//!
//! # Not covered
//!
//! * `event_sent` covers the broadcasts this server starts, not those another server of a
//!   cluster starts: the cluster adapter delivers them to this server's sockets without
//!   passing through the observer.
//! * Transport upgrades and data changes are found by looking at the sockets every
//!   [`stats_interval`](AdminUiOptions::stats_interval) rather than when they happen.
//! * Sockets on other servers have no Engine.IO client id or transport unless their server
//!   stores them in the socket's data under `_admin`, as Node's instrumentation and this
//!   crate in development mode do.
//! * Joins and leaves that a cluster adapter carries out for another server's request
//!   (`sockets_join` started elsewhere) do not pass through the observer: not reported.
//! * Live events wait in a bounded queue (4,096); a burst beyond it is dropped, with a debug
//!   log.

mod admin;
mod live;
mod observer;
mod stats;
mod wire;

use std::str::FromStr;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wsio_server::{Cors, Namespace, Server};

pub use observer::Observer;

#[cfg(doc)]
use wsio_server::Config;

/// How many reports from the observed adapters may wait for the admin namespace before new
/// ones are dropped.
const REPORT_QUEUE: usize = 4096;

/// How the instrumentation reports, as Node's `mode` option.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// Everything: the socket list and every live event (the UI shows its Sockets, Rooms,
    /// Clients and Events views). The default, as in Node when `NODE_ENV` is unset.
    #[default]
    Development,
    /// Only the server stats with their aggregated events (the dashboard), for busy servers.
    Production,
}

/// Basic authentication of the admin namespace.
///
/// The UI sends the user name and password it was given; a match gets a session id that
/// the UI presents instead after a reload (kept 24 hours in this server's memory). Anything
/// else is refused with `CONNECT_ERROR` `"invalid credentials"`, which the UI shows in its
/// login form.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    /// The user name.
    pub username: String,
    /// The bcrypt hash of the password (`$2a$`, `$2b$` or `$2y$`, any cost), such as
    /// `bcrypt::hash(password, 10)` or `htpasswd -bnBC 10 "" password` produces. The
    /// password itself is never stored.
    pub password_bcrypt_hash: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The settings of [`instrument`].
#[derive(Debug, Clone)]
pub struct AdminUiOptions {
    /// The admin namespace the UI joins. Default `/admin` (the UI's default too). A
    /// namespace of that name declared earlier is replaced.
    pub namespace: String,
    /// Authentication. Default `None`: every connection to the admin namespace is accepted
    /// (Node requires saying `auth: false` for that; here a warning is logged).
    pub auth: Option<BasicAuth>,
    /// Refuse the UI's actions (emit, join, leave, disconnect): the UI then hides them, and
    /// the server ignores them. Default `false`.
    pub read_only: bool,
    /// What is reported. Default [`Mode::Development`].
    pub mode: Mode,
    /// This server's name in the UI, distinct for each server of a cluster. Default `None`:
    /// the host name.
    pub server_id: Option<String>,
    /// Time between two `server_stats`; the UI deems a server gone after 10 s without one.
    /// Also how often sockets are looked at for transport and data changes. Default 2 s.
    pub stats_interval: Duration,
    /// The observer installed into the server's [`Config`], which reports room joins and
    /// leaves, new sockets and the events sent to sockets. Default `None`: the UI gets the socket list
    /// when it connects, the stats and its actions, but no live socket or room events.
    pub observer: Option<Observer>,
}

impl Default for AdminUiOptions {
    fn default() -> Self {
        AdminUiOptions {
            namespace: "/admin".to_owned(),
            auth: None,
            read_only: false,
            mode: Mode::Development,
            server_id: None,
            stats_interval: Duration::from_secs(2),
            observer: None,
        }
    }
}

/// Why [`instrument`] refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// [`BasicAuth::password_bcrypt_hash`] is not a bcrypt hash.
    #[error("the password hash is not a bcrypt hash: {0}")]
    InvalidPasswordHash(String),
    /// The [`Observer`] already reports to another instrumentation.
    #[error("this observer already reports to an instrumented server")]
    ObserverInUse,
    /// [`instrument`] was called outside a tokio runtime.
    #[error("instrument must be called within a tokio runtime")]
    NoRuntime,
}

/// A running instrumentation. Dropping it leaves the instrumentation running (as Node's
/// `instrument` does); [`stop`](Self::stop) ends its tasks.
#[derive(Debug)]
pub struct AdminUi {
    namespace: Namespace,
    tasks: Vec<JoinHandle<()>>,
}

impl AdminUi {
    /// The admin namespace.
    pub fn namespace(&self) -> &Namespace {
        &self.namespace
    }

    /// Stops emitting stats and live events. The admin namespace stays declared.
    pub fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// CORS settings for the UI's page at `origins` (such as `https://admin.socket.io`, or
/// `http://localhost:8080` for a UI served locally): each listed origin is echoed with
/// `Access-Control-Allow-Credentials: true`. An empty list echoes every origin. Set it as
/// [`Config::cors`].
///
/// ```
/// let cors = wsio_admin_ui::cors(["https://admin.socket.io"]);
/// assert!(cors.credentials);
/// ```
pub fn cors<I>(origins: I) -> Cors
where
    I: IntoIterator,
    I::Item: Into<String>,
{
    Cors {
        origins: origins.into_iter().map(Into::into).collect(),
        credentials: true,
    }
}

/// Serves the Admin UI's protocol on `io`: declares the admin namespace (with its
/// authentication and the UI's actions), starts emitting `server_stats`, and, in development
/// mode with an [`Observer`], the live events. See the [crate documentation](crate).
pub fn instrument(io: &Server, options: AdminUiOptions) -> Result<AdminUi, Error> {
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
    let credentials = match options.auth {
        Some(auth) => {
            bcrypt::HashParts::from_str(&auth.password_bcrypt_hash)
                .map_err(|e| Error::InvalidPasswordHash(e.to_string()))?;
            Some(admin::Credentials::new(
                auth.username,
                auth.password_bcrypt_hash,
            ))
        }
        None => {
            tracing::warn!("admin UI: authentication is disabled");
            None
        }
    };
    let development = options.mode == Mode::Development;
    let mut tasks = Vec::new();
    // The sink goes in before the admin namespace exists, so that its first sockets are
    // reported too.
    let reports = match (&options.observer, development) {
        (Some(observer), true) => {
            let (tx, rx) = mpsc::channel(REPORT_QUEUE);
            let weak = tx.downgrade();
            let sink = observer::Sink {
                tx,
                admin_ns: options.namespace.clone(),
            };
            if !observer.attach(sink) {
                return Err(Error::ObserverInUse);
            }
            Some((rx, weak))
        }
        (None, true) => {
            tracing::warn!(
                "admin UI: no observer installed, so no live socket and room events \
                 (see wsio_admin_ui::Observer)"
            );
            None
        }
        _ => None,
    };
    let setup = admin::AdminSetup::new(options.read_only, development);
    let namespace = admin::declare(io, &options.namespace, setup, credentials);
    if let Some(observer) = &options.observer
        && !observer.equipped(&options.namespace)
    {
        tracing::warn!(
            "admin UI: the observer is not installed in this server's Config::adapter, \
             so it sees nothing"
        );
    }
    if let Some((rx, weak)) = reports {
        tasks.push(runtime.spawn(live::run(
            io.clone(),
            namespace.clone(),
            rx,
            weak,
            options.stats_interval,
        )));
    }
    let hostname = wire::hostname();
    let identity = stats::Identity {
        server_id: options.server_id.unwrap_or_else(|| hostname.clone()),
        hostname,
        pid: std::process::id(),
    };
    tasks.push(runtime.spawn(stats::run(
        io.clone(),
        namespace.clone(),
        identity,
        options.stats_interval,
    )));
    Ok(AdminUi { namespace, tasks })
}

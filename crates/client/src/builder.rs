//! `ClientBuilder`: the URL, namespaces, auth, transports, reconnection and first handlers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_proto::AnyParser;
use serde::de::DeserializeOwned;

use crate::ack::AckSender;
use crate::client::{Client, Guard};
use crate::config::{Config, Reconnection, Transports};
use crate::connector::Tls;
use crate::error::{Error, Result};
use crate::handler::{AuthFn, HandlerOutput};
use crate::reason::{ConnectError, DisconnectReason};
use crate::socket::Socket;
use crate::state::{Namespace, Shared, State};
use crate::url::ServerUrl;

type Setup = Box<dyn FnOnce(&Client) + Send>;

/// Configures a [`Client`]; [`connect`](Self::connect) or [`build`](Self::build) starts it.
///
/// Handlers given here are in place before the first packet arrives, so no event of the first
/// connection is missed.
pub struct ClientBuilder {
    url: String,
    config: Config,
    namespaces: Vec<String>,
    auth: Option<AuthFn>,
    tls: Tls,
    setup: Vec<Setup>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("config", &self.config)
            .field("namespaces", &self.namespaces)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(crate) fn new(url: String) -> ClientBuilder {
        ClientBuilder {
            url,
            config: Config::default(),
            namespaces: Vec::new(),
            auth: None,
            tls: Tls::default(),
            setup: Vec::new(),
        }
    }

    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Also joins namespace `ns` (such as `/admin`) over the same connection.
    pub fn namespace(mut self, ns: impl Into<String>) -> Self {
        self.namespaces.push(ns.into());
        self
    }

    /// The `auth` payload of each namespace join, computed by `f(namespace)` at every
    /// (re)connection, so a refreshed token is picked up. It must return a JSON object (a
    /// `serde_json::Value`, not the crate's [`Value`](crate::Value)) or `None`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), wsio_client::Error> {
    /// use serde_json::json;
    /// use wsio_client::Client;
    ///
    /// let client = Client::builder("http://127.0.0.1:3000")
    ///     .auth(|_namespace| Some(json!({ "token": "token-ada" })))
    ///     .connect()
    ///     .await?;
    /// # drop(client);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The server reads it in a connect middleware (`ConnectRequest::auth` in wsio-server) or
    /// as `Socket::auth`; a refusal fails [`connect`](Self::connect) with
    /// [`Error::ConnectRefused`](crate::Error::ConnectRefused) and reaches
    /// [`on_connect_error`](Self::on_connect_error) with the server's message and data.
    pub fn auth<F>(mut self, f: F) -> Self
    where
        F: Fn(&str) -> Option<serde_json::Value> + Send + Sync + 'static,
    {
        self.auth = Some(Arc::new(f));
        self
    }

    /// Adds an HTTP header to every polling request and the WebSocket handshake.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a query parameter to every Engine.IO request.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.query.push((name.into(), value.into()));
        self
    }

    /// The transports to use. Default [`Transports::PollingThenUpgrade`].
    pub fn transports(mut self, transports: Transports) -> Self {
        self.config.transports = transports;
        self
    }

    /// The Socket.IO parser, which must match the server's ([`Config::parser`]).
    pub fn parser(mut self, parser: AnyParser) -> Self {
        self.config.parser = parser;
        self
    }

    /// The reconnection policy. Default [`Reconnection::default`].
    pub fn reconnection(mut self, reconnection: Reconnection) -> Self {
        self.config.reconnection = reconnection;
        self
    }

    /// The connect and upgrade timeout. Default 20 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// The rustls configuration for `https://` and `wss://` (feature `rustls`).
    #[cfg(feature = "rustls")]
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls.config = Some(config);
        self
    }

    /// Accepts the WebTransport server's certificate by its SHA-256 digest (feature
    /// `webtransport`), as browsers' `serverCertificateHashes`: a self-signed certificate
    /// valid for at most 14 days with an ECDSA P-256 key, such as `wsio cert` makes (it prints
    /// the digest). Call again to accept several; once any is given, only they are accepted
    /// over WebTransport (the TLS configuration still verifies `https://` polling). Sets
    /// [`Config::webtransport`]`.server_certificate_hashes`.
    ///
    /// ```no_run
    /// # async fn demo(digest: [u8; 32]) -> Result<(), wsio_client::Error> {
    /// use wsio_client::{Client, Transports};
    ///
    /// let client = Client::builder("https://127.0.0.1:3000")
    ///     .transports(Transports::WebTransport)
    ///     .server_certificate_hash(digest)
    ///     .connect()
    ///     .await?;
    /// client.emit("hello", &("over HTTP/3",))?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "webtransport")]
    pub fn server_certificate_hash(mut self, sha256: [u8; 32]) -> Self {
        self.config
            .webtransport
            .server_certificate_hashes
            .push(sha256);
        self
    }

    /// Whether the WebSocket transport (direct, and the upgrade of a polling session) opens
    /// its WebSocket over HTTP/2, RFC 8441 (feature `http2`): sets
    /// [`Config::websocket`]`.http2`. Default [`Http2Mode::Off`](wsio_ws::Http2Mode::Off),
    /// HTTP/1.1. [`Http2Mode::Prefer`](wsio_ws::Http2Mode::Prefer) negotiates it by ALPN over
    /// TLS and falls back to HTTP/1.1; [`Http2Mode::PriorKnowledge`](wsio_ws::Http2Mode::PriorKnowledge)
    /// requires it (h2c for `http://` URLs). Polling stays on HTTP/1.1.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), wsio_client::Error> {
    /// use wsio_client::{Client, Transports};
    /// use wsio_ws::Http2Mode;
    ///
    /// let client = Client::builder("http://127.0.0.1:3000")
    ///     .transports(Transports::WebSocket)
    ///     .http2(Http2Mode::PriorKnowledge)
    ///     .connect()
    ///     .await?;
    /// client.emit("hello", &("over h2",))?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "http2")]
    pub fn http2(mut self, mode: wsio_ws::Http2Mode) -> Self {
        self.config.websocket.http2 = mode;
        self
    }

    /// Handles an event of the main namespace; see [`Socket::on`].
    pub fn on<T, F, R, M>(self, event: &str, handler: F) -> Self
    where
        T: DeserializeOwned + 'static,
        F: Fn(Socket, T, Option<AckSender>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
        M: 'static,
    {
        let event = event.to_owned();
        self.with(move |c| c.main().on(&event, handler))
    }

    /// Sees every event of the main namespace; see [`Socket::on_any`].
    pub fn on_any<F, R, M>(self, handler: F) -> Self
    where
        F: Fn(Socket, String, Vec<event_proto::Value>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        self.with(move |c| c.main().on_any(handler))
    }

    /// Runs at every join of the main namespace.
    pub fn on_connect<F, R, M>(self, f: F) -> Self
    where
        F: Fn(Socket) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
        M: 'static,
    {
        self.with(move |c| c.main().on_connect(f))
    }

    /// Runs when the main namespace is left.
    pub fn on_disconnect<F, R, M>(self, f: F) -> Self
    where
        F: Fn(Socket, DisconnectReason) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
        M: 'static,
    {
        self.with(move |c| c.main().on_disconnect(f))
    }

    /// Runs when the main namespace's join is refused or a connection attempt fails.
    pub fn on_connect_error<F>(self, f: F) -> Self
    where
        F: Fn(Socket, ConnectError) + Send + Sync + 'static,
    {
        self.with(move |c| c.main().on_connect_error(f))
    }

    /// Runs before every reconnection attempt; see [`Client::on_reconnect_attempt`].
    pub fn on_reconnect_attempt<F: Fn(u32) + Send + Sync + 'static>(self, f: F) -> Self {
        self.with(move |c| c.on_reconnect_attempt(f))
    }

    /// Runs after a successful reconnection; see [`Client::on_reconnect`].
    pub fn on_reconnect<F: Fn(u32) + Send + Sync + 'static>(self, f: F) -> Self {
        self.with(move |c| c.on_reconnect(f))
    }

    /// Runs when reconnection gives up; see [`Client::on_reconnect_failed`].
    pub fn on_reconnect_failed<F: Fn() + Send + Sync + 'static>(self, f: F) -> Self {
        self.with(move |c| c.on_reconnect_failed(f))
    }

    /// Runs `f` on the client before it starts (to set handlers of other namespaces).
    pub fn with<F: FnOnce(&Client) + Send + 'static>(mut self, f: F) -> Self {
        self.setup.push(Box::new(f));
        self
    }

    /// Starts the client in the background and returns at once; it connects (and
    /// reconnects) by itself. Call from within a tokio runtime.
    pub fn build(self) -> Result<Client> {
        let url = ServerUrl::parse(&self.url)?;
        let main = check_namespace(url.namespace.as_deref().unwrap_or("/"))?;
        let mut state = State::default();
        for ns in std::iter::once(main.clone()).chain(self.namespaces) {
            let ns = check_namespace(&ns)?;
            state.namespaces.insert(
                ns,
                Namespace {
                    wanted: true,
                    ..Namespace::default()
                },
            );
        }
        let (shared, outbox) = Shared::new(self.config, url, self.tls, self.auth, state);
        let client = Client {
            main: Socket {
                shared: shared.clone(),
                ns: main.into(),
            },
            guard: Arc::new(Guard {
                shared: shared.clone(),
                driver: Mutex::new(None),
            }),
            shared: shared.clone(),
        };
        for setup in self.setup {
            setup(&client);
        }
        let span = tracing::info_span!("wsio_client", server = %shared.url.authority);
        let driver = tokio::spawn(tracing::Instrument::instrument(
            crate::driver::run(shared, outbox),
            span,
        ));
        *client
            .guard
            .driver
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(driver);
        Ok(client)
    }

    /// Starts the client and waits until the main namespace is joined, within the connect
    /// timeout (a failed first attempt is retried per the reconnection policy meanwhile).
    /// Fails with [`Error::ConnectRefused`], the server's message and data, when the server
    /// refuses the join, or [`Error::Timeout`]; the client is closed then.
    ///
    /// ```no_run
    /// # async fn demo() -> wsio_client::Result<()> {
    /// use wsio_client::{Client, Error};
    ///
    /// match Client::builder("http://127.0.0.1:3000").connect().await {
    ///     Ok(client) => client.emit("hello", &("world",))?,
    ///     Err(Error::ConnectRefused { message, data }) => {
    ///         eprintln!("refused: {message} {data:?}");
    ///     }
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(self) -> Result<Client> {
        let timeout = self.config.connect_timeout;
        let client = self.build()?;
        let ns = client.main().ns().to_owned();
        client
            .shared
            .wait_for(timeout, |s| {
                s.closed
                    || s.namespaces
                        .get(&ns)
                        .is_some_and(|n| n.connected || n.refused.is_some())
            })
            .await;
        let outcome = {
            let state = client.shared.lock();
            match state.namespaces.get(&ns) {
                Some(n) if n.connected => Ok(()),
                Some(Namespace {
                    refused: Some(e), ..
                }) => Err(Error::ConnectRefused {
                    message: e.message.clone(),
                    data: e.data.clone(),
                }),
                _ if state.closed => Err(Error::Closed),
                _ => Err(Error::Timeout),
            }
        };
        match outcome {
            Ok(()) => Ok(client),
            Err(e) => {
                client.disconnect().await;
                Err(e)
            }
        }
    }
}

/// Checks a namespace name: it starts with `/` and has no `,`.
pub(crate) fn check_namespace(ns: &str) -> Result<String> {
    if ns.starts_with('/') && !ns.contains(',') {
        Ok(ns.to_owned())
    } else {
        Err(Error::InvalidNamespace(ns.to_owned()))
    }
}

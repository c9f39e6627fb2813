//! `Client`: one Engine.IO connection, its namespaces, and its lifecycle.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use event_proto::engine::Transport;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;

use crate::ack::AckSender;
use crate::builder::ClientBuilder;
use crate::error::{Error, Result};
use crate::handler::HandlerOutput;
use crate::socket::Socket;
use crate::state::Shared;

/// How long [`Client::disconnect`] waits for the driver to finish the clean shutdown.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(5);

/// A Socket.IO client: one Engine.IO connection (long-polling, WebSocket, or polling upgraded
/// to WebSocket) carrying any number of namespaces, reconnected automatically.
///
/// Build it with [`Client::builder`]. The methods `on`, `emit` and `emit_with_ack` act on the
/// main namespace (the URL's path, else `/`); [`Client::socket`] gives any other. Cheap to
/// clone; when the last clone is dropped the connection closes as with
/// [`disconnect`](Self::disconnect).
///
/// ```no_run
/// use std::time::Duration;
/// use wsio_client::Client;
///
/// # async fn demo() -> Result<(), wsio_client::Error> {
/// let client = Client::builder("http://127.0.0.1:3000")
///     .on("echo", |_socket, (text,): (String,), _ack| println!("echo: {text}"))
///     .connect()
///     .await?;
/// client.emit("echo", &("hello",))?;
/// let (answer,): (String,) = client
///     .emit_with_ack("echo", &("again",), Duration::from_secs(5))
///     .await?;
/// assert_eq!(answer, "again");
/// client.disconnect().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
    pub(crate) main: Socket,
    pub(crate) guard: Arc<Guard>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.shared.url.authority)
            .field("main", &self.main.ns())
            .finish()
    }
}

/// Shuts the driver down when the last `Client` clone goes.
pub(crate) struct Guard {
    pub(crate) shared: Arc<Shared>,
    pub(crate) driver: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
    }
}

impl Client {
    /// A builder for a client of the server at `url`: `http://`, `https://`, `ws://` or
    /// `wss://`, with an optional namespace path and query (`http://host:3000/admin?x=1`).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url.into())
    }

    /// The main namespace's socket.
    pub fn main(&self) -> &Socket {
        &self.main
    }

    /// The socket of namespace `ns` (such as `/admin`), joined over this connection now and
    /// at every reconnection. Calling it again for the same namespace returns a handle to the
    /// same socket and sends nothing (use [`Socket::connect`] to retry a refused join).
    pub fn socket(&self, ns: &str) -> Result<Socket> {
        let ns = crate::builder::check_namespace(ns)?;
        self.shared.join(&ns, false)?;
        Ok(Socket {
            shared: self.shared.clone(),
            ns: ns.into(),
        })
    }

    /// Handles an event of the main namespace; see [`Socket::on`].
    pub fn on<T, F, R, M>(&self, event: &str, handler: F)
    where
        T: DeserializeOwned,
        F: Fn(Socket, T, Option<AckSender>) -> R + Send + Sync + 'static,
        R: HandlerOutput<M>,
    {
        self.main.on(event, handler);
    }

    /// Emits on the main namespace; see [`Socket::emit`].
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, args: &T) -> Result<()> {
        self.main.emit(event, args)
    }

    /// Emits on the main namespace and waits for the acknowledgement; see
    /// [`Socket::emit_with_ack`].
    pub async fn emit_with_ack<T, R>(&self, event: &str, args: &T, timeout: Duration) -> Result<R>
    where
        T: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        self.main.emit_with_ack(event, args, timeout).await
    }

    /// True while an Engine.IO session is open.
    pub fn is_open(&self) -> bool {
        self.shared.lock().engine.is_some()
    }

    /// The transport of the open session ([`Transport::Polling`] until an upgrade completes).
    pub fn transport(&self) -> Option<Transport> {
        self.shared.lock().engine.as_ref().map(|e| e.transport)
    }

    /// The Engine.IO session id of the open session.
    pub fn engine_id(&self) -> Option<String> {
        self.shared.lock().engine.as_ref().map(|e| e.sid.clone())
    }

    /// Waits until the open session uses `transport` ([`Transport::WebSocket`] after an
    /// upgrade).
    pub async fn wait_transport(&self, transport: Transport, timeout: Duration) -> Result<()> {
        let done = self
            .shared
            .wait_for(timeout, |s| {
                s.engine.as_ref().is_some_and(|e| e.transport == transport)
            })
            .await;
        if done { Ok(()) } else { Err(Error::Timeout) }
    }

    /// Runs before every reconnection attempt, with its number (from 1).
    pub fn on_reconnect_attempt<F: Fn(u32) + Send + Sync + 'static>(&self, f: F) {
        self.shared
            .lock()
            .callbacks
            .reconnect_attempt
            .push(Arc::new(f));
    }

    /// Runs after a successful reconnection, with the number of attempts it took.
    pub fn on_reconnect<F: Fn(u32) + Send + Sync + 'static>(&self, f: F) {
        self.shared.lock().callbacks.reconnect.push(Arc::new(f));
    }

    /// Runs once when reconnection gives up (`max_attempts` reached).
    pub fn on_reconnect_failed<F: Fn() + Send + Sync + 'static>(&self, f: F) {
        self.shared
            .lock()
            .callbacks
            .reconnect_failed
            .push(Arc::new(f));
    }

    /// Closes the client: queued emits are sent, each joined namespace gets `DISCONNECT`
    /// (its sockets see `io client disconnect`), the transport closes, and reconnection
    /// stops. Later emits fail with [`Error::Closed`].
    pub async fn disconnect(&self) {
        self.shared.shutdown.send_replace(true);
        let driver = self
            .guard
            .driver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(driver) = driver {
            let _ = tokio::time::timeout(SHUTDOWN_WAIT, driver).await;
        }
        self.shared.lock().closed = true;
        self.shared.notify();
    }

    /// True once the client is closed (disconnected, or reconnection gave up).
    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed
    }
}

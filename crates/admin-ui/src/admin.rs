//! The admin namespace: its authentication, what a new admin socket is told (`session`,
//! `config`, `all_sockets`), and the UI's actions (`emit`, `join`, `leave`, `_disconnect`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use event_proto::Value;
use wsio_server::{BroadcastOperator, ConnectError, ConnectRequest, Namespace, Server, Socket};

use crate::wire::{describe_socket, object, random_id};

/// How long a session id given to the UI after a credentials login stays valid.
const SESSION_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// What the admin namespace does for its sockets.
#[derive(Debug, Clone)]
pub(crate) struct AdminSetup {
    /// `supportedFeatures`, as sent in `config`.
    pub(crate) features: Vec<&'static str>,
    /// Send `all_sockets` to every new admin socket.
    pub(crate) development: bool,
    /// Whether the UI's actions are served.
    pub(crate) read_only: bool,
}

impl AdminSetup {
    pub(crate) fn new(read_only: bool, development: bool) -> AdminSetup {
        let mut features = Vec::new();
        if !read_only {
            features.extend([
                "EMIT",
                "JOIN",
                "LEAVE",
                "DISCONNECT",
                "MJOIN",
                "MLEAVE",
                "MDISCONNECT",
            ]);
        }
        features.push("AGGREGATED_EVENTS");
        if development {
            features.push("ALL_EVENTS");
        }
        AdminSetup {
            features,
            development,
            read_only,
        }
    }
}

/// Declares the admin namespace `name` on `io`, with basic authentication when `credentials`
/// is given.
pub(crate) fn declare(
    io: &Server,
    name: &str,
    setup: AdminSetup,
    credentials: Option<Credentials>,
) -> Namespace {
    let server = io.clone();
    let admin = io.ns(name, move |socket: Socket| {
        let io = server.clone();
        let setup = setup.clone();
        async move { on_admin_connect(io, socket, setup).await }
    });
    if let Some(credentials) = credentials {
        let credentials = Arc::new(credentials);
        admin.middleware(move |req| check(credentials.clone(), req));
    }
    admin
}

async fn on_admin_connect(io: Server, socket: Socket, setup: AdminSetup) {
    if let Some(NewSession(id)) = socket.extension::<NewSession>() {
        let _ = socket.emit("session", &(id,));
    }
    if !setup.read_only {
        register_actions(&io, &socket);
    }
    let config = object(vec![(
        "supportedFeatures",
        Value::Array(setup.features.iter().copied().map(Value::from).collect()),
    )]);
    let _ = socket.emit("config", &(config,));
    if setup.development {
        let sockets = all_sockets(&io).await;
        let _ = socket.emit("all_sockets", &(sockets,));
    }
}

/// Every socket of every namespace, on every server of the cluster.
async fn all_sockets(io: &Server) -> Value {
    let mut all = Vec::new();
    for ns in io.stats().namespaces {
        let Some(namespace) = io.of(&ns.name) else {
            continue;
        };
        match namespace.fetch_sockets().await {
            Ok(sockets) => all.extend(
                sockets
                    .iter()
                    .map(|remote| describe_socket(remote, &ns.name, None)),
            ),
            Err(e) => {
                tracing::debug!(ns = ns.name, error = %e, "admin UI: fetching sockets failed")
            }
        }
    }
    Value::Array(all)
}

/// The UI's actions on the admin socket `socket`. Each addresses namespace `nsp` (ignored
/// when it does not exist) and, through `filter` (a room or a socket id; every socket when
/// empty), some of its sockets, on every server of the cluster: the namespace's adapter
/// carries the operation.
fn register_actions(io: &Server, socket: &Socket) {
    let server = io.clone();
    // emit(nsp, filter, event, ...args)
    socket.on("emit", move |_admin: Socket, args: Vec<Value>, _ack| {
        let io = server.clone();
        async move {
            let (Some(ns), Some(event)) = (namespace(&io, &args), text(&args, 2)) else {
                return;
            };
            let rest = args.get(3..).unwrap_or_default().to_vec();
            let sent = addressed(&ns, &args, 1).emit(event, &rest).await;
            log_failure("emit", sent);
        }
    });
    // join(nsp, room, filter) and leave(nsp, room, filter)
    for (action, join) in [("join", true), ("leave", false)] {
        let server = io.clone();
        socket.on(action, move |_admin: Socket, args: Vec<Value>, _ack| {
            let io = server.clone();
            async move {
                let (Some(ns), Some(room)) = (namespace(&io, &args), text(&args, 1)) else {
                    return;
                };
                let sockets = addressed(&ns, &args, 2);
                let done = if join {
                    sockets.sockets_join(room).await
                } else {
                    sockets.sockets_leave(room).await
                };
                log_failure(action, done);
            }
        });
    }
    let server = io.clone();
    // _disconnect(nsp, close, filter)
    socket.on(
        "_disconnect",
        move |_admin: Socket, args: Vec<Value>, _ack| {
            let io = server.clone();
            async move {
                let Some(ns) = namespace(&io, &args) else {
                    return;
                };
                let close = matches!(args.get(1), Some(Value::Bool(true)));
                let done = match text(&args, 2) {
                    Some(filter) => ns.to(filter).disconnect_sockets(close).await,
                    None => ns.disconnect_sockets(close).await,
                };
                log_failure("_disconnect", done);
            }
        },
    );
}

/// The namespace named by the first argument.
fn namespace(io: &Server, args: &[Value]) -> Option<Namespace> {
    text(args, 0).and_then(|name| io.of(name))
}

/// The sockets of `ns` that argument `i`, the filter, names: a room or a socket id; every
/// socket of `ns` when the filter is empty or missing.
fn addressed(ns: &Namespace, args: &[Value], i: usize) -> BroadcastOperator {
    match text(args, i) {
        Some(filter) => ns.to(filter),
        None => ns.broadcast(),
    }
}

/// Argument `i` when it is a non-empty string.
fn text(args: &[Value], i: usize) -> Option<&str> {
    args.get(i)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

fn log_failure<E: std::fmt::Display>(action: &str, outcome: Result<(), E>) {
    if let Err(e) = outcome {
        tracing::debug!(action, error = %e, "admin UI action failed");
    }
}

/// A session id to hand the UI after a credentials login (a connect middleware extension).
#[derive(Debug, Clone)]
struct NewSession(String);

/// Basic authentication: the user name, the bcrypt hash of the password, and the session
/// ids handed out (each valid for [`SESSION_LIFETIME`], in this process's memory).
#[derive(Debug)]
pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password_hash: String,
    sessions: Mutex<HashMap<String, Instant>>,
}

impl Credentials {
    pub(crate) fn new(username: String, password_hash: String) -> Credentials {
        Credentials {
            username,
            password_hash,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn knows(&self, session: &str) -> bool {
        let Ok(sessions) = self.sessions.lock() else {
            return false;
        };
        sessions
            .get(session)
            .is_some_and(|since| since.elapsed() < SESSION_LIFETIME)
    }

    fn open_session(&self) -> Option<String> {
        let id = random_id();
        if id.is_empty() {
            return None;
        }
        let mut sessions = self.sessions.lock().ok()?;
        sessions.retain(|_, since| since.elapsed() < SESSION_LIFETIME);
        sessions.insert(id.clone(), Instant::now());
        Some(id)
    }
}

/// The admin namespace's middleware: a known session id, or the user name with a password
/// matching the hash (checked on a blocking thread: bcrypt is slow on purpose).
async fn check(credentials: Arc<Credentials>, req: ConnectRequest) -> Result<(), ConnectError> {
    let field = |name: &str| req.auth.get(name).and_then(Value::as_str);
    if let Some(session) = field("sessionId")
        && credentials.knows(session)
    {
        return Ok(());
    }
    if field("username") == Some(credentials.username.as_str()) {
        let password = field("password").unwrap_or_default().to_owned();
        let checked = credentials.clone();
        let matches = tokio::task::spawn_blocking(move || {
            bcrypt::verify(password, &checked.password_hash).unwrap_or(false)
        })
        .await
        .unwrap_or(false);
        if matches {
            if let Some(id) = credentials.open_session() {
                req.insert_extension(NewSession(id));
            }
            return Ok(());
        }
    }
    Err(ConnectError::new("invalid credentials"))
}

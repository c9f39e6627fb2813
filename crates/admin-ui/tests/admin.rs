//! The admin namespace driven as the UI drives it, by a Socket.IO client of `/admin`, against
//! a wsio server instrumented with `wsio_admin_ui`; ordinary clients of `/` play the
//! application's users.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{Events, recording};
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;
use wsio_admin_ui::{AdminUi, AdminUiOptions, BasicAuth, Mode, Observer};
use wsio_client::{Client, DisconnectReason, Error};
use wsio_server::{Config, Server, Socket};

const WAIT: Duration = Duration::from_secs(5);
/// How long the server waits for the acknowledgements the users never send.
const ACK_WAIT: Duration = Duration::from_millis(200);

/// A server with namespace `/` (`enter(room)` joins a room, `shout(text)` is answered with a
/// direct `echo`, `ask()` with a `question` awaiting an acknowledgement, `announce(room,
/// text)` broadcasts `news` to the others in a room, `poll(room)` broadcasts a `vote`
/// awaiting acknowledgements to the others in a room) instrumented with `options` and an
/// observer.
struct App {
    addr: SocketAddr,
    admin: AdminUi,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl App {
    async fn start(options: AdminUiOptions) -> App {
        let observer = Observer::new();
        let mut config = Config::default();
        observer.install(&mut config);
        let io = Server::new(config);
        io.ns("/", |socket: Socket| {
            socket.on(
                "enter",
                |socket: Socket, (room,): (String,), _ack| async move {
                    let _ = socket.join(room).await;
                },
            );
            socket.on("shout", |socket: Socket, (text,): (String,), _ack| {
                let _ = socket.emit("echo", &(text,));
            });
            socket.on("ask", |socket: Socket, _args: Vec<Json>, _ack| async move {
                let _ = socket
                    .emit_with_ack::<_, Vec<Json>>("question", &("ready?",), ACK_WAIT)
                    .await;
            });
            socket.on(
                "announce",
                |socket: Socket, (room, text): (String, String), _ack| async move {
                    let _ = socket.to(room).emit("news", &(text,)).await;
                },
            );
            socket.on(
                "poll",
                |socket: Socket, (room,): (String,), _ack| async move {
                    let _ = socket
                        .to(room)
                        .timeout(ACK_WAIT)
                        .emit_with_ack("vote", &("yes", "no"))
                        .await;
                },
            );
        });
        let admin = wsio_admin_ui::instrument(
            &io,
            AdminUiOptions {
                observer: Some(observer),
                server_id: Some("test-server".to_owned()),
                stats_interval: Duration::from_millis(200),
                ..options
            },
        )
        .expect("instrument");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let _ = io
                .serve(listener, async {
                    let _ = stopped.await;
                })
                .await;
        });
        App {
            addr,
            admin,
            stop: Some(stop),
        }
    }

    fn url(&self, ns: &str) -> String {
        format!("http://{}{ns}", self.addr)
    }

    /// A user of `/`, reporting its disconnect reasons and the events it receives.
    async fn user(&self) -> User {
        let (tx, reasons) = mpsc::unbounded_channel();
        let (builder, events) = recording(Client::builder(self.url("/")));
        let client = builder
            .on_disconnect(move |_s, reason| {
                let _ = tx.send(reason);
            })
            .connect()
            .await
            .expect("user connects");
        let id = client.main().id().expect("socket id");
        User {
            client,
            id,
            reasons,
            events,
        }
    }

    /// A client of the admin namespace with `auth`, and every event it receives.
    async fn admin_client(&self, auth: Option<Json>) -> Result<(Client, Events), Error> {
        let (builder, events) = recording(Client::builder(self.url("/admin")));
        let client = builder.auth(move |_| auth.clone()).connect().await?;
        Ok((client, events))
    }

    fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.admin.stop();
    }
}

/// A user of `/`.
struct User {
    client: Client,
    id: String,
    reasons: mpsc::UnboundedReceiver<DisconnectReason>,
    events: Events,
}

/// What only these tests wait for.
impl Events {
    /// The sockets that `event_sent` reports as sent `event`, with its arguments, in `/`,
    /// gathered until every socket of `ids` is among them.
    async fn sent(&mut self, event: &str, ids: &[&str]) -> Vec<(String, Json)> {
        let mut seen: Vec<(String, Json)> = Vec::new();
        while !ids.iter().all(|id| seen.iter().any(|(to, _)| to == id)) {
            let sent = self
                .expect("event_sent", |a| a[0] == "/" && a[2][0] == event)
                .await;
            assert!(is_date(&sent[3]), "{:?}", sent[3]);
            let to = sent[1].as_str().expect("socket id").to_owned();
            seen.push((to, sent[2].clone()));
        }
        seen
    }

    /// The events that arrive within `during`.
    async fn collect(&mut self, during: Duration) -> Vec<(String, Vec<Json>)> {
        let mut seen = Vec::new();
        let _ = tokio::time::timeout(during, async {
            while let Some(event) = self.0.recv().await {
                seen.push(event);
            }
        })
        .await;
        seen
    }
}

fn features(config: &[Json]) -> Vec<String> {
    config[0]["supportedFeatures"]
        .as_array()
        .expect("supportedFeatures")
        .iter()
        .map(|f| f.as_str().expect("feature").to_owned())
        .collect()
}

fn is_date(value: &Json) -> bool {
    value
        .as_str()
        .is_some_and(|d| d.len() == 24 && d.ends_with('Z') && d.as_bytes()[10] == b'T')
}

#[tokio::test]
async fn the_ui_gets_the_config_the_sockets_and_the_stats() {
    let app = App::start(AdminUiOptions::default()).await;
    let User {
        client: user,
        id: user_id,
        ..
    } = app.user().await;
    let (admin, mut events) = app.admin_client(None).await.expect("admin connects");

    let config = events.expect("config", |_| true).await;
    assert_eq!(
        features(&config),
        [
            "EMIT",
            "JOIN",
            "LEAVE",
            "DISCONNECT",
            "MJOIN",
            "MLEAVE",
            "MDISCONNECT",
            "AGGREGATED_EVENTS",
            "ALL_EVENTS"
        ]
    );

    let all = events.expect("all_sockets", |_| true).await;
    let sockets = all[0].as_array().expect("socket list");
    let listed = sockets
        .iter()
        .find(|s| s["id"] == user_id.as_str())
        .expect("the user's socket is listed");
    assert_eq!(listed["nsp"], "/");
    assert_eq!(listed["rooms"], json!([user_id]));
    assert_eq!(listed["data"], json!({}));
    assert_eq!(listed["clientId"].as_str().map(str::len), Some(12));
    assert!(matches!(
        listed["transport"].as_str(),
        Some("polling" | "websocket")
    ));
    let handshake = &listed["handshake"];
    assert!(handshake["headers"]["host"].is_string(), "{handshake}");
    assert_eq!(handshake["address"], "127.0.0.1");
    assert_eq!(handshake["secure"], false);
    assert!(
        handshake["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("/socket.io/"))
    );
    assert!(handshake.get("auth").is_none());
    // The admin socket itself is a socket of namespace /admin.
    assert!(sockets.iter().any(|s| s["nsp"] == "/admin"));

    let stats = events
        .expect("server_stats", |args| {
            args[0]["namespaces"]
                .as_array()
                .is_some_and(|n| n.iter().any(|n| n["name"] == "/" && n["socketsCount"] == 1))
        })
        .await;
    let stats = &stats[0];
    assert_eq!(stats["serverId"], "test-server");
    assert!(stats["hostname"].as_str().is_some_and(|h| !h.is_empty()));
    assert_eq!(stats["pid"], std::process::id());
    assert!(stats["uptime"].as_f64().is_some());
    assert_eq!(stats["clientsCount"], 2);
    assert!(stats["pollingClientsCount"].as_u64().is_some());
    assert!(stats["aggregatedEvents"].is_array());

    // Traffic shows up in the aggregated events of a later server_stats.
    user.emit("shout", &("hello",)).unwrap();
    let stats = events
        .expect("server_stats", |args| {
            args[0]["aggregatedEvents"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["type"] == "packetsIn"))
        })
        .await;
    let bytes_in = stats[0]["aggregatedEvents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "bytesIn")
        .expect("bytesIn")
        .clone();
    assert!(bytes_in["count"].as_u64().is_some_and(|c| c > 0));
    assert_eq!(bytes_in["timestamp"].as_u64().map(|t| t % 1000), Some(0));

    user.disconnect().await;
    admin.disconnect().await;
    app.stop();
}

#[tokio::test]
async fn sockets_and_rooms_are_reported_as_they_change() {
    let app = App::start(AdminUiOptions::default()).await;
    let (_admin, mut events) = app.admin_client(None).await.expect("admin connects");
    events.expect("all_sockets", |_| true).await;

    let User {
        client: user, id, ..
    } = app.user().await;
    let joined = events
        .expect("room_joined", |a| a[0] == "/" && a[2] == id.as_str())
        .await;
    assert_eq!(joined[1], id.as_str(), "the first room is the socket's own");
    assert!(is_date(&joined[3]), "{:?}", joined[3]);
    let connected = events
        .expect("socket_connected", |a| a[0]["id"] == id.as_str())
        .await;
    assert_eq!(connected[0]["nsp"], "/");
    assert_eq!(connected[0]["rooms"], json!([id]));
    assert!(is_date(&connected[1]));

    user.emit("enter", &("lobby",)).unwrap();
    events
        .expect("room_joined", |a| a[1] == "lobby" && a[2] == id.as_str())
        .await;

    user.emit("shout", &("hi",)).unwrap();
    let received = events
        .expect("event_received", |a| {
            a[1] == id.as_str() && a[2][0] == "shout"
        })
        .await;
    assert_eq!(received[0], "/");
    assert_eq!(received[2], json!(["shout", "hi"]));
    assert!(is_date(&received[3]));
    let sent = events.expect("event_sent", |a| a[1] == id.as_str()).await;
    assert_eq!(sent[0], "/");
    assert_eq!(sent[2], json!(["echo", "hi"]));
    assert!(is_date(&sent[3]));

    // A polling client upgrades to WebSocket: the UI hears of it.
    events
        .expect("socket_updated", |a| {
            a[0]["id"] == id.as_str() && a[0]["transport"] == "websocket"
        })
        .await;

    user.disconnect().await;
    let gone = events
        .expect("socket_disconnected", |a| a[1] == id.as_str())
        .await;
    assert_eq!(gone[0], "/");
    assert_eq!(gone[2], "client namespace disconnect");
    let left = events
        .expect("room_left", |a| a[1] == "lobby" && a[2] == id.as_str())
        .await;
    assert_eq!(left[0], "/");
    app.stop();
}

#[tokio::test]
async fn broadcasts_and_emits_with_acks_are_reported_for_each_local_recipient() {
    let app = App::start(AdminUiOptions::default()).await;
    let (_admin, mut events) = app.admin_client(None).await.expect("admin connects");
    events.expect("all_sockets", |_| true).await;
    let (a, b, outsider) = (app.user().await, app.user().await, app.user().await);
    for user in [&a, &b] {
        user.client.emit("enter", &("stage",)).unwrap();
        events
            .expect("room_joined", |r| {
                r[1] == "stage" && r[2] == user.id.as_str()
            })
            .await;
    }
    let stage = [a.id.as_str(), b.id.as_str()];

    // A broadcast to a room: one event_sent per member, none for the sender outside it.
    outsider
        .client
        .emit("announce", &("stage", "curtain up"))
        .unwrap();
    let news = events.sent("news", &stage).await;
    assert_eq!(news.len(), 2, "{news:?}");
    for (_, data) in &news {
        assert_eq!(data, &json!(["news", "curtain up"]));
    }

    // An emit with an acknowledgement, to the asking socket only.
    a.client.emit("ask", &()).unwrap();
    let question = events.sent("question", &[a.id.as_str()]).await;
    assert_eq!(question, [(a.id.clone(), json!(["question", "ready?"]))]);

    // A broadcast with acknowledgements to a room: one event_sent per member.
    outsider.client.emit("poll", &("stage",)).unwrap();
    let votes = events.sent("vote", &stage).await;
    assert_eq!(votes.len(), 2, "{votes:?}");
    for (_, data) in &votes {
        assert_eq!(data, &json!(["vote", "yes", "no"]));
    }

    // The events reported were the events delivered.
    for user in [a, b] {
        let mut events = user.events;
        let news = events.expect("news", |_| true).await;
        assert_eq!(news, [json!("curtain up")]);
        let vote = events.expect("vote", |_| true).await;
        assert_eq!(vote, [json!("yes"), json!("no")]);
    }
    app.stop();
}

#[tokio::test]
async fn basic_auth_checks_the_password_against_its_hash_and_remembers_the_session() {
    let hash = bcrypt::hash("changeit", 4).unwrap();
    let app = App::start(AdminUiOptions {
        auth: Some(BasicAuth {
            username: "admin".to_owned(),
            password_bcrypt_hash: hash,
        }),
        ..AdminUiOptions::default()
    })
    .await;
    for auth in [
        None,
        Some(json!({ "username": "admin", "password": "wrong" })),
        Some(json!({ "username": "root", "password": "changeit" })),
        Some(json!({ "sessionId": "0123456789abcdef" })),
    ] {
        let refused = app.admin_client(auth.clone()).await.err();
        assert!(
            matches!(&refused, Some(Error::ConnectRefused { message, .. }) if message == "invalid credentials"),
            "{auth:?}: {refused:?}"
        );
    }
    let credentials = json!({ "username": "admin", "password": "changeit" });
    let (first, mut events) = app.admin_client(Some(credentials)).await.expect("login");
    let session = events.expect("session", |_| true).await;
    let session = session[0].as_str().expect("session id").to_owned();
    assert_eq!(session.len(), 16);
    events.expect("config", |_| true).await;
    first.disconnect().await;

    // After a reload the UI presents the session id alone.
    let (again, mut events) = app
        .admin_client(Some(json!({ "sessionId": session })))
        .await
        .expect("the session is remembered");
    events.expect("config", |_| true).await;
    again.disconnect().await;
    app.stop();
}

#[tokio::test]
async fn an_invalid_hash_is_refused_at_once() {
    let io = Server::new(Config::default());
    let refused = wsio_admin_ui::instrument(
        &io,
        AdminUiOptions {
            auth: Some(BasicAuth {
                username: "admin".to_owned(),
                password_bcrypt_hash: "changeit".to_owned(),
            }),
            ..AdminUiOptions::default()
        },
    );
    assert!(matches!(
        refused,
        Err(wsio_admin_ui::Error::InvalidPasswordHash(_))
    ));
}

#[tokio::test]
async fn the_ui_disconnects_a_socket_and_makes_sockets_join_and_leave_rooms() {
    let app = App::start(AdminUiOptions::default()).await;
    let (admin, mut events) = app.admin_client(None).await.expect("admin connects");
    events.expect("all_sockets", |_| true).await;
    let User {
        client: _user,
        id,
        mut reasons,
        ..
    } = app.user().await;
    let mut other = app.user().await;

    // join(nsp, room, filter): the socket named by the filter joins; the others do not.
    admin.emit("join", &("/", "vip", id.as_str())).unwrap();
    events
        .expect("room_joined", |a| a[1] == "vip" && a[2] == id.as_str())
        .await;
    admin.emit("leave", &("/", "vip", id.as_str())).unwrap();
    events
        .expect("room_left", |a| a[1] == "vip" && a[2] == id.as_str())
        .await;

    // emit(nsp, filter, event, ...args) reaches the addressed socket.
    admin
        .emit(
            "emit",
            &("/", other.id.as_str(), "notice", "from the UI", 7),
        )
        .unwrap();
    let notice = other.events.expect("notice", |_| true).await;
    assert_eq!(notice, [json!("from the UI"), json!(7)]);

    // What the Sockets view sends for a socket row's disconnect button.
    admin
        .emit("_disconnect", &("/", false, id.as_str()))
        .unwrap();
    let reason = tokio::time::timeout(WAIT, reasons.recv()).await;
    assert_eq!(reason, Ok(Some(DisconnectReason::IoServerDisconnect)));
    let gone = events
        .expect("socket_disconnected", |a| a[1] == id.as_str())
        .await;
    assert_eq!(gone[2], "server namespace disconnect");
    app.stop();
}

#[tokio::test]
async fn read_only_mode_offers_no_action_and_serves_none() {
    let app = App::start(AdminUiOptions {
        read_only: true,
        ..AdminUiOptions::default()
    })
    .await;
    let User {
        client: _user,
        id,
        mut reasons,
        ..
    } = app.user().await;
    let (admin, mut events) = app.admin_client(None).await.expect("admin connects");
    let config = events.expect("config", |_| true).await;
    assert_eq!(features(&config), ["AGGREGATED_EVENTS", "ALL_EVENTS"]);
    events.expect("all_sockets", |_| true).await;

    admin
        .emit("_disconnect", &("/", false, id.as_str()))
        .unwrap();
    admin.emit("join", &("/", "vip", id.as_str())).unwrap();
    let seen = events.collect(Duration::from_millis(600)).await;
    assert!(
        !seen.iter().any(|(name, args)| {
            (name == "room_joined" && args[1] == "vip") || name == "socket_disconnected"
        }),
        "{seen:?}"
    );
    assert!(reasons.try_recv().is_err(), "the user stays connected");
    app.stop();
}

#[tokio::test]
async fn production_mode_sends_the_stats_only() {
    let app = App::start(AdminUiOptions {
        mode: Mode::Production,
        ..AdminUiOptions::default()
    })
    .await;
    let (admin, mut events) = app.admin_client(None).await.expect("admin connects");
    let config = events.expect("config", |_| true).await;
    assert!(!features(&config).contains(&"ALL_EVENTS".to_owned()));
    events.expect("server_stats", |_| true).await;
    let _user = app.user().await;
    let seen = events.collect(Duration::from_millis(500)).await;
    assert!(
        seen.iter().all(|(name, _)| name == "server_stats"),
        "{seen:?}"
    );
    admin.disconnect().await;
    app.stop();
}

#[tokio::test]
async fn polling_from_the_ui_page_gets_credentialed_cors() {
    let cors = wsio_admin_ui::cors(["https://admin.socket.io"]);
    assert_eq!(cors.origins, ["https://admin.socket.io"]);
    assert!(cors.credentials);
    let io = Server::new(Config {
        cors: Some(cors),
        ..Config::default()
    });
    let _admin = wsio_admin_ui::instrument(&io, AdminUiOptions::default()).expect("instrument");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { io.serve(listener, std::future::pending()).await });
    let head = http_get(
        addr,
        "/socket.io/?EIO=4&transport=polling",
        "https://admin.socket.io",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("access-control-allow-origin: https://admin.socket.io"),
        "{head}"
    );
    assert!(
        lower.contains("access-control-allow-credentials: true"),
        "{head}"
    );
}

/// The head of the answer to a GET of `path` sent with `Origin: origin`.
async fn http_get(addr: SocketAddr, path: &str, origin: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(WAIT, tcp.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.split("\r\n\r\n").next().unwrap_or_default().to_owned()
}

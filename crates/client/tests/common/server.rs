//! The server the client is tested against: a wsio server on 127.0.0.1 with a fast
//! heartbeat, namespace `/` and namespace `/admin` (token `secret`).
//!
//! | event | in | what the server does |
//! | --- | --- | --- |
//! | `echo` | `/`, `/admin` | emits `echo` back with the same arguments, and acks with them |
//! | `whoami` | `/`, `/admin` | acks `{id, namespace, engineId, transport}` |
//! | `request-ack` | `/` | emits `server-ack-request` ("ping") with an ack, acks with the answer (or `"timeout"`) |
//! | `disconnect-me` | `/` | disconnects the socket from the namespace |
//!
//! `/admin` refuses any other token with `unauthorized`, data `{"reason": "bad token"}`.

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{Value as Json, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wsio_client::Value;
use wsio_server::{AckSender, Config, ConnectError, Server, Socket};

use super::WAIT;

/// The test server, served on 127.0.0.1 until [`stop`](TestServer::stop).
pub struct TestServer {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// On an ephemeral port.
    pub async fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        TestServer::serve(listener)
    }

    /// On `addr` again (after a stop), retrying while the port is still busy.
    pub async fn start_on(addr: SocketAddr) -> TestServer {
        for _ in 0..100 {
            if let Ok(listener) = TcpListener::bind(addr).await {
                return TestServer::serve(listener);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("port {addr} stayed busy");
    }

    fn serve(listener: TcpListener) -> TestServer {
        let addr = listener.local_addr().expect("addr");
        let io = app();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = io
                .serve(listener, async {
                    let _ = rx.await;
                })
                .await;
        });
        TestServer {
            addr,
            stop: Some(tx),
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops listening and closes every session.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(WAIT, &mut self.task).await;
    }
}

/// The application: a 300 ms heartbeat with a 2 s timeout, so lost servers show quickly.
fn app() -> Server {
    let io = Server::new(Config {
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(2000),
        ..Config::default()
    });
    io.ns("/", |socket: Socket| {
        echo_and_whoami(&socket);
        socket.on(
            "request-ack",
            |socket: Socket, _: Vec<Value>, ack: Option<AckSender>| async move {
                let answer = socket
                    .emit_with_ack::<_, Vec<Value>>("server-ack-request", &("ping",), WAIT)
                    .await;
                if let Some(ack) = ack {
                    let _ = match answer {
                        Ok(args) => ack.send(&args),
                        Err(_) => ack.send(&("timeout",)),
                    };
                }
            },
        );
        socket.on("disconnect-me", |socket: Socket, _: Vec<Value>, _ack| {
            let _ = socket.disconnect();
        });
    });
    io.ns("/admin", |socket: Socket| echo_and_whoami(&socket))
        .middleware(|req| async move {
            match req.auth.get("token").and_then(Value::as_str) {
                Some("secret") => Ok(()),
                _ => {
                    Err(ConnectError::new("unauthorized").with_data(json!({"reason": "bad token"})))
                }
            }
        });
    io
}

/// `echo`: emits `echo` back with the same arguments, and acks with them.
pub fn echo(socket: &Socket) {
    socket.on(
        "echo",
        |socket: Socket, args: Vec<Value>, ack: Option<AckSender>| {
            let _ = socket.emit("echo", &args);
            if let Some(ack) = ack {
                let _ = ack.send(&args);
            }
        },
    );
}

/// `echo` and `whoami`.
fn echo_and_whoami(socket: &Socket) {
    echo(socket);
    socket.on(
        "whoami",
        |socket: Socket, _: Vec<Value>, ack: Option<AckSender>| {
            let me: Json = json!({
                "id": socket.id().as_str(),
                "namespace": socket.ns(),
                "engineId": socket.engine_id().as_str(),
                "transport": socket.transport(),
            });
            if let Some(ack) = ack {
                let _ = ack.send(&(me,));
            }
        },
    );
}

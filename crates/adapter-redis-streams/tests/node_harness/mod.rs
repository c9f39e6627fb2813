//! What the mixed tests with a Node node share: finding the harness, starting a wsio server,
//! the Node node (stopped by its pid when dropped), clients recording every event.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use event_proto::Value;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use wsio_client::{Client, Reconnection, Transports};
use wsio_server::{Namespace, Server};

/// Upper bound of every wait.
pub const WAIT: Duration = Duration::from_secs(10);

/// The Redis URL and the folder `interop/<name>`, when `WSIO_REDIS_URL` is set and the
/// folder's `node_modules/<package>` is installed; otherwise a notice and `None`.
pub fn harness(name: &str, package: &str) -> Option<(String, PathBuf)> {
    let url = std::env::var("WSIO_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../interop")
        .join(name);
    let installed = dir.join("node_modules").join(package).is_dir();
    match url {
        Some(url) if installed => Some((url, dir)),
        _ => {
            println!("WSIO_REDIS_URL unset or interop/{name} not installed: skipped");
            None
        }
    }
}

/// Serves `io` on a free loopback port, in the background.
pub async fn serve(io: &Server) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = io.clone();
    tokio::spawn(async move {
        let _ = serving.serve(listener, std::future::pending::<()>()).await;
    });
    addr
}

/// The Node node, stopped by its pid when dropped.
pub struct NodeProcess {
    child: Child,
    /// Its loopback port.
    pub port: u16,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `node node-server.js <port> <redis url> <prefix>` in `dir` and waits for its
/// `listening` line, then until `ns` counts two servers.
pub async fn start_node(dir: &PathBuf, url: &str, prefix: &str, ns: &Namespace) -> NodeProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let mut child = Command::new("node")
        .arg("node-server.js")
        .arg(port.to_string())
        .arg(url)
        .arg(prefix)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node starts");
    let stdout = child.stdout.take().unwrap();
    let node = NodeProcess { child, port };
    let ready = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line == "listening")
    });
    assert!(tokio::time::timeout(WAIT, ready).await.unwrap().unwrap());
    for _ in 0..250 {
        if ns.server_count().await.ok() == Some(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(ns.server_count().await.unwrap(), 2);
    node
}

/// Every event a client received, in order.
pub type Events = mpsc::UnboundedReceiver<(String, Vec<Value>)>;

/// A WebSocket client of `url` recording every event.
pub async fn client(url: &str, reconnection: Reconnection) -> (Client, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = Client::builder(url)
        .transports(Transports::WebSocket)
        .reconnection(reconnection)
        .on_any(move |_s, name, args| {
            let _ = tx.send((name.to_owned(), args.to_vec()));
        })
        .connect()
        .await
        .expect("client connects");
    (client, rx)
}

/// The arguments of the next event named `name`, skipping others.
pub async fn next(events: &mut Events, name: &str) -> Vec<Value> {
    loop {
        let (event, args) = tokio::time::timeout(WAIT, events.recv())
            .await
            .expect("in time")
            .expect("open");
        if event == name {
            return args;
        }
    }
}

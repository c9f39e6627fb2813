//! Test helpers: the test server (`server.rs`), a TCP proxy that can cut, freeze or refuse
//! connections, and event collectors.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use wsio_client::Reconnection;

mod server;
#[allow(unused_imports)]
pub use server::{TestServer, echo};

/// Every wait in the tests is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

/// Fast reconnection for tests.
pub fn fast_reconnection() -> Reconnection {
    Reconnection {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        ..Reconnection::default()
    }
}

/// Collects values sent from handlers; `next` waits for one with a timeout.
pub struct Inbox<T> {
    tx: mpsc::Sender<T>,
    rx: tokio::sync::Mutex<mpsc::Receiver<T>>,
}

impl<T: Send + 'static> Inbox<T> {
    pub fn new() -> Arc<Inbox<T>> {
        let (tx, rx) = mpsc::channel(1024);
        Arc::new(Inbox {
            tx,
            rx: tokio::sync::Mutex::new(rx),
        })
    }

    pub fn push(&self, value: T) {
        let _ = self.tx.try_send(value);
    }

    pub async fn next(&self) -> T {
        tokio::time::timeout(WAIT, self.rx.lock().await.recv())
            .await
            .expect("in time")
            .expect("open")
    }

    /// True if nothing more arrives within `wait`.
    pub async fn quiet(&self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.rx.lock().await.recv())
            .await
            .is_err()
    }
}

/// What the proxy does with connections.
#[derive(Default)]
pub struct ProxyControl {
    /// Connections whose first bytes ask for `transport=websocket` are closed at once.
    pub refuse_websocket: AtomicBool,
    /// Existing connections stop forwarding (a dead server); new ones still work.
    frozen: Mutex<Vec<Arc<AtomicBool>>>,
    /// Live connection tasks, aborted by `cut`.
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// A TCP proxy in front of `upstream`.
pub struct Proxy {
    pub addr: SocketAddr,
    pub control: Arc<ProxyControl>,
    accept: JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let control = Arc::new(ProxyControl::default());
        let c = control.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let c2 = c.clone();
                let frozen = Arc::new(AtomicBool::new(false));
                c.frozen.lock().unwrap().push(frozen.clone());
                let task = tokio::spawn(async move {
                    let _ = pipe(client, upstream, &c2, frozen).await;
                });
                c.tasks.lock().unwrap().push(task);
            }
        });
        Proxy {
            addr,
            control,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every live connection.
    pub fn cut(&self) {
        for task in self.control.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Existing connections go silent.
    pub fn freeze(&self) {
        for f in self.control.frozen.lock().unwrap().drain(..) {
            f.store(true, Ordering::SeqCst);
        }
    }
}

async fn pipe(
    mut client: TcpStream,
    upstream: SocketAddr,
    control: &ProxyControl,
    frozen: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let mut first = vec![0u8; 4096];
    let n = client.read(&mut first).await?;
    let head = String::from_utf8_lossy(&first[..n]);
    if control.refuse_websocket.load(Ordering::SeqCst) && head.contains("transport=websocket") {
        return Ok(());
    }
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&first[..n]).await?;
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let up = copy(&mut cr, &mut sw, &frozen);
    let down = copy(&mut sr, &mut cw, &frozen);
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
    Ok(())
}

async fn copy(
    from: &mut (impl AsyncReadExt + Unpin),
    to: &mut (impl AsyncWriteExt + Unpin),
    frozen: &AtomicBool,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        if frozen.load(Ordering::SeqCst) {
            // Swallow everything, like a peer that vanished without closing.
            std::future::pending::<()>().await;
        }
        to.write_all(&buf[..n]).await?;
    }
}

//! A client that outlives its server: it reconnects with backoff, logs every connect,
//! disconnect and reconnection attempt, and emits `echo` with an ack every second. An emit
//! made while the server is away waits in the client and goes out once it is back.
//!
//! ```text
//! cargo run -p wsio-cli -- serve &
//! cargo run -p wsio-client --example reconnect -- http://127.0.0.1:3000
//! ```
//!
//! The URL is the first argument (default `http://127.0.0.1:3000`). Stop the server and start
//! it again: the example prints something like
//!
//! ```text
//! connected to /
//! ack 3: 3
//! disconnected: transport close (will reconnect: true)
//! reconnection attempt 1
//! connect error: I/O: Connection refused (os error 111)
//! reconnection attempt 2
//! reconnected after 2 attempts
//! connected to /
//! ack 4: 4
//! ```
//!
//! (`ack 4` is for the emit made while the server was away.)

use std::sync::Arc;
use std::time::Duration;

use wsio_client::{Client, Reconnection};

/// Where the example writes what happens: stdout in `main`, a channel in its test.
pub type Log = Arc<dyn Fn(String) + Send + Sync>;

/// Retries after 0.5 s, doubling up to 4 s, forever.
pub fn reconnection() -> Reconnection {
    Reconnection {
        initial_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(4),
        ..Reconnection::default()
    }
}

/// Connects to `url`, reconnecting with `reconnection`; every change of state goes to `log`.
pub async fn connect(
    url: &str,
    reconnection: Reconnection,
    log: Log,
) -> Result<Client, wsio_client::Error> {
    let (on_connect, on_disconnect, on_error) = (log.clone(), log.clone(), log.clone());
    let (on_attempt, on_reconnect, on_failed) = (log.clone(), log.clone(), log);
    Client::builder(url)
        .reconnection(reconnection)
        .on_connect(move |socket| on_connect(format!("connected to {}", socket.ns())))
        .on_disconnect(move |_socket, reason| {
            on_disconnect(format!(
                "disconnected: {reason} (will reconnect: {})",
                reason.will_reconnect()
            ));
        })
        .on_connect_error(move |_socket, error| {
            on_error(format!("connect error: {}", error.message));
        })
        .on_reconnect_attempt(move |n| on_attempt(format!("reconnection attempt {n}")))
        .on_reconnect(move |n| {
            let plural = if n == 1 { "" } else { "s" };
            on_reconnect(format!("reconnected after {n} attempt{plural}"));
        })
        .on_reconnect_failed(move || on_failed("gave up reconnecting".to_owned()))
        .connect()
        .await
}

/// Emits `echo` (`n`) and waits up to 10 s for its ack; logs the answer or why none came.
pub async fn ping(client: &Client, n: u32, log: &Log) {
    let answer = client
        .emit_with_ack::<_, (u32,)>("echo", &(n,), Duration::from_secs(10))
        .await;
    match answer {
        Ok((back,)) => log(format!("ack {n}: {back}")),
        Err(e) => log(format!("no ack for {n}: {e}")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    let log: Log = Arc::new(|line| println!("{line}"));
    let client = connect(&url, reconnection(), log.clone()).await?;
    for n in 1.. {
        ping(&client, n, &log).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

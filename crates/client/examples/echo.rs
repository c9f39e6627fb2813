//! Connects to `wsio serve` (default `http://127.0.0.1:3000`, or the first argument), emits
//! `echo` with an ack, and prints the `echo` event the server sends back, then the ack's
//! arguments with the transport they came over.
//!
//! ```sh
//! cargo run --release -p wsio-cli -- serve &
//! cargo run -p wsio-client --example echo -- http://127.0.0.1:3000
//! ```
//!
//! prints
//!
//! ```text
//! echo event: ["hello from wsio-client"]
//! ack over websocket: ["hello from wsio-client"]
//! ```
//!
//! (`polling` instead of `websocket` when the upgrade from polling was not done yet.)

use std::sync::Arc;
use std::time::Duration;

use wsio_client::{Client, Value};

/// Where the example writes its lines: stdout in `main`, a channel in its test.
pub type Log = Arc<dyn Fn(String) + Send + Sync>;

/// What the example emits.
pub const GREETING: &str = "hello from wsio-client";

/// Connects to `url`, emits `echo` and waits up to 5 s for its ack; each line goes to `log`.
pub async fn run(url: &str, log: Log) -> Result<(), wsio_client::Error> {
    let on_echo = log.clone();
    let client = Client::builder(url)
        .on("echo", move |_socket, args: Vec<Value>, _ack| {
            on_echo(format!("echo event: {}", json(&args)));
        })
        .connect()
        .await?;
    let answer: Vec<Value> = client
        .emit_with_ack("echo", &(GREETING,), Duration::from_secs(5))
        .await?;
    let transport = client.transport().map_or("?", |t| t.as_str());
    log(format!("ack over {transport}: {}", json(&answer)));
    client.disconnect().await;
    Ok(())
}

/// The arguments as JSON.
fn json(args: &[Value]) -> String {
    serde_json::to_string(args).unwrap_or_else(|e| format!("<{e}>"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), wsio_client::Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    run(&url, Arc::new(|line| println!("{line}"))).await
}

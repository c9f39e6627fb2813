//! Connects to `wsio serve` (default `http://127.0.0.1:3000`, or the first argument), emits
//! `echo` and prints the answer.
//!
//! ```sh
//! cargo run --release -p wsio-cli -- serve &
//! cargo run -p wsio-client --example echo -- http://127.0.0.1:3000
//! ```

use std::time::Duration;

use wsio_client::{Client, Value};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), wsio_client::Error> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    let client = Client::builder(url)
        .on("echo", |_socket, args: Vec<Value>, _ack| {
            println!("echo event: {args:?}");
        })
        .connect()
        .await?;
    let answer: Vec<Value> = client
        .emit_with_ack("echo", &("hello from wsio-client",), Duration::from_secs(5))
        .await?;
    println!(
        "ack over {}: {answer:?}",
        client.transport().map_or("?", |t| t.as_str())
    );
    client.disconnect().await;
    Ok(())
}

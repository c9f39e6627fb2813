//! An echo client for the Autobahn TestSuite's `fuzzingserver` mode.
//!
//! ```text
//! cargo run --release -p wsio-ws --example autobahn_client -- ws://127.0.0.1:9001 wsio
//! ```
//!
//! Asks the suite how many cases it has, runs each one by echoing every message back, then
//! asks it to write its reports.

use wsio_ws::{Config, Limits, Message};

fn config() -> Config {
    Config {
        limits: Limits {
            max_frame_size: 16 << 20,
            max_message_size: 16 << 20,
            max_fragments: 1 << 17,
        },
        ..Config::default()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), wsio_ws::Error> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:9001".to_owned());
    let agent = args.next().unwrap_or_else(|| "wsio".to_owned());

    let mut ws = wsio_ws::connect(&format!("{base}/getCaseCount"), config()).await?;
    let count: u32 = match ws.recv().await {
        Some(Ok(Message::Text(text))) => text.parse().unwrap_or(0),
        _ => 0,
    };
    while ws.recv().await.is_some() {}
    println!("autobahn_client: {count} cases");

    for case in 1..=count {
        let url = format!("{base}/runCase?case={case}&agent={agent}");
        let Ok(mut ws) = wsio_ws::connect(&url, config()).await else {
            continue;
        };
        while let Some(received) = ws.recv().await {
            if let Ok(message @ (Message::Text(_) | Message::Binary(_))) = received
                && ws.send(message).await.is_err()
            {
                break;
            }
        }
    }

    let mut ws = wsio_ws::connect(&format!("{base}/updateReports?agent={agent}"), config()).await?;
    let _ = ws.close(wsio_ws::CloseCode::NORMAL, "").await;
    Ok(())
}

//! `ws-deflate`: `ws-echo` of JSON-like text with permessage-deflate negotiated (the offer is
//! `--deflate takeover` or `--deflate no-takeover`). Each connection cycles through a pool of
//! different messages of one shape (records with repeated keys and varying numbers, names and
//! words), so that context takeover finds the previous messages' structure in its window but
//! never the same message. Every echo is checked; the result line adds the compression reached:
//! bytes on the wire (frames, handshakes included) over payload bytes, each way.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde_json::Value;
use wsio_ws::Message;

use crate::args::Options;
use crate::conn::{self, Ws};
use crate::echo::{self, Exchange};
use crate::ws_echo;

/// Different messages in the pool; with 16 KiB messages, 2 MiB of text.
const POOL: usize = 128;

/// Payload bytes sent (and, echoed, received) by every connection of the run.
static PAYLOAD: AtomicU64 = AtomicU64::new(0);

/// Runs the scenario and returns its JSON line.
pub async fn run(options: &Options) -> String {
    let pool: Arc<Vec<Message>> = Arc::new(
        (0..POOL)
            .map(|i| Message::Text(message(i, options.size).into()))
            .collect(),
    );
    let host = options.host.clone();
    let port = options.port;
    let open = |index| {
        let host = host.clone();
        async move { open(&host, port, index).await }
    };
    let line = echo::run(options, "ws-deflate", open, |index| TextEcho {
        pool: pool.clone(),
        next: AtomicUsize::new(index * 7),
    })
    .await;
    let (read, written) = conn::wire_bytes();
    let payload = PAYLOAD.load(Ordering::Relaxed) as f64;
    let Ok(Value::Object(mut fields)) = serde_json::from_str::<Value>(&line) else {
        return line;
    };
    if payload > 0.0 {
        fields.insert("wire_ratio_out".into(), (written as f64 / payload).into());
        fields.insert("wire_ratio_in".into(), (read as f64 / payload).into());
        fields.insert(
            "wire_ratio".into(),
            ((read + written) as f64 / (2.0 * payload)).into(),
        );
    }
    Value::Object(fields).to_string()
}

/// Opens WebSocket `index` and refuses it unless permessage-deflate was agreed.
pub async fn open(host: &str, port: u16, index: usize) -> Result<Ws, String> {
    let ws = conn::open(host, port, "/", index).await?;
    if ws.is_compressed() {
        Ok(ws)
    } else {
        Err("the server did not agree to permessage-deflate".to_owned())
    }
}

/// Sends connection `index`'s first message and awaits its echo, so that both sides have
/// compressed and inflated once (`idle` with `--deflate`: the memory a connection keeps after
/// that).
pub async fn prime(ws: &mut Ws, index: usize, size: usize) -> Result<(), String> {
    trip(ws, &Message::Text(message(index % POOL, size).into())).await
}

/// Message `index` of the pool: `{"seq":..,"items":[..]}` with records until about `size`
/// bytes. Values come from a small generator seeded by `index`.
fn message(index: usize, size: usize) -> String {
    const WORDS: [&str; 16] = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
        "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ (index as u64 + 1).wrapping_mul(0x2545_f491);
    let mut next = move |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    let mut text = format!(r#"{{"seq":{index},"items":["#);
    for record in 0.. {
        let user = next(100_000);
        let item = format!(
            r#"{}{{"id":{},"user":"user_{user}","email":"user_{user}@example.com","score":{}.{:02},"active":{},"tags":["{}","{}"],"ts":{},"loc":{{"lat":{}.{:04},"lon":{}.{:04}}},"note":"{} {} {}"}}"#,
            if record == 0 { "" } else { "," },
            next(10_000_000),
            next(1_000),
            next(100),
            next(2) == 0,
            WORDS[next(16) as usize],
            WORDS[next(16) as usize],
            1_700_000_000_000 + next(100_000_000),
            next(90),
            next(10_000),
            next(180),
            next(10_000),
            WORDS[next(16) as usize],
            WORDS[next(16) as usize],
            WORDS[next(16) as usize],
        );
        if text.len() + item.len() + 2 > size && record > 0 {
            break;
        }
        text.push_str(&item);
    }
    text.push_str("]}");
    text
}

/// One text message out, and its echo checked.
async fn trip(ws: &mut Ws, message: &Message) -> Result<(), String> {
    ws.send(message.clone())
        .await
        .map_err(|e| format!("send: {e}"))?;
    if let Message::Text(text) = message {
        PAYLOAD.fetch_add(text.len() as u64, Ordering::Relaxed);
    }
    ws_echo::await_echo(ws, message).await
}

/// The pool's messages in turn, from a starting point of the connection's own.
struct TextEcho {
    pool: Arc<Vec<Message>>,
    next: AtomicUsize,
}

impl Exchange<Ws> for TextEcho {
    async fn trip(&self, ws: &mut Ws) -> Result<(), String> {
        let at = self.next.fetch_add(1, Ordering::Relaxed) % self.pool.len();
        trip(ws, &self.pool[at]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_json_of_about_the_size_and_all_different() {
        let first = message(0, 16 * 1024);
        let second = message(1, 16 * 1024);
        assert!(
            first.len() <= 16 * 1024 && first.len() > 15 * 1024,
            "{}",
            first.len()
        );
        assert_ne!(first, second);
        let parsed: Value = serde_json::from_str(&first).expect("valid JSON");
        assert!(parsed["items"].as_array().is_some_and(|a| a.len() > 40));
    }
}

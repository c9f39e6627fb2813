//! What the admin UI tests share: clients that never reconnect and record every event they
//! receive with its arguments as JSON, and waiting for one of those events.
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value as Json;
use tokio::sync::mpsc;
use wsio_client::{ClientBuilder, Reconnection};

/// How long an expected event may take.
pub const WAIT: Duration = Duration::from_secs(10);

/// No reconnection: a test sees every disconnect as it happens.
pub fn no_reconnection() -> Reconnection {
    Reconnection {
        enabled: false,
        ..Reconnection::default()
    }
}

/// The arguments of an event as JSON.
pub fn json_args(args: &[wsio_client::Value]) -> Vec<Json> {
    args.iter()
        .map(|a| serde_json::to_value(a).expect("JSON argument"))
        .collect()
}

/// `builder` without reconnection, recording every event its main socket receives.
pub fn recording(builder: ClientBuilder) -> (ClientBuilder, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let builder = builder
        .reconnection(no_reconnection())
        .on_any(move |_s, event, args| {
            let _ = tx.send((event, json_args(&args)));
        });
    (builder, Events(rx))
}

/// The events a client received, in order.
pub struct Events(pub mpsc::UnboundedReceiver<(String, Vec<Json>)>);

impl Events {
    /// The arguments of the next `event` whose arguments satisfy `matches`, skipping others;
    /// panics after [`WAIT`].
    pub async fn expect(&mut self, event: &str, matches: impl Fn(&[Json]) -> bool) -> Vec<Json> {
        let found = tokio::time::timeout(WAIT, async {
            while let Some((name, args)) = self.0.recv().await {
                if name == event && matches(&args) {
                    return Some(args);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(args)) => args,
            _ => panic!("no {event} event arrived"),
        }
    }
}

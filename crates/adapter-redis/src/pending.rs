//! [`PendingRequests`]: this node's requests waiting for the other nodes' answers.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::mpsc;

/// Requests of this node waiting for answers, by request id; each answer goes to the
/// receiver handed out when the request was registered. Memory: one entry per request in
/// flight, removed with [`forget`](Self::forget).
#[derive(Debug)]
pub struct PendingRequests<T> {
    map: Mutex<HashMap<String, mpsc::UnboundedSender<T>>>,
}

impl<T> Default for PendingRequests<T> {
    fn default() -> Self {
        PendingRequests {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> PendingRequests<T> {
    /// Registers request `id`; its answers arrive on the returned receiver.
    pub fn expect(&self, id: String) -> mpsc::UnboundedReceiver<T> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.lock().insert(id, tx);
        rx
    }

    /// Forgets request `id` (answered, or given up).
    pub fn forget(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Whether request `id` is this node's own and still waiting.
    pub fn contains(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// Hands `answer` to request `id`'s receiver; an unknown id drops it.
    pub fn deliver(&self, id: &str, answer: T) {
        if let Some(tx) = self.lock().get(id) {
            let _ = tx.send(answer);
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, mpsc::UnboundedSender<T>>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_reach_registered_requests_only() {
        let pending = PendingRequests::default();
        let mut rx = pending.expect("a".to_owned());
        assert!(pending.contains("a") && !pending.contains("b"));
        pending.deliver("a", 1);
        pending.deliver("b", 2);
        assert_eq!(rx.try_recv().unwrap(), 1);
        assert!(rx.try_recv().is_err());
        pending.forget("a");
        assert!(!pending.contains("a"));
        pending.deliver("a", 3);
        assert!(rx.try_recv().is_err());
    }
}

//! A shutdown signal every connection task can watch.

use tokio::sync::watch;

/// The sending side: trips the signal once.
#[derive(Debug)]
pub(crate) struct Trigger(watch::Sender<bool>);

/// The receiving side, cloned into every connection task.
#[derive(Debug, Clone)]
pub(crate) struct Signal(watch::Receiver<bool>);

/// A new, untripped signal.
pub(crate) fn channel() -> (Trigger, Signal) {
    let (tx, rx) = watch::channel(false);
    (Trigger(tx), Signal(rx))
}

impl Trigger {
    /// Trips the signal: every [`Signal::tripped`] resolves.
    pub(crate) fn trip(&self) {
        let _ = self.0.send(true);
    }

    /// Waits until every [`Signal`] clone is dropped (every connection task has finished).
    pub(crate) async fn all_done(&self) {
        self.0.closed().await;
    }
}

impl Signal {
    /// Resolves once the signal is tripped (or the trigger is gone). Cancel-safe.
    pub(crate) async fn tripped(&mut self) {
        let _ = self.0.wait_for(|tripped| *tripped).await;
    }
}

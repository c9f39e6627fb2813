//! How a handler's future runs: the part up to its first `.await` that is not ready runs at
//! once, on the dispatching thread and in the order the events arrived (as the synchronous
//! part of a JavaScript handler does); what follows runs as a task of the runtime, at the
//! pace of whatever it waits for.
//!
//! The future is an `async-task` task whose first poll is made here; each later wake-up
//! schedules one poll on the tokio runtime current when the handler was started.

use std::future::Future;

use tokio::runtime::Handle;

/// Runs `future` until it first waits, then leaves the rest to the runtime.
pub(crate) fn run<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = Handle::current();
    let schedule = move |runnable: async_task::Runnable| {
        runtime.spawn(async move {
            runnable.run();
        });
    };
    let (runnable, task) = async_task::spawn(future, schedule);
    task.detach();
    runnable.run();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn runs_up_to_the_first_wait_at_once_then_finishes_later() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        run(async move {
            seen.lock().expect("log").push("before");
            tokio::time::sleep(Duration::from_millis(20)).await;
            seen.lock().expect("log").push("after");
        });
        assert_eq!(*log.lock().expect("log"), ["before"]);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(*log.lock().expect("log"), ["before", "after"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_future_that_wakes_itself_while_polled_is_polled_again() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        run(async move {
            for _ in 0..100 {
                tokio::task::yield_now().await;
            }
            let _ = tx.send(());
        });
        tokio::time::timeout(Duration::from_secs(5), rx)
            .await
            .expect("finished")
            .expect("sent");
    }
}

//! How an `async` handler runs: the part up to its first `.await` that is not ready runs at
//! once, on the thread that dispatched the event and in the order the events arrived (as the
//! synchronous part of a JavaScript handler does); what follows runs as a task of the
//! runtime, at the pace of whatever it waits for.
//!
//! The future becomes an `async-task` task whose first poll is made here; each later wake-up
//! schedules one poll on the tokio runtime current when the handler started.

use std::future::Future;

use tokio::runtime::Handle;

/// Runs `future` until it first waits, then leaves the rest to the runtime. Outside a tokio
/// runtime, a future that is still waiting after its first poll is dropped when it wakes.
pub(crate) fn run<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = Handle::try_current().ok();
    let schedule = move |runnable: async_task::Runnable| match &runtime {
        Some(runtime) => {
            runtime.spawn(async move {
                runnable.run();
            });
        }
        None => tracing::debug!("a handler woke outside a tokio runtime: its task is dropped"),
    };
    let (runnable, task) = async_task::spawn(future, schedule);
    task.detach();
    runnable.run();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn outside_a_runtime_the_part_before_the_first_wait_still_runs() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        run(async move {
            seen.lock().expect("log").push("before");
            std::future::pending::<()>().await;
        });
        assert_eq!(*log.lock().expect("log"), ["before"]);
    }
}

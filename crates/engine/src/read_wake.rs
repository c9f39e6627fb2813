//! A waker for the read side of a session's task, which remembers that it fired.
//!
//! A WebSocket session's task both reads from its socket and writes what its queue holds. Most
//! of its wake-ups in a broadcast come from the queue; polling the socket for input on each of
//! them would cost a readiness check and a lock for nothing. The read side is polled with this
//! waker instead, and polled again only once it fired (input, or room to write a control frame
//! that the read side queued).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use crate::sync::lock;

/// Whether the read side has something to look at, and the task to wake when it does.
#[derive(Debug)]
pub(crate) struct ReadWake {
    fired: AtomicBool,
    task: Mutex<Option<Waker>>,
}

impl ReadWake {
    /// A new one, fired (so that the first poll looks at the read side) and with its
    /// [`Waker`].
    pub(crate) fn new() -> (Arc<ReadWake>, Waker) {
        let read_wake = Arc::new(ReadWake {
            fired: AtomicBool::new(true),
            task: Mutex::new(None),
        });
        let waker = Waker::from(read_wake.clone());
        (read_wake, waker)
    }

    /// Tells whether the read side fired since the last call (clearing it) and, when it did,
    /// records `task` as the one its next wake-up wakes. The task must stay the same between
    /// two calls that return true (the session's task polls the read side only from itself).
    pub(crate) fn take(&self, task: &Waker) -> bool {
        if !self.fired.swap(false, Ordering::AcqRel) {
            return false;
        }
        let mut stored = lock(&self.task);
        match &*stored {
            Some(waker) if waker.will_wake(task) => {}
            _ => *stored = Some(task.clone()),
        }
        true
    }

    /// Marks the read side as having more to look at, without a wake-up: after it returned
    /// something, it may hold more.
    pub(crate) fn fire(&self) {
        self.fired.store(true, Ordering::Release);
    }
}

impl Wake for ReadWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.fire();
        if let Some(task) = &*lock(&self.task) {
            task.wake_by_ref();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Wake, Waker};

    use super::ReadWake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn fired_at_first_then_only_after_a_wake() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let task = Waker::from(count.clone());
        let (read_wake, waker) = ReadWake::new();
        assert!(read_wake.take(&task));
        assert!(!read_wake.take(&task));
        waker.wake_by_ref();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(read_wake.take(&task));
        assert!(!read_wake.take(&task));
    }

    #[test]
    fn fire_marks_without_waking() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let task = Waker::from(count.clone());
        let (read_wake, _waker) = ReadWake::new();
        assert!(read_wake.take(&task));
        read_wake.fire();
        assert_eq!(count.0.load(Ordering::SeqCst), 0);
        assert!(read_wake.take(&task));
    }
}

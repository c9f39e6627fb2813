//! The measurement window, shared by every connection task, and its handshake with the runner.

use std::io::BufRead;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

/// Before the window: load runs but is not counted.
pub const WARMUP: u8 = 0;
/// Inside the window: completed messages are counted.
pub const MEASURE: u8 = 1;
/// After the window: connection tasks finish.
pub const STOP: u8 = 2;

/// The current phase, read by every connection task.
#[derive(Debug)]
pub struct Phase(AtomicU8);

impl Default for Phase {
    /// Starts in [`WARMUP`].
    fn default() -> Self {
        Phase(AtomicU8::new(WARMUP))
    }
}

impl Phase {
    /// The phase now.
    pub fn get(&self) -> u8 {
        self.0.load(Ordering::Acquire)
    }

    /// Moves to `phase`.
    pub fn set(&self, phase: u8) {
        self.0.store(phase, Ordering::Release);
    }
}

/// Prints `marker` and waits (at most 10 s) for the runner's one-line answer on stdin, which
/// it sends once it has read the server's counters. A closed stdin (a run by hand) answers
/// at once.
pub async fn sync_with_runner(marker: &str) {
    println!("{marker}");
    let read = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
    });
    let _ = tokio::time::timeout(Duration::from_secs(10), read).await;
}

/// Warms up for `warmup` seconds, then opens the window (`start`), keeps it open for
/// `seconds`, closes it (`end`) and stops the tasks. Returns the window's length.
pub async fn run_window(phase: &Phase, warmup: f64, seconds: f64) -> Duration {
    tokio::time::sleep(Duration::from_secs_f64(warmup)).await;
    sync_with_runner("start").await;
    phase.set(MEASURE);
    let opened = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    sync_with_runner("end").await;
    let window = opened.elapsed();
    phase.set(STOP);
    window
}

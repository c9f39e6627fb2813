//! Latency histograms, per-task tallies and the scenario's JSON line.

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Latency in nanoseconds, from 1 ns to 100 s at 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    // hdrhistogram rejects only invalid bounds, and these are valid.
    Histogram::new_with_bounds(1, 100_000_000_000, 3).expect("valid histogram bounds")
}

/// What one connection task counted.
#[derive(Debug)]
pub struct Tally {
    /// Messages completed inside the window.
    pub msgs: u64,
    /// Their latencies, ns.
    pub latency: Histogram<u64>,
    /// Errors (wrong echo, closed connection, timeout).
    pub errors: u64,
    /// The first error's description.
    pub first_error: Option<String>,
}

impl Tally {
    /// An empty tally.
    pub fn new() -> Tally {
        Tally {
            msgs: 0,
            latency: histogram(),
            errors: 0,
            first_error: None,
        }
    }

    /// Counts an error, keeping the first description.
    pub fn error(&mut self, message: String) {
        self.errors += 1;
        self.first_error.get_or_insert(message);
    }

    /// Adds `other` to this tally.
    pub fn merge(&mut self, other: Tally) {
        self.msgs += other.msgs;
        let _ = self.latency.add(&other.latency);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// Microseconds at quantile `q` (0 without samples).
fn quantile_us(latency: &Histogram<u64>, q: f64) -> f64 {
    if latency.is_empty() {
        return 0.0;
    }
    (latency.value_at_quantile(q) as f64 / 1000.0 * 10.0).round() / 10.0
}

/// The JSON line of a throughput scenario: `msgs` over `window_s`, latency percentiles, and the
/// scenario's own `extra` fields.
pub fn throughput(
    scenario: &str,
    tally: &Tally,
    window_s: f64,
    bytes_per_msg: usize,
    extra: Value,
) -> String {
    let rate = if window_s > 0.0 {
        tally.msgs as f64 / window_s
    } else {
        0.0
    };
    let mut line = json!({
        "scenario": scenario,
        "msgs": tally.msgs,
        "window_s": window_s,
        "msgs_per_s": rate.round(),
        "bytes_per_s": (rate * bytes_per_msg as f64).round(),
        "p50_us": quantile_us(&tally.latency, 0.5),
        "p99_us": quantile_us(&tally.latency, 0.99),
        "p999_us": quantile_us(&tally.latency, 0.999),
        "errors": tally.errors,
        "error": tally.first_error,
    });
    if let (Some(line), Value::Object(extra)) = (line.as_object_mut(), extra) {
        line.extend(extra);
    }
    line.to_string()
}

/// The JSON line of a scenario that failed before it could measure anything.
pub fn failure(scenario: &str, message: &str) -> String {
    json!({ "scenario": scenario, "msgs": 0, "errors": 1, "error": message }).to_string()
}

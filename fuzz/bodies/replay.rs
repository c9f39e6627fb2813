//! Replays the committed seeds of a fuzz target through its body, as an ordinary test.
//!
//! Included with `#[path]` by each protocol crate's `tests/fuzz_seeds.rs`, so the bodies the
//! fuzzer runs on nightly are exercised on the stable toolchain too.

use std::path::PathBuf;

/// Feeds every file of `fuzz/seeds/<target>/` to `body`; panics (fails the test) if the folder
/// is missing or empty, so a renamed target cannot silently replay nothing.
pub fn replay(target: &str, body: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seed folder {} unreadable: {e}", dir.display()));
    let mut count = 0usize;
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let data = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("seed {} unreadable: {e}", path.display()));
        body(&data);
        count += 1;
    }
    assert!(count > 0, "no seeds in {}", dir.display());
}

//! Shared inputs for the criterion benchmarks in `benches/benches/`.
//!
//! Run them with `cargo xtask bench` (or `cargo bench -p wsio-benches -- <filter>`).

/// A deterministic pseudo-random byte pattern of `len` bytes (xorshift), so every run and every
/// library under comparison sees the same input.
pub fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

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

/// `len` bytes of Socket.IO-like event JSON (`42["chat message",{...}]` packets with varying
/// numbers and names), starting at event number `first`: different `first`s give different
/// texts of the same shape, as consecutive messages of one connection.
pub fn json_events(first: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 160);
    let mut i = first;
    while out.len() < len {
        let line = format!(
            "42[\"chat message\",{{\"id\":{},\"user\":\"user{}\",\"room\":\"lobby-{}\",\"text\":\"message number {} says hello\",\"ts\":{}}}]",
            i * 7919 % 100_003,
            i % 97,
            i % 5,
            i,
            1_700_000_000_000u64 + i * 1_337
        );
        out.extend_from_slice(line.as_bytes());
        i += 1;
    }
    out.truncate(len);
    out
}

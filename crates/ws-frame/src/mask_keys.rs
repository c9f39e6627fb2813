//! Masking keys for client frames, drawn from the operating system's CSPRNG in batches.

/// Keys fetched per refill: one system call serves this many frames.
const BATCH: usize = 64;

/// A source of unpredictable masking keys (RFC 6455 §5.3 asks for a strong source of
/// entropy, so that a script cannot steer the bytes on the wire).
///
/// Costs 256 bytes per client connection.
#[derive(Clone)]
pub struct MaskKeys {
    pool: [u8; BATCH * 4],
    next: usize,
    /// Mixed in if the OS source ever fails, so keys still change from frame to frame.
    fallback: u64,
}

impl MaskKeys {
    /// A fresh source; the first key triggers the first refill.
    pub fn new() -> Self {
        MaskKeys {
            pool: [0; BATCH * 4],
            next: BATCH,
            fallback: 0x853c_49e6_748f_ea9b,
        }
    }

    /// The next key.
    pub fn next_key(&mut self) -> [u8; 4] {
        if self.next == BATCH {
            self.refill();
            self.next = 0;
        }
        let at = self.next * 4;
        self.next += 1;
        [
            self.pool[at],
            self.pool[at + 1],
            self.pool[at + 2],
            self.pool[at + 3],
        ]
    }

    fn refill(&mut self) {
        if getrandom::fill(&mut self.pool).is_ok() {
            return;
        }
        // splitmix64 stepping over the old pool: weak, but never reached on supported systems.
        for chunk in self.pool.chunks_exact_mut(8) {
            self.fallback = self.fallback.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.fallback;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            for (byte, new) in chunk.iter_mut().zip(z.to_le_bytes()) {
                *byte ^= new;
            }
        }
    }
}

impl Default for MaskKeys {
    fn default() -> Self {
        MaskKeys::new()
    }
}

impl std::fmt::Debug for MaskKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MaskKeys { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_vary_across_refills() {
        let mut keys = MaskKeys::new();
        let drawn: Vec<[u8; 4]> = (0..3 * BATCH).map(|_| keys.next_key()).collect();
        let distinct: std::collections::HashSet<_> = drawn.iter().collect();
        // 192 draws from 2^32: a repeat means the source is broken.
        assert_eq!(distinct.len(), drawn.len());
    }
}

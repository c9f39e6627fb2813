//! Payload masking (RFC 6455 §5.3): XOR with a four-byte key, repeated.
//!
//! Masking and unmasking are the same operation. [`apply_mask`] works on 64-byte blocks with
//! the key pre-expanded, a shape the compiler turns into wide vector XORs on every target, with
//! no alignment assumptions; the tail is finished byte by byte. On x86-64 CPUs with AVX2 (found
//! at run time) the same loop runs compiled for 32-byte registers.

/// Bytes handled per block: a multiple of 4 (the key length) and of every SIMD width in use.
const BLOCK: usize = 64;

/// XORs `buf` with `key`, as if `buf` started at offset 0 of the masked payload.
///
/// ```
/// let key = [0x37, 0xfa, 0x21, 0x3d];
/// let mut data = *b"Hello";
/// ws_frame::apply_mask(&mut data, key);
/// assert_eq!(data, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ws_frame::apply_mask(&mut data, key);
/// assert_eq!(&data, b"Hello");
/// ```
pub fn apply_mask(buf: &mut [u8], key: [u8; 4]) {
    apply_mask_at(buf, key, 0);
}

/// XORs `buf` with `key`, where `buf` starts `offset` bytes into the masked payload.
///
/// This lets a payload that arrives in pieces be unmasked piece by piece.
pub fn apply_mask_at(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate_key(key, offset);
    if buf.len() < BLOCK {
        // Short payloads (most control frames and chat-sized messages): word steps, no setup.
        let word = u32::from_ne_bytes(key);
        let mut words = buf.chunks_exact_mut(4);
        for chunk in &mut words {
            let masked = u32::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]) ^ word;
            chunk.copy_from_slice(&masked.to_ne_bytes());
        }
        for (byte, k) in words.into_remainder().iter_mut().zip(key) {
            *byte ^= k;
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2: checked just above (the answer is cached).
        unsafe { mask_blocks_avx2(buf, key) };
        return;
    }
    mask_blocks(buf, key);
}

/// The block loop for payloads of [`BLOCK`] bytes or more.
#[inline(always)]
fn mask_blocks(buf: &mut [u8], key: [u8; 4]) {
    let mut expanded = [0u8; BLOCK];
    for (i, byte) in expanded.iter_mut().enumerate() {
        *byte = key[i % 4];
    }
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for (byte, k) in block.iter_mut().zip(expanded.iter()) {
            *byte ^= k;
        }
    }
    for (byte, k) in blocks.into_remainder().iter_mut().zip(expanded.iter()) {
        *byte ^= k;
    }
}

/// [`mask_blocks`] compiled for AVX2: the same loop in 32-byte registers, twice the bytes per
/// instruction of the baseline x86-64 target's 16 (which every x86-64 CPU has, so the crate
/// cannot assume more at compile time).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn mask_blocks_avx2(buf: &mut [u8], key: [u8; 4]) {
    mask_blocks(buf, key);
}

/// The key as seen from `offset` bytes into the payload.
const fn rotate_key(key: [u8; 4], offset: usize) -> [u8; 4] {
    let shift = offset % 4;
    [
        key[shift],
        key[(shift + 1) % 4],
        key[(shift + 2) % 4],
        key[(shift + 3) % 4],
    ]
}

/// The byte-at-a-time reference: obviously correct, and the baseline the benchmarks beat.
pub fn apply_mask_bytewise(buf: &mut [u8], key: [u8; 4]) {
    for (i, byte) in buf.iter_mut().enumerate() {
        *byte ^= key[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_example_hello() {
        // RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d.
        let mut data = *b"Hello";
        apply_mask(&mut data, [0x37, 0xfa, 0x21, 0x3d]);
        assert_eq!(data, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }

    #[test]
    fn every_length_and_alignment_matches_the_reference() {
        let key = [0x12, 0x34, 0x56, 0x78];
        let source: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for start in 0..8 {
            for len in 0..(source.len() - start) {
                let mut fast = source[start..start + len].to_vec();
                let mut slow = fast.clone();
                apply_mask(&mut fast, key);
                apply_mask_bytewise(&mut slow, key);
                assert_eq!(fast, slow, "start {start} len {len}");
            }
        }
    }

    proptest! {
        #[test]
        fn matches_reference(data in proptest::collection::vec(any::<u8>(), 0..2000), key: [u8; 4]) {
            let mut fast = data.clone();
            let mut slow = data;
            apply_mask(&mut fast, key);
            apply_mask_bytewise(&mut slow, key);
            prop_assert_eq!(fast, slow);
        }

        #[test]
        fn masking_in_pieces_equals_masking_whole(
            data in proptest::collection::vec(any::<u8>(), 0..600),
            cut in 0usize..600,
            key: [u8; 4],
        ) {
            let cut = cut.min(data.len());
            let mut whole = data.clone();
            apply_mask(&mut whole, key);
            let mut pieces = data;
            let (head, tail) = pieces.split_at_mut(cut);
            apply_mask_at(head, key, 0);
            apply_mask_at(tail, key, cut);
            prop_assert_eq!(whole, pieces);
        }
    }
}

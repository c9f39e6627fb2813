#![no_main]

#[path = "../bodies/frame_decode_client.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

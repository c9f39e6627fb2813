#![no_main]

#[path = "../bodies/frame_decode.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run_client(data));

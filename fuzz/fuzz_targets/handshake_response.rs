#![no_main]
#[path = "../bodies/handshake_response.rs"]
mod body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

#![no_main]
#[path = "../bodies/polling_payload.rs"]
mod body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

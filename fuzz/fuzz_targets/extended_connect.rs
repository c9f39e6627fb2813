#![no_main]
#[path = "../bodies/extended_connect.rs"]
mod body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

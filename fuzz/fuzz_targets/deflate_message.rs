#![no_main]

#[path = "../bodies/deflate_message.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

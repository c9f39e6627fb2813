#![no_main]

#[path = "../bodies/message_assembly.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

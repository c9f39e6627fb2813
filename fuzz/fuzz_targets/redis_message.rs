#![no_main]
#[path = "../bodies/redis_message.rs"]
mod body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

#![no_main]
#[path = "../bodies/webtransport_stream.rs"]
mod body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

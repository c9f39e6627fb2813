#![no_main]
#[path = "../bodies/cluster_message.rs"]
mod body;
libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));

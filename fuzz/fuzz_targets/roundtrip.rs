//! Any input: every point the parser accepts must serialize (verbatim and canonical) and parse
//! back to the same point; canonical output must be a fixed point of `fmt`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_roundtrip(data));

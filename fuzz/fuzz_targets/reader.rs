//! Any input: the streaming `PointReader` (tiny buffer) must yield exactly what `parse_lines`
//! yields for the whole buffer, points and errors alike.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::check_reader(data));

//! Replays the saved fuzz corpus (`fuzz/corpus/<target>/`) and the sample files through the
//! same checks the fuzz targets run, so CI covers them with plain `cargo test` (no nightly, no
//! libFuzzer).

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every file, then fails naming every file that failed.
fn replay(dirs: &[&str], check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failed = Vec::new();
    let mut count = 0;
    for dir in dirs {
        for file in files(&root.join(dir)) {
            let data = fs::read(&file).expect("readable corpus file");
            count += 1;
            if panic::catch_unwind(|| check(&data)).is_err() {
                failed.push(file.display().to_string());
            }
        }
    }
    assert!(count > 0, "no corpus files found in {dirs:?}");
    assert!(failed.is_empty(), "checks failed on: {failed:#?}");
}

#[test]
fn roundtrip_corpus() {
    replay(
        &["../fuzz/corpus/roundtrip", "samples"],
        checks::check_roundtrip,
    );
}

#[test]
fn reader_corpus() {
    replay(&["../fuzz/corpus/reader", "samples"], checks::check_reader);
}

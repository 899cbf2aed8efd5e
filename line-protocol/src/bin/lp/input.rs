//! Opening `FILE|-` as a buffered reader with the name diagnostics use.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use anyhow::Context;

/// An input stream and the name diagnostics print for it.
pub struct Input<'a> {
    /// `<stdin>` or the path as given.
    pub name: String,
    /// The bytes.
    pub reader: Box<dyn BufRead + 'a>,
}

/// Opens `path`, or standard input for `-`.
pub fn open(path: &Path) -> anyhow::Result<Input<'static>> {
    if path.as_os_str() == "-" {
        return Ok(Input {
            name: "<stdin>".to_string(),
            reader: Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
        });
    }
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    Ok(Input {
        name: path.display().to_string(),
        reader: Box::new(BufReader::with_capacity(1 << 16, file)),
    })
}

//! Writes one of the benchmark corpora (`benches/corpus`), repeated to a size, for measuring
//! the `lp` tool as a whole process (nothing generated is committed).
//!
//! ```sh
//! cargo run --release -p line-protocol --example lp_corpus -- weather 50 > /tmp/weather.lp
//! ```
//!
//! Arguments: `weather`, `telegraf-mix` or `escapes`, then the size in MB (10^6 bytes).

#[path = "../../benches/corpus/mod.rs"]
mod corpus;

use std::io::{self, Write};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(name), Some(mb)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: lp_corpus weather|telegraf-mix|escapes SIZE_MB");
    };
    let size: u64 = mb.parse::<u64>()? * 1_000_000;
    let corpus = corpus::all()
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| anyhow::anyhow!("unknown corpus {name}"))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
    let mut written = 0;
    while written < size {
        out.write_all(corpus.text.as_bytes())?;
        written += corpus.text.len() as u64;
    }
    out.flush()?;
    Ok(())
}

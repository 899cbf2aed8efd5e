//! Deterministic line-protocol corpora for the benchmarks, generated at setup time from a fixed
//! seed (nothing is committed but this code).
//!
//! Every corpus is written only in the syntax that both our parser and the IOx
//! `influxdb-line-protocol` crate read the same way (spec §10): floats always with digits on
//! both sides of the point, LF line ends, no trailing spaces, no `\\` in names, keys or tag
//! values. The benchmark setup asserts that both parsers agree on every line.

mod escapes;
mod rng;
mod telegraf;
mod weather;

pub use escapes::escapes;
pub use telegraf::telegraf_mix;
pub use weather::weather;

/// One benchmark input.
pub struct Corpus {
    /// The name used in benchmark ids: `parse/<name>`.
    pub name: &'static str,
    /// The line protocol, one point per line.
    pub text: String,
}

/// All three corpora, each a few MB.
pub fn all() -> Vec<Corpus> {
    vec![
        Corpus {
            name: "weather",
            text: weather(),
        },
        Corpus {
            name: "telegraf-mix",
            text: telegraf_mix(),
        },
        Corpus {
            name: "escapes",
            text: escapes(),
        },
    ]
}

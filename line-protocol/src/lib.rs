//! Zero-copy InfluxDB line protocol: parser, streaming reader and serializer.
//!
//! The grammar is the one of the Go `lineprotocol` v2 decoder (what Telegraf's `upstream`
//! parser accepts), with its published EBNF as the tie-breaker; see `shared/specs/line-protocol.md`.
//! Names and string values without escape sequences are borrowed from the input.
//!
//! ```
//! use line_protocol::{parse_lines, FieldValue, Precision};
//!
//! let input = b"weather,station=paris,country=FR temperature=21.5,condition=\"clear\" 1700000000\n";
//! for point in parse_lines(input).with_precision(Precision::Seconds) {
//!     let point = point.unwrap();
//!     assert_eq!(point.measurement, "weather");
//!     assert_eq!(point.tag("country"), Some("FR"));
//!     assert_eq!(point.field("condition"), Some(&FieldValue::String("clear".into())));
//!     assert_eq!(point.timestamp, Some(1_700_000_000_000_000_000));
//! }
//! ```
//!
//! Modules:
//! - [`point`]: the data model ([`Point`], [`Tag`], [`Field`], [`FieldValue`]).
//! - [`precision`]: timestamp units ([`Precision`]).
//! - [`error`]: parse errors with line and column ([`ParseError`], [`ParseErrorKind`]).
//! - [`scan`]: byte scanning (where the next delimiter is), kept apart from the grammar.
//! - [`parse`]: the grammar: one point from one line ([`parse_point`]), and an iterator over a
//!   buffer ([`parse_lines`], [`Lines`]).
//! - [`stream`]: framing and parsing from any `BufRead` in bounded memory ([`PointReader`]).
//! - [`serialize`]: points to bytes, verbatim or canonical.
//! - [`json`]: the JSON form of a point (`lp json`, the bridge's JSON messages).
//! - [`builder`]: building owned points in programs that create metrics.
//!
//! Unsafe code: the workspace denies it; this crate allows it in one function, the block
//! decoder of escaped tokens (`parse::escape`), which writes decoded bytes into a `String`'s
//! spare capacity and then sets its length. Its safety rests on checks it makes itself (every
//! removed byte an ASCII backslash inside the token). Check it with Miri:
//! `cargo +nightly miri test -p line-protocol --lib -- --skip scanners_match_the_byte_rules`
//! (the skipped test is slow under Miri and runs no unsafe code of its own). SSE2 scanning goes
//! through `safe_arch`'s safe wrappers.

#![doc(test(attr(deny(warnings))))]

pub mod builder;
pub mod error;
pub mod json;
pub mod parse;
pub mod point;
pub mod precision;
pub mod scan;
pub mod serialize;
pub mod stream;
#[cfg(test)]
mod test_rng;

pub use error::{ParseError, ParseErrorKind};
pub use parse::{Lines, parse_lines, parse_point};
pub use point::{Field, FieldValue, Point, Tag};
pub use precision::{Precision, UnknownPrecision};
pub use stream::{PointReader, ReadError};

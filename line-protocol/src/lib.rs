//! Zero-copy InfluxDB line protocol: parser, streaming reader and serializer.
//!
//! The grammar is the one of the Go `lineprotocol` v2 decoder (what Telegraf's `upstream`
//! parser accepts), with its published EBNF as the tie-breaker; see `shared/specs/line-protocol.md`.
//!
//! Modules:
//! - [`point`]: the data model ([`Point`], [`Tag`], [`Field`], [`FieldValue`]).
//! - [`precision`]: timestamp units ([`Precision`]).
//! - [`error`]: parse errors with line and column.
//! - [`scan`]: byte scanning (where the next delimiter is), kept apart from the grammar.
//! - [`parse`]: the grammar: one point from one line, and an iterator over a buffer.
//! - [`stream`]: framing and parsing from any `BufRead` in bounded memory.
//! - [`serialize`]: points to bytes, verbatim or canonical.
//! - [`builder`]: building owned points in programs that create metrics.

#![doc(test(attr(deny(warnings))))]

pub mod builder;
pub mod error;
pub mod parse;
pub mod point;
pub mod precision;
pub mod scan;
pub mod serialize;
pub mod stream;

pub use point::{Field, FieldValue, Point, Tag};
pub use precision::{Precision, UnknownPrecision};

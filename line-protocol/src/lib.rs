//! Zero-copy InfluxDB line protocol: parser, streaming reader and serializer.
//!
//! The grammar is the one of the Go `lineprotocol` v2 decoder (what Telegraf's `upstream`
//! parser accepts), with its published EBNF as the tie-breaker; see `shared/specs/line-protocol.md`.
//!
//! Modules:
//! - [`point`]: the data model ([`Point`], [`Tag`], [`Field`], [`FieldValue`]).
//! - [`precision`]: timestamp units ([`Precision`]).

#![doc(test(attr(deny(warnings))))]

pub mod point;
pub mod precision;

pub use point::{Field, FieldValue, Point, Tag};
pub use precision::{Precision, UnknownPrecision};

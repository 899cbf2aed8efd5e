//! execd-conformance (being written)

//! The weather pipeline as one system: the one-machine runner, end-to-end tests and the
//! benchmarks that compare our line-protocol crate with its peers.

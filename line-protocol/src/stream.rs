//! (parser engineer's module, being written)

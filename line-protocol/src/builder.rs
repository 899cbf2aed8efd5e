//! (serializer engineer's module, being written)

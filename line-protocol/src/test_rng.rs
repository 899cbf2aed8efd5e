//! A tiny deterministic generator for the unit tests that compare a fast path with a
//! byte-at-a-time reference over many generated inputs (same seed, same inputs, every run).

/// A 64-bit linear congruential generator (Knuth's MMIX constants).
pub(crate) struct TestRng(u64);

impl TestRng {
    pub(crate) fn new(seed: u64) -> Self {
        TestRng(seed)
    }

    /// A number below `n` (`n > 0`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        (self.0 >> 33) as usize % n
    }

    /// `len` items picked from `alphabet`.
    pub(crate) fn pick<T: Copy, C: FromIterator<T>>(&mut self, len: usize, alphabet: &[T]) -> C {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())])
            .collect()
    }
}

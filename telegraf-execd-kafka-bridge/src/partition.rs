//! Choosing a message's partition ourselves, the way Telegraf's `outputs.kafka` does.
//!
//! Telegraf's Kafka output uses sarama's default hash partitioner: FNV-1a (32 bit) of the key
//! bytes, reinterpreted as `i32`, taken modulo the partition count with Go's truncating `%`, and
//! negated when negative. librdkafka's default partitioner (CRC32, or murmur2 for the Java
//! mapping) would put the same station on another partition, so the bridge computes the partition
//! here and hands librdkafka an explicit partition number. The resume logic ([`crate::resume`])
//! also depends on this: a point's partition must be a pure function of the point, identical
//! before and after a restart.

/// FNV-1a 32-bit offset basis.
const FNV_OFFSET_BASIS: u32 = 0x811c_9dc5;
/// FNV-1a 32-bit prime.
const FNV_PRIME: u32 = 0x0100_0193;

/// FNV-1a, 32 bit, of `bytes` (Go's `hash/fnv.New32a`).
///
/// ```
/// use telegraf_execd_kafka_bridge::partition::fnv1a_32;
/// assert_eq!(fnv1a_32(b""), 0x811c_9dc5);
/// assert_eq!(fnv1a_32(b"a"), 0xe40c_292c);
/// assert_eq!(fnv1a_32(b"foobar"), 0xbf9c_f968);
/// ```
pub fn fnv1a_32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(FNV_OFFSET_BASIS, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(FNV_PRIME)
    })
}

/// The partition sarama's default `HashPartitioner` picks for `key` among `partitions`.
///
/// `partitions` must be at least 1; a count below 1 yields partition 0 rather than a panic.
///
/// ```
/// use telegraf_execd_kafka_bridge::partition::sarama_partition;
/// // FNV-1a("a") = 0xe40c292c, as i32 = -468965076; -468965076 % 4 = 0.
/// assert_eq!(sarama_partition(b"a", 4), 0);
/// // FNV-1a("b") = 0xe70c2de5 → i32 -418632219 % 4 = -3 → 3.
/// assert_eq!(sarama_partition(b"b", 4), 3);
/// assert!((0..4).contains(&sarama_partition(b"paris", 4)));
/// ```
pub fn sarama_partition(key: &[u8], partitions: i32) -> i32 {
    if partitions < 1 {
        return 0;
    }
    // Go: `partition = int32(hash) % numPartitions; if partition < 0 { partition = -partition }`.
    // Rust's `%` truncates like Go's, so the sign handling carries over unchanged.
    let hash = fnv1a_32(key) as i32;
    let partition = hash.wrapping_rem(partitions);
    if partition < 0 { -partition } else { partition }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_reference_vectors() {
        // From the FNV reference test suite (fnv1a32 column).
        assert_eq!(fnv1a_32(b"foo"), 0xa9f3_7ed7);
        assert_eq!(fnv1a_32(b"fo"), 0x6222_e842);
        assert_eq!(fnv1a_32(b"chongo was here!\n"), 0xd499_30d5);
    }

    #[test]
    fn negative_hashes_are_negated_not_masked() {
        // Find keys whose hash is negative as i32 and check Go's rule (negate the remainder),
        // which differs from masking the sign bit for most of them.
        let mut differs = 0;
        for i in 0..1000 {
            let key = format!("station-{i}");
            let h = fnv1a_32(key.as_bytes()) as i32;
            let p = sarama_partition(key.as_bytes(), 7);
            assert!((0..7).contains(&p));
            if h < 0 {
                assert_eq!(p, -(h % 7));
                if p != (h & 0x7fff_ffff) % 7 {
                    differs += 1;
                }
            } else {
                assert_eq!(p, h % 7);
            }
        }
        assert!(
            differs > 0,
            "the masking variant should differ for some keys"
        );
    }

    #[test]
    fn minimum_i32_hash_does_not_overflow() {
        assert_eq!(i32::MIN.wrapping_rem(4), 0);
        assert_eq!(sarama_partition(b"x", 1), 0);
        assert_eq!(sarama_partition(b"x", 0), 0);
        assert_eq!(sarama_partition(b"x", -3), 0);
    }
}

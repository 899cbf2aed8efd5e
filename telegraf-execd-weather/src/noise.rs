//! Deterministic randomness as a pure function of (seed, station, channel, time bucket).
//!
//! The model keeps no state between calls: every random quantity is a hash of where and when it
//! is asked for. That makes a gather at time `t` reproducible whatever happened before (poll,
//! stdin, signal or backfill), and lets generation run in any order or in parallel.

/// A 64-bit mixer (splitmix64's finaliser): good avalanche, a few nanoseconds.
///
/// ```
/// use telegraf_execd_weather::noise::mix;
/// assert_ne!(mix(1), mix(2));
/// assert_eq!(mix(42), mix(42));
/// ```
#[inline]
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Hash of a key (seed and station already folded in), a channel and a bucket index.
///
/// ```
/// use telegraf_execd_weather::noise::hash;
/// assert_ne!(hash(7, 1, 0), hash(7, 2, 0));
/// assert_ne!(hash(7, 1, 0), hash(7, 1, 1));
/// ```
#[inline]
pub fn hash(key: u64, channel: u64, bucket: i64) -> u64 {
    mix(key ^ mix(channel.wrapping_mul(0xD6E8_FEB8_6659_FD93) ^ bucket as u64))
}

/// A uniform value in `[0, 1)` from a hash.
///
/// ```
/// let u = telegraf_execd_weather::noise::unit(u64::MAX);
/// assert!((0.0..1.0).contains(&u));
/// ```
#[inline]
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform value in `[-1, 1)` from a hash.
///
/// ```
/// assert_eq!(telegraf_execd_weather::noise::signed(0), -1.0);
/// ```
#[inline]
pub fn signed(h: u64) -> f64 {
    unit(h) * 2.0 - 1.0
}

/// Smooth value noise in `[-1, 1]`: random values at multiples of `period` seconds, joined by a
/// smoothstep curve. A slowly wandering, bounded signal — the building block of the model's
/// "random walks" (pressure, temperature anomalies, wind), evaluable at any time directly.
///
/// ```
/// use telegraf_execd_weather::noise::smooth;
/// let a = smooth(9, 3, 1000.0, 3600.0);
/// let b = smooth(9, 3, 1001.0, 3600.0);
/// assert!((a - b).abs() < 0.01); // continuous
/// assert!((-1.0..=1.0).contains(&a));
/// ```
#[inline]
pub fn smooth(key: u64, channel: u64, t_secs: f64, period: f64) -> f64 {
    // A multiplication once `period` is a constant at the (inlined) call site.
    let x = t_secs * (1.0 / period);
    let k = floor_i64(x);
    let f = x - k as f64;
    let s = f * f * (3.0 - 2.0 * f);
    let v0 = signed(hash(key, channel, k));
    let v1 = signed(hash(key, channel, k + 1));
    v0 + (v1 - v0) * s
}

/// `x.floor()` as an integer, without the libm call `f64::floor` becomes on baseline x86-64
/// (no SSE4.1). Exact for |x| < 2^53.
///
/// ```
/// use telegraf_execd_weather::noise::floor_i64;
/// assert_eq!((floor_i64(2.5), floor_i64(-2.5), floor_i64(-3.0)), (2, -3, -3));
/// ```
#[inline]
pub fn floor_i64(x: f64) -> i64 {
    let i = x as i64;
    if (i as f64) > x { i - 1 } else { i }
}

/// `x.round()` (half away from zero), without a libm call. Exact for |x| < 2^52.
///
/// ```
/// use telegraf_execd_weather::noise::round_f64;
/// assert_eq!((round_f64(2.5), round_f64(-2.5), round_f64(0.49)), (3.0, -3.0, 0.0));
/// ```
#[inline]
pub fn round_f64(x: f64) -> f64 {
    let t = x as i64 as f64; // truncated toward zero
    let frac = x - t;
    if frac >= 0.5 {
        t + 1.0
    } else if frac <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// `x.rem_euclid(m)` for positive `m`, without the slow software `fmod`.
///
/// ```
/// use telegraf_execd_weather::noise::wrap;
/// assert_eq!(wrap(25.0, 24.0), 1.0);
/// assert_eq!(wrap(-1.0, 360.0), 359.0);
/// ```
#[inline]
pub fn wrap(x: f64, m: f64) -> f64 {
    let r = x - floor_i64(x / m) as f64 * m;
    // Rounding can land exactly on m.
    if r >= m {
        r - m
    } else if r < 0.0 {
        r + m
    } else {
        r
    }
}

/// FNV-1a of a string: a stable key for a station id (independent of its position in the list).
///
/// ```
/// assert_eq!(telegraf_execd_weather::noise::fnv1a("a"), 0xaf63dc4c8601ec8c);
/// ```
pub fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_roughly_uniform() {
        let n = 100_000;
        let mean: f64 = (0..n).map(|i| unit(hash(1, 2, i))).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        let below = (0..n).filter(|&i| unit(hash(5, 0, i)) < 0.1).count();
        assert!((9_000..11_000).contains(&below), "{below}");
    }

    #[test]
    fn fast_math_matches_std() {
        for i in -20_000..20_000 {
            let x = f64::from(i) * 0.0137 + 0.0001 * f64::from(i % 7);
            assert_eq!(floor_i64(x), x.floor() as i64, "{x}");
            assert_eq!(round_f64(x), x.round(), "{x}");
            assert!((wrap(x, 24.0) - x.rem_euclid(24.0)).abs() < 1e-9, "{x}");
        }
    }

    #[test]
    fn smooth_hits_lattice_values() {
        let v = smooth(3, 4, 7200.0, 3600.0);
        assert_eq!(v, signed(hash(3, 4, 2)));
    }
}

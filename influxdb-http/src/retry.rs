//! Back-off arithmetic for write retries.

use std::time::Duration;

use rand::Rng;

use crate::RetryPolicy;

/// Parses a `Retry-After` value given in seconds (what InfluxDB sends).
///
/// The HTTP-date form is not parsed: the computed back-off is used instead.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Nominal wait before retry number `retry` (1-based): `initial × 2^(retry-1)`, capped.
pub(crate) fn nominal_backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.saturating_sub(1));
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

/// The nominal wait randomised to `[nominal/2, nominal]` ("equal jitter").
pub(crate) fn jittered(nominal: Duration) -> Duration {
    let half = nominal / 2;
    let extra_nanos = rand::rng().random_range(0..=half.as_nanos().min(u64::MAX as u128) as u64);
    half + Duration::from_nanos(extra_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_only() {
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after(" 30 "), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
            ..RetryPolicy::default()
        };
        let waits: Vec<_> = (1..=5)
            .map(|r| nominal_backoff(&p, r).as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 400, 500, 500]);
        assert_eq!(nominal_backoff(&p, 200), Duration::from_millis(500));
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let nominal = Duration::from_millis(400);
        for _ in 0..1000 {
            let d = jittered(nominal);
            assert!(d >= Duration::from_millis(200) && d <= nominal, "{d:?}");
        }
    }
}

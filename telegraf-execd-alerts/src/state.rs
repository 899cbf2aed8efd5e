//! Per-series state machines of the three rule kinds, driven only by metric time.
//!
//! Each `observe` takes the value and timestamp (ns) of one metric and returns the change of
//! level it causes, if any; nothing here reads a clock, so replaying the same metrics gives
//! the same changes.

use crate::rules::{Deadman, Direction, Level, Stuck, Thresholds};

/// A level change, with what the alert reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Change {
    pub level: Level,
    pub previous: Level,
    /// The threshold crossed (entering) or come back from (leaving).
    pub threshold: f64,
    /// The side the value is or was on.
    pub direction: Direction,
}

fn nanos(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Threshold rule state: the current level and, per level, since when its threshold has been
/// crossed without interruption (for `for`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct ThresholdState {
    level: Level,
    direction: Option<Direction>,
    warn_since: Option<i64>,
    crit_since: Option<i64>,
}

impl ThresholdState {
    /// Entering a level needs its threshold crossed (strictly) for `for_duration`; a level is
    /// kept while the value stays beyond its threshold moved back by `hysteresis`; leaving is
    /// immediate, to the highest level that still holds.
    pub(crate) fn observe(&mut self, t: &Thresholds, value: f64, at: i64) -> Option<Change> {
        let for_ns = nanos(t.for_duration);
        let crit_dir = t.crit.crossed_direction(value);
        let warn_dir = t.warn.crossed_direction(value);
        self.crit_since = crit_dir.map(|_| self.crit_since.unwrap_or(at));
        self.warn_since = warn_dir.map(|_| self.warn_since.unwrap_or(at));
        let qualified = |since: Option<i64>| since.is_some_and(|s| at.saturating_sub(s) >= for_ns);
        let holds = |level: Level| {
            self.level >= level && t.band(level).is_some_and(|b| b.holds(value, t.hysteresis))
        };
        let (level, entered) = if qualified(self.crit_since) {
            (Level::Crit, crit_dir)
        } else if holds(Level::Crit) {
            (Level::Crit, None)
        } else if qualified(self.warn_since) {
            (Level::Warn, warn_dir)
        } else if holds(Level::Warn) {
            (Level::Warn, None)
        } else {
            (Level::Ok, None)
        };
        if level == self.level {
            return None;
        }
        let previous = self.level;
        // The side: where the value is now when it crossed a threshold, else where it was.
        let direction = entered
            .or(self.direction)
            .or(crit_dir)
            .or(warn_dir)
            .unwrap_or(Direction::Above);
        // Report the threshold of the level entered, or, when falling back, of the level left.
        let reported = if level > previous { level } else { previous };
        let threshold = t
            .limit(reported, direction)
            .or_else(|| t.limit(level, direction))
            .unwrap_or(f64::NAN);
        self.level = level;
        self.direction = (level != Level::Ok).then_some(direction);
        Some(Change {
            level,
            previous,
            threshold,
            direction,
        })
    }
}

/// Stuck rule state: the value that started the current run of (nearly) equal values, and when.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct StuckState {
    level: Level,
    run_value: f64,
    run_since: i64,
}

impl StuckState {
    pub(crate) fn new(value: f64, at: i64) -> Self {
        StuckState {
            level: Level::Ok,
            run_value: value,
            run_since: at,
        }
    }

    /// Raises the rule's level once the value has stayed within `tolerance` of the run's first
    /// value for `period`; any move beyond it starts a new run and clears the level.
    pub(crate) fn observe(&mut self, s: &Stuck, value: f64, at: i64) -> Option<Change> {
        let previous = self.level;
        if (value - self.run_value).abs() <= s.tolerance {
            if self.level == Level::Ok && at.saturating_sub(self.run_since) >= nanos(s.period) {
                self.level = s.level;
            }
        } else {
            self.run_value = value;
            self.run_since = at;
            self.level = Level::Ok;
        }
        (self.level != previous).then_some(Change {
            level: self.level,
            previous,
            threshold: s.tolerance,
            direction: Direction::Above,
        })
    }

    /// How long the current run has lasted at `at` (ns).
    pub(crate) fn run_length(&self, at: i64) -> i64 {
        at.saturating_sub(self.run_since)
    }
}

/// Deadman rule state of one series: when it was last seen and whether it counts as dead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DeadmanState {
    level: Level,
    last_seen: i64,
}

impl DeadmanState {
    pub(crate) fn new(at: i64) -> Self {
        DeadmanState {
            level: Level::Ok,
            last_seen: at,
        }
    }

    /// The series sent a metric at `at`: a dead series comes back (returns the change and the
    /// silence it ends, in ns).
    pub(crate) fn seen(&mut self, at: i64) -> Option<(Change, i64)> {
        let silence = at.saturating_sub(self.last_seen);
        self.last_seen = self.last_seen.max(at);
        if self.level == Level::Ok {
            return None;
        }
        let previous = std::mem::replace(&mut self.level, Level::Ok);
        Some((
            Change {
                level: Level::Ok,
                previous,
                threshold: f64::NAN,
                direction: Direction::Above,
            },
            silence,
        ))
    }

    /// Metric time reached `now` elsewhere: a series silent for longer than the period dies
    /// (returns the change and its silence in ns).
    pub(crate) fn check(&mut self, d: &Deadman, now: i64) -> Option<(Change, i64)> {
        let silence = now.saturating_sub(self.last_seen);
        if self.level != Level::Ok || silence <= nanos(d.period) {
            return None;
        }
        self.level = d.level;
        Some((
            Change {
                level: d.level,
                previous: Level::Ok,
                threshold: f64::NAN,
                direction: Direction::Above,
            },
            silence,
        ))
    }

    /// When this series dies if nothing comes (ns); `None` when it is already dead.
    pub(crate) fn deadline(&self, d: &Deadman) -> Option<i64> {
        (self.level == Level::Ok).then(|| self.last_seen.saturating_add(nanos(d.period)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Band;
    use std::time::Duration;

    const MIN: i64 = 60_000_000_000;

    fn heat(for_minutes: u64, hysteresis: f64) -> Thresholds {
        Thresholds {
            warn: Band {
                above: Some(35.0),
                below: None,
            },
            crit: Band {
                above: Some(40.0),
                below: None,
            },
            hysteresis,
            for_duration: Duration::from_secs(60 * for_minutes),
        }
    }

    /// Feeds one value per minute; returns (minute, previous → level) of every change.
    fn run(t: &Thresholds, values: &[f64]) -> Vec<(usize, Level, Level)> {
        let mut s = ThresholdState::default();
        values
            .iter()
            .enumerate()
            .filter_map(|(i, &v)| {
                s.observe(t, v, i as i64 * MIN)
                    .map(|c| (i, c.previous, c.level))
            })
            .collect()
    }

    use Level::{Crit, Ok, Warn};

    #[test]
    fn levels_change_once_per_crossing_not_per_point() {
        let t = heat(0, 0.0);
        let changes = run(&t, &[30.0, 36.0, 37.0, 41.0, 42.0, 38.0, 30.0, 29.0]);
        assert_eq!(
            changes,
            [
                (1, Ok, Warn),
                (3, Warn, Crit),
                (5, Crit, Warn),
                (6, Warn, Ok)
            ]
        );
    }

    #[test]
    fn hysteresis_keeps_a_level_until_the_value_is_back_by_the_margin() {
        let t = heat(0, 1.0);
        // 39.5 and 39.1 stay crit (> 40 - 1), 38.9 drops to warn; 34.2 stays warn, 33.9 ok.
        let changes = run(&t, &[41.0, 39.5, 39.1, 40.5, 38.9, 34.2, 33.9, 35.5]);
        assert_eq!(
            changes,
            [(0, Ok, Crit), (4, Crit, Warn), (6, Warn, Ok), (7, Ok, Warn)]
        );
    }

    #[test]
    fn for_delays_entering_but_never_leaving() {
        let t = heat(3, 0.0);
        // Warn crossed at minute 1 (held until 4), crit crossed at 3 (held until 6); a dip at
        // minute 8 resets crit's clock; leaving at 12 is immediate.
        let changes = run(
            &t,
            &[
                30.0, 36.0, 37.0, 41.0, 41.0, 41.0, 41.0, 41.0, 38.0, 41.0, 41.0, 41.0, 30.0,
            ],
        );
        assert_eq!(
            changes,
            [
                (4, Ok, Warn),
                (6, Warn, Crit),
                (8, Crit, Warn),
                (12, Warn, Ok)
            ]
        );
        // A crossing shorter than `for` raises nothing.
        assert!(run(&t, &[36.0, 36.0, 30.0, 36.0, 30.0]).is_empty());
    }

    #[test]
    fn both_directions_and_reported_thresholds() {
        let t = Thresholds {
            warn: Band {
                above: Some(35.0),
                below: Some(-15.0),
            },
            crit: Band {
                above: Some(40.0),
                below: Some(-25.0),
            },
            hysteresis: 1.0,
            for_duration: Duration::ZERO,
        };
        let mut s = ThresholdState::default();
        let c = s.observe(&t, -16.0, 0).unwrap();
        assert_eq!(
            (c.level, c.direction, c.threshold),
            (Warn, Direction::Below, -15.0)
        );
        let c = s.observe(&t, -26.0, 1).unwrap();
        assert_eq!((c.level, c.threshold), (Crit, -25.0));
        assert!(s.observe(&t, -24.5, 2).is_none());
        let c = s.observe(&t, -10.0, 3).unwrap();
        assert_eq!(
            (c.previous, c.level, c.direction, c.threshold),
            (Crit, Ok, Direction::Below, -25.0)
        );
        let c = s.observe(&t, 45.0, 4).unwrap();
        assert_eq!(
            (c.level, c.direction, c.threshold),
            (Crit, Direction::Above, 40.0)
        );
    }

    #[test]
    fn stuck_fires_after_the_period_and_clears_on_a_move() {
        let s = Stuck {
            period: Duration::from_secs(600),
            tolerance: 0.05,
            level: Warn,
        };
        let mut st = StuckState::new(80.0, 0);
        let mut changes = Vec::new();
        for (i, v) in [
            80.0, 80.04, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 80.0, 81.0,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(c) = st.observe(&s, v, i as i64 * MIN) {
                changes.push((i, c.previous, c.level));
            }
        }
        assert_eq!(changes, [(10, Ok, Warn), (12, Warn, Ok)]);
    }

    #[test]
    fn deadman_dies_after_the_period_of_metric_time_and_comes_back() {
        let d = Deadman {
            period: Duration::from_secs(300),
            level: Crit,
        };
        let mut st = DeadmanState::new(0);
        assert_eq!(st.deadline(&d), Some(5 * MIN));
        assert!(
            st.check(&d, 5 * MIN).is_none(),
            "exactly the period is alive"
        );
        let (c, silence) = st.check(&d, 5 * MIN + 1).unwrap();
        assert_eq!((c.previous, c.level, silence), (Ok, Crit, 5 * MIN + 1));
        assert!(st.check(&d, 9 * MIN).is_none(), "dies once");
        assert_eq!(st.deadline(&d), None);
        let (c, silence) = st.seen(10 * MIN).unwrap();
        assert_eq!((c.previous, c.level, silence), (Crit, Ok, 10 * MIN));
        assert!(st.seen(11 * MIN).is_none());
    }
}

//! Backfill progress on stderr: a progress bar on a terminal, periodic `I! ` lines otherwise
//! (so logs captured by Telegraf, CI or systemd stay one record per line).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How often a non-terminal progress line is logged.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// Progress of a backfill in lines.
///
/// ```
/// let mut p = telegraf_execd_weather::inject::Progress::log_lines(100);
/// p.advance(40);
/// p.advance(60);
/// assert_eq!(p.done(), 100);
/// p.finish();
/// ```
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    done: u64,
    started: Instant,
    last_log: Instant,
}

impl Progress {
    /// A bar if stderr is a terminal, else periodic log lines.
    ///
    /// ```
    /// let p = telegraf_execd_weather::inject::Progress::for_stderr(10);
    /// assert_eq!(p.done(), 0);
    /// ```
    pub fn for_stderr(total_lines: u64) -> Self {
        if std::io::stderr().is_terminal() {
            let bar =
                ProgressBar::with_draw_target(Some(total_lines), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} lines ({per_sec}, ETA {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            Progress {
                bar: Some(bar),
                ..Self::log_lines(total_lines)
            }
        } else {
            Self::log_lines(total_lines)
        }
    }

    /// Periodic `I! ` lines only.
    ///
    /// ```
    /// let _ = telegraf_execd_weather::inject::Progress::log_lines(1);
    /// ```
    pub fn log_lines(total_lines: u64) -> Self {
        let now = Instant::now();
        Progress {
            bar: None,
            total: total_lines,
            done: 0,
            started: now,
            last_log: now,
        }
    }

    /// Lines written so far.
    ///
    /// ```
    /// assert_eq!(telegraf_execd_weather::inject::Progress::log_lines(1).done(), 0);
    /// ```
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Records `lines` more written.
    ///
    /// ```
    /// let mut p = telegraf_execd_weather::inject::Progress::log_lines(5);
    /// p.advance(5);
    /// assert_eq!(p.done(), 5);
    /// ```
    pub fn advance(&mut self, lines: u64) {
        self.done += lines;
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        } else if self.last_log.elapsed() >= LOG_EVERY {
            self.last_log = Instant::now();
            log::info!("backfill: {}", self.summary());
        }
    }

    /// Clears the bar and logs the final count and rate.
    ///
    /// ```
    /// telegraf_execd_weather::inject::Progress::log_lines(0).finish();
    /// ```
    pub fn finish(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        log::info!("backfill done: {}", self.summary());
    }

    fn summary(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        let pct = if self.total == 0 {
            100.0
        } else {
            100.0 * self.done as f64 / self.total as f64
        };
        format!(
            "{}/{} lines ({pct:.1}%) in {secs:.1}s, {:.0} lines/s",
            self.done,
            self.total,
            self.done as f64 / secs
        )
    }
}

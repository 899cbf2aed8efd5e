//! Reading the report of `telegraf-execd-kafka-bridge consume --verify`.
//!
//! Its first line is `verify topic="weather" messages=N expected=N missing=0 duplicated=0 …`,
//! then one indented line per example problem. The runner retries while only `missing` is
//! non-zero (the bridge may still be catching up) and stops at once on anything else, which
//! waiting cannot fix.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::binaries::SiblingBinaries;
use crate::child::{Launch, StdoutRoute, StopStyle, os, start};
use crate::configs::BridgeFile;

/// How long the runner keeps retrying while points are only missing (the bridge catching up).
const CATCH_UP: Duration = Duration::from_secs(30);
/// Kafka and InfluxDB request limit of one `consume --verify`.
const VERIFY_TIMEOUT: &str = "30s";

/// The counts of one verification.
///
/// ```
/// use weather_pipeline::verify::VerifySummary;
/// let s = VerifySummary::parse("verify topic=\"weather\" messages=96 expected=96 missing=0 duplicated=0 out_of_order=0 unexpected=0 mismatched=0 misrouted=0 without_position=0 skipped_rows=0").unwrap();
/// assert_eq!((s.messages(), s.expected()), (96, 96));
/// assert!(s.is_clean());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifySummary {
    counts: BTreeMap<String, u64>,
}

/// Counts that are problems when non-zero.
const PROBLEMS: [&str; 7] = [
    "missing",
    "duplicated",
    "out_of_order",
    "unexpected",
    "mismatched",
    "misrouted",
    "without_position",
];

impl VerifySummary {
    /// The counts of the first `verify …` line in `report`; `None` if there is none or it has
    /// no `messages=` and `expected=` counts.
    ///
    /// ```
    /// use weather_pipeline::verify::VerifySummary;
    /// assert!(VerifySummary::parse("E! something else").is_none());
    /// let s = VerifySummary::parse("table\nverify topic=\"w\" messages=3 expected=4 missing=1\n  missing: …").unwrap();
    /// assert_eq!(s.count("missing"), 1);
    /// ```
    pub fn parse(report: &str) -> Option<Self> {
        let line = report.lines().find(|l| l.starts_with("verify "))?;
        let counts: BTreeMap<String, u64> = line
            .split_whitespace()
            .filter_map(|word| {
                let (key, value) = word.split_once('=')?;
                Some((key.to_string(), value.parse().ok()?))
            })
            .collect();
        (counts.contains_key("messages") && counts.contains_key("expected"))
            .then_some(VerifySummary { counts })
    }

    /// One count by name (`missing`, `duplicated`, …); 0 when absent.
    ///
    /// ```
    /// let s = weather_pipeline::verify::VerifySummary::parse("verify messages=1 expected=1").unwrap();
    /// assert_eq!(s.count("duplicated"), 0);
    /// ```
    pub fn count(&self, name: &str) -> u64 {
        self.counts.get(name).copied().unwrap_or(0)
    }

    /// Messages read from the topic.
    ///
    /// ```
    /// let s = weather_pipeline::verify::VerifySummary::parse("verify messages=5 expected=6").unwrap();
    /// assert_eq!(s.messages(), 5);
    /// ```
    pub fn messages(&self) -> u64 {
        self.count("messages")
    }

    /// Points InfluxDB holds in the checked range.
    ///
    /// ```
    /// let s = weather_pipeline::verify::VerifySummary::parse("verify messages=5 expected=6").unwrap();
    /// assert_eq!(s.expected(), 6);
    /// ```
    pub fn expected(&self) -> u64 {
        self.count("expected")
    }

    /// No problem of any kind.
    ///
    /// ```
    /// let s = weather_pipeline::verify::VerifySummary::parse("verify messages=5 expected=5 misrouted=1").unwrap();
    /// assert!(!s.is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        PROBLEMS.iter().all(|p| self.count(p) == 0)
    }

    /// Some points are missing but nothing else is wrong: the bridge may still be catching up.
    ///
    /// ```
    /// use weather_pipeline::verify::VerifySummary;
    /// assert!(VerifySummary::parse("verify messages=5 expected=6 missing=1").unwrap().only_missing());
    /// assert!(!VerifySummary::parse("verify messages=6 expected=6 missing=1 duplicated=1").unwrap().only_missing());
    /// ```
    pub fn only_missing(&self) -> bool {
        self.count("missing") > 0 && PROBLEMS[1..].iter().all(|p| self.count(p) == 0)
    }
}

/// `consume --verify --until <until>`: waits for the bridge's lateness to pass, then retries
/// while points are only missing, up to [`CATCH_UP`]. Prints the final report on stdout.
pub(crate) async fn verify_topic(
    bins: &SiblingBinaries,
    bridge_path: &Path,
    until: i64,
    lateness: Duration,
) -> Result<VerifySummary> {
    tokio::time::sleep(lateness + BridgeFile::EXPORT_INTERVAL + Duration::from_secs(1)).await;
    let deadline = Instant::now() + CATCH_UP;
    loop {
        let tool = start(Launch {
            name: "verify",
            program: &bins.bridge,
            args: os(&[
                &"consume",
                &"--config",
                &bridge_path,
                &"--verify",
                &"--until",
                &until.to_string(),
                &"--timeout",
                &VERIFY_TIMEOUT,
            ]),
            stdout: StdoutRoute::Capture,
            stop: StopStyle::Terminate,
        })?;
        let (status, out) = tool.finish().await.context("running consume --verify")?;
        let report = String::from_utf8_lossy(&out);
        let Some(summary) = VerifySummary::parse(&report) else {
            bail!("consume --verify failed ({status}) without a report; its errors are above");
        };
        if summary.only_missing() && Instant::now() < deadline {
            log::info!(
                "verify: {} of {} points not in the topic yet; waiting for the bridge",
                summary.count("missing"),
                summary.expected()
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        print!("{report}");
        if !report.ends_with('\n') {
            println!();
        }
        return Ok(summary);
    }
}

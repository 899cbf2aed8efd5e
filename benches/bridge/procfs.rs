//! What the bridge bench reads from `/proc`: CPU time and peak resident size of the processes
//! beside it, and how much of InfluxDB's answer waits unread in the exporter's socket.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// A process's peak resident size (`VmHWM`, bytes) and user + system CPU time (all threads).
pub fn process_usage(pid: u32) -> (u64, Duration) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM");
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    (hwm_kb * 1024, cpu_of_stat(&stat))
}

/// User + system CPU time from a `/proc/<pid>/stat` line: fields 14 and 15, in clock ticks of
/// 1/100 s (the `USER_HZ` Linux exposes on every architecture it runs on).
fn cpu_of_stat(stat: &str) -> Duration {
    // The command name (field 2) may hold spaces; the fields after it never do.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// This process's children named `name`: each one's pid and `/proc/<pid>/stat` line.
fn children(name: &str) -> Vec<(u32, String)> {
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        // Field 4 is the parent's pid.
        if head.ends_with(&format!("({name}")) && rest.split_whitespace().nth(1) == Some(&me) {
            found.push((pid, stat));
        }
    }
    found
}

/// User + system CPU time of this process's children named `name` (`influxd`, `tansu`), from
/// `/proc`: what the peers spent beside the exporter, so a run can say who used the cores.
pub fn children_cpu_time(name: &str) -> Duration {
    children(name)
        .iter()
        .map(|(_, stat)| cpu_of_stat(stat))
        .sum()
}

/// The pids of this process's children named `name`.
pub fn children_pids(name: &str) -> Vec<u32> {
    children(name).into_iter().map(|(pid, _)| pid).collect()
}

/// Moves process `pid` (every thread if `all_threads`, else the one whose id is `pid`) onto the
/// CPUs `cpus` (a `taskset` list such as `0` or `0-1`).
pub fn pin(pid: u32, cpus: &str, all_threads: bool) {
    let mut c = std::process::Command::new("taskset");
    if all_threads {
        c.arg("-a");
    }
    let status = c
        .args(["-cp", cpus, &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run taskset (util-linux)");
    assert!(status.success(), "taskset -cp {cpus} {pid}: {status}");
}

/// Samples, every 10 ms while it lives, the bytes InfluxDB has sent that wait unread in the
/// receive queues of process `pid`'s TCP connections to `port` (IPv4, `/proc/net/tcp`).
///
/// If the exporter were what holds the export back, InfluxDB's answer would pile up there (the
/// kernel lets the queue grow to megabytes before InfluxDB's writes block); if it stays near
/// empty, the exporter reads each byte as it arrives and InfluxDB sets the pace.
pub struct UnreadSampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<u64>>>,
}

impl UnreadSampler {
    pub fn start(pid: u32, port: u16) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                if let Some(bytes) = unread_bytes(pid, port) {
                    samples.push(bytes);
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            samples
        });
        UnreadSampler {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops sampling; the samples taken while the process had a connection to the port,
    /// smallest first (what [`quantile`] reads).
    pub fn finish(mut self) -> Vec<u64> {
        self.stop.store(true, Ordering::Relaxed);
        let mut samples = self
            .thread
            .take()
            .map(|t| t.join().expect("sampler thread"))
            .unwrap_or_default();
        samples.sort_unstable();
        samples
    }
}

impl Drop for UnreadSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The sum of the receive queues of `pid`'s established IPv4 connections to `port`; `None`
/// while it has none.
fn unread_bytes(pid: u32, port: u16) -> Option<u64> {
    let inodes: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()?
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let t = target.to_string_lossy();
            Some(t.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let remote_port = format!(":{port:04X}");
    let mut found = None;
    for line in table.lines().skip(1) {
        // sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode ...
        let f: Vec<&str> = line.split_whitespace().collect();
        let (Some(rem), Some(state), Some(queues), Some(inode)) =
            (f.get(2), f.get(3), f.get(4), f.get(9))
        else {
            continue;
        };
        if *state != "01" || !rem.ends_with(&remote_port) || !inodes.iter().any(|i| i == inode) {
            continue;
        }
        let rx = queues
            .split_once(':')
            .and_then(|(_, rx)| u64::from_str_radix(rx, 16).ok())
            .unwrap_or(0);
        *found.get_or_insert(0) += rx;
    }
    found
}

/// The `q`-quantile (0..=1) of `sorted` (smallest first), by nearest rank; 0 for none.
pub fn quantile(sorted: &[u64], q: f64) -> u64 {
    debug_assert!(sorted.is_sorted());
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

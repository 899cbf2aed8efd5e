//! The threads behind [`super::Triggers`]: stdin reader and poll ticker.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{GatherCause, StopCause, Trigger};

/// Sends one gather per `\n` read (if `count_newlines`), then a stop at EOF or on a read error.
pub(super) fn read_stdin<R: Read>(mut stdin: R, count_newlines: bool, tx: &Sender<Trigger>) {
    let mut buf = [0u8; 4096];
    let stop = loop {
        match stdin.read(&mut buf) {
            Ok(0) => break StopCause::StdinEof,
            Ok(n) => {
                if !count_newlines {
                    continue;
                }
                for _ in buf[..n].iter().filter(|&&b| b == b'\n') {
                    let gather = Trigger::Gather {
                        cause: GatherCause::Stdin,
                        at: SystemTime::now(),
                    };
                    if tx.send(gather).is_err() {
                        return;
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => break StopCause::StdinError(e.to_string()),
        }
    };
    let _ = tx.send(Trigger::Stop(stop));
}

/// Sends a poll gather every `interval`, skipping ticks while one is still queued.
pub(super) fn poll(interval: Duration, align: bool, tx: &Sender<Trigger>, pending: &AtomicBool) {
    let started = Instant::now();
    let mut k: u32 = 0;
    loop {
        let at = if align {
            let now = SystemTime::now();
            let since = now
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos();
            let step = interval.as_nanos();
            let next = (since / step + 1) * step;
            let next_time = UNIX_EPOCH + Duration::from_nanos(next as u64);
            std::thread::sleep(next_time.duration_since(now).unwrap_or_default());
            next_time
        } else {
            k = k.saturating_add(1);
            let deadline = started + interval * k;
            std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
            SystemTime::now()
        };
        // Coalesce: skip this tick if the previous one has not been taken yet.
        if pending.swap(true, Ordering::AcqRel) {
            continue;
        }
        if tx
            .send(Trigger::Gather {
                cause: GatherCause::Poll,
                at,
            })
            .is_err()
        {
            return;
        }
    }
}

//! Exactly-once across crashes: the bridge PROCESS is killed with SIGKILL at random moments,
//! restarted, and in the end the topic holds every point exactly once.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;
use rand::{Rng, SeedableRng};
use rdkafka::mocking::MockCluster;
use telegraf_execd_kafka_bridge::config::BridgeConfig;
use telegraf_execd_kafka_bridge::verify::verify;

const T0: i64 = 1_700_000_000_000_000_000;
const ROUNDS: usize = 24;
// The mock cluster keeps about 5 MB per partition (older messages are deleted), so the total
// stays well below that: 46k points, at most about 4 MB on the busiest partition.
const INITIAL: usize = 10_000;
const PER_ROUND: usize = 1_500;
const STATIONS: usize = 12;

#[test]
fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let Some(influx) = influx() else { return };
    let rt = runtime();
    let (client, db) = fresh_database(&rt, influx.url(), "kill9");
    write(&rt, &client, &weather_lines(T0, INITIAL, STATIONS));

    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    // Slow brokers keep more messages in flight at any moment.
    for broker in 1..=3 {
        cluster
            .broker_round_trip_time(broker, Duration::from_millis(2))
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let config = BridgeFile::new(influx.url(), &db, &bootstrap, "weather").write(dir.path());

    let seed: u64 = std::env::var("KILL9_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("kill9 seed {seed} (rerun with KILL9_SEED={seed})");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);

    let mut total = INITIAL;
    let mut next_t = T0 + (INITIAL / STATIONS) as i64 * 1_000_000_000 + 1_000_000_000;
    let started = Instant::now();
    let mut in_flight_kills = 0;
    let mut before = 0;
    for round in 0..ROUNDS {
        // New points keep arriving, later than everything before, so every run has work.
        write(&rt, &client, &weather_lines(next_t, PER_ROUND, STATIONS));
        total += PER_ROUND;
        next_t += (PER_ROUND / STATIONS) as i64 * 1_000_000_000 + 1_000_000_000;

        let mut bridge = Bridge::start(&config);
        let backlog = total - before;
        let what = if rng.random_bool(0.25) {
            // During start-up (metadata, tail reading) or the first sends.
            let delay = rng.random_range(0..60);
            std::thread::sleep(Duration::from_millis(delay));
            format!("after {delay} ms")
        } else {
            // Mid-export: once the bridge has handed a random share of the backlog to Kafka,
            // watched through its own health metrics (one gather per stdin newline).
            let threshold = rng.random_range(1..backlog as i64);
            let deadline = Instant::now() + Duration::from_secs(10);
            let mut last = (0, 0);
            while last.0 < threshold && Instant::now() < deadline {
                last = sent_and_in_flight(&bridge.gather());
            }
            in_flight_kills += usize::from(last.1 > 0);
            format!("with {} sent, {} in flight", last.0, last.1)
        };
        bridge.kill9();
        // Telegraf waits `restart_delay` (10 s by default) before relaunching: time for the
        // brokers to finish the requests the dead process had written to its sockets. Here:
        // until they have read its connections to the end.
        wait_for_brokers_to_drain(&bootstrap, Duration::from_secs(10));
        let in_topic = read_all(&bootstrap, "weather").len();
        eprintln!("round {round}: killed {what}; {in_topic} of {total} points in the topic");
        before = in_topic;
    }

    // Final run to completion, then a clean stop.
    let bridge = Bridge::start(&config);
    let messages = wait_for_messages(&bootstrap, "weather", total, Duration::from_secs(90));
    let (status, stderr) = bridge.stop();
    assert!(status.success(), "{stderr}");
    eprintln!("{ROUNDS} kill rounds + final run: {:?}", started.elapsed());
    // Most kills must catch messages sent and not yet acknowledged.
    assert!(
        in_flight_kills >= ROUNDS / 3,
        "only {in_flight_kills} kills caught messages in flight"
    );

    let mut copies: HashMap<String, usize> = HashMap::new();
    for m in &messages {
        *copies
            .entry(
                m.position()
                    .unwrap()
                    .expect("a bridge message with a position")
                    .to_string(),
            )
            .or_default() += 1;
    }
    let duplicated: Vec<_> = copies.iter().filter(|(_, c)| **c > 1).collect();
    assert!(
        duplicated.is_empty(),
        "duplicated positions (seed {seed}): {:?}",
        &duplicated[..duplicated.len().min(5)]
    );
    assert_eq!(messages.len(), total, "seed {seed}");

    let cfg = BridgeConfig::load(&config).unwrap();
    let report = rt
        .block_on(verify(&cfg, None, None, Duration::from_secs(30)))
        .unwrap();
    assert!(report.is_clean(), "seed {seed}: {report}");
    assert_eq!(report.expected, total as u64, "{report}");
    assert_eq!(report.messages, total as u64, "{report}");
}

/// Points sent, and sent but not yet acknowledged, from one health line.
fn sent_and_in_flight(health: &str) -> (i64, i64) {
    let point =
        line_protocol::parse_point(health.as_bytes(), line_protocol::Precision::Nanoseconds)
            .unwrap_or_else(|e| panic!("health line {health:?}: {e}"));
    let int = |k: &str| match point.field(k) {
        Some(line_protocol::FieldValue::Integer(v)) => *v,
        other => panic!("{k} in {health:?}: {other:?}"),
    };
    let sent = int("points_sent");
    (sent, sent - int("points_exported"))
}

/// Waits until the mock brokers have read everything a killed process sent them. A broker
/// closes its side of a connection once it reads the peer's EOF, which comes after every
/// request written before the kill; so no broker-side socket may still be ESTABLISHED (01) or
/// CLOSE_WAIT (08) in `/proc/net/tcp` (the brokers listen on 127.0.0.1, their ports unique).
fn wait_for_brokers_to_drain(bootstrap: &str, limit: Duration) {
    let ports: Vec<u16> = bootstrap
        .split(',')
        .filter_map(|a| a.rsplit(':').next()?.parse().ok())
        .collect();
    let deadline = Instant::now() + limit;
    loop {
        let table = std::fs::read_to_string("/proc/net/tcp").expect("read /proc/net/tcp");
        let open = table
            .lines()
            .skip(1)
            .filter(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let port = fields
                    .get(1)
                    .and_then(|local| local.rsplit(':').next())
                    .and_then(|hex| u16::from_str_radix(hex, 16).ok());
                port.is_some_and(|p| ports.contains(&p))
                    && matches!(fields.get(3), Some(&"01") | Some(&"08"))
            })
            .count();
        if open == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{open} broker-side connections still open {limit:?} after the kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

//! `consume --follow --stats` ends on SIGTERM or SIGINT with its final statistics table and
//! exit status 0. The mock cluster lives in this process; the binary under test connects to it.

mod child_output;
mod common;

use std::time::{Duration, Instant};

use child_output::ChildOutput;
use common::*;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

const MESSAGES: usize = 20;

/// Stats tables printed so far (a table starts with its header line) and whether the last one
/// counts every message of station `paris`.
fn tables(lines: &[String]) -> (usize, bool) {
    let count = lines.iter().filter(|l| l.starts_with("station ")).count();
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("station "))
        .map(|start| {
            lines[start..].iter().any(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                cols.len() > 1 && cols[0] == "paris" && cols[1] == MESSAGES.to_string()
            })
        })
        .unwrap_or(false);
    (count, last)
}

fn stops_cleanly_on(signal: &str) {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 2, 3).unwrap();
    let producer: BaseProducer = kafka(&bootstrap).create().unwrap();
    for i in 0..MESSAGES {
        let value = format!("weather,station=paris temperature={i}.5 {i}\n");
        producer
            .send(BaseRecord::to("weather").key("paris").payload(&value))
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(10)).unwrap();

    let mut output = ChildOutput::spawn(
        BIN,
        &[
            "consume",
            "--bootstrap-servers",
            &bootstrap,
            "--topic",
            "weather",
            "--follow",
            "--stats",
            "--stats-interval",
            "0s",
        ],
    );

    // Ready once a table counts every message: the handlers are installed before reading.
    let deadline = Instant::now() + Duration::from_secs(30);
    let before = loop {
        let (count, complete) = tables(&output.stdout());
        if complete {
            break count;
        }
        assert!(
            Instant::now() < deadline,
            "never read everything\n{}",
            output.report()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    output.signal(signal);
    let status = wait_with_timeout(&mut output.child, Duration::from_secs(15));
    // Every line is collected once both streams reached EOF.
    assert!(
        output.wait_closed(Duration::from_secs(5)),
        "{}",
        output.report()
    );
    assert!(
        status.success(),
        "{signal}: {status:?}\n{}",
        output.report()
    );
    let (after, complete) = tables(&output.stdout());
    assert_eq!(after, before + 1, "one final table\n{}", output.report());
    assert!(
        complete,
        "the final table counts every message\n{}",
        output.report()
    );
    assert!(
        output
            .stderr()
            .iter()
            .any(|l| l.starts_with("I! ") && l.contains(&format!("received SIG{signal}"))),
        "{}",
        output.report()
    );
}

#[test]
fn follow_stats_prints_the_final_table_and_exits_0_on_sigterm() {
    stops_cleanly_on("TERM");
}

#[test]
fn follow_stats_prints_the_final_table_and_exits_0_on_sigint() {
    stops_cleanly_on("INT");
}

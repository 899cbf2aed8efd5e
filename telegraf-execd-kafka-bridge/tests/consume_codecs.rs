//! `consume` reads topics written with every compression codec Telegraf's `outputs.kafka` offers
//! (`compression_codec` 1 gzip, 2 snappy, 3 lz4, 4 zstd; the lab's `weather-telegraf` uses 4),
//! and `consume --stats` keeps one table per topic. Also: the tools' flags in both spellings. Without librdkafka's zstd support the zstd
//! topic gives a decompression error per batch and never reaches its end: these tests fail.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::*;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// Writes `n` weather points to `topic` with `codec`, several per batch so they are compressed
/// together (as Telegraf's batches are).
fn produce(bootstrap: &str, topic: &str, codec: &str, n: usize) {
    let producer: BaseProducer = kafka(bootstrap)
        .set("compression.codec", codec)
        .set("linger.ms", "20")
        .create()
        .unwrap_or_else(|e| panic!("producer with compression.codec={codec}: {e}"));
    for i in 0..n {
        let station = format!("s{}", i % 3);
        let value = format!("weather,station={station} temperature={i}.5,humidity={i}i {i}\n");
        producer
            .send(BaseRecord::to(topic).key(&station).payload(&value))
            .map_err(|(e, _)| e)
            .unwrap();
    }
    producer.flush(Duration::from_secs(20)).unwrap();
}

fn consume(bootstrap: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args([
            "consume",
            "--bootstrap-servers",
            bootstrap,
            "--timeout",
            "20s",
        ])
        .args(args)
        .output()
        .expect("run consume")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn consume_reads_every_telegraf_compression_codec() {
    const N: usize = 150;
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    let codecs = ["gzip", "snappy", "lz4", "zstd"];
    let mut args = Vec::new();
    for codec in codecs {
        let topic = format!("codec-{codec}");
        cluster.create_topic(&topic, 2, 3).unwrap();
        produce(&bootstrap, &topic, codec, N);
        args.extend(["--topic".to_string(), topic]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = consume(&bootstrap, &args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{}\n{stderr}", out.status);
    for codec in codecs {
        let read = stdout
            .lines()
            .filter(|l| l.starts_with(&format!("codec-{codec}/")))
            .count();
        assert_eq!(read, N, "codec {codec}: {read} of {N} messages\n{stderr}");
    }
    let trouble: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("E! ") || l.starts_with("W! "))
        .collect();
    assert!(trouble.is_empty(), "{trouble:#?}");
}

#[test]
fn stats_keep_one_table_per_topic() {
    let cluster = MockCluster::new(3).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("weather", 4, 3).unwrap();
    cluster.create_topic("weather-telegraf", 4, 3).unwrap();
    cluster.create_topic("empty", 1, 3).unwrap();
    produce(&bootstrap, "weather", "lz4", 30);
    produce(&bootstrap, "weather-telegraf", "zstd", 12);
    let out = consume(
        &bootstrap,
        &[
            "--stats",
            "--topic",
            "weather",
            "--topic",
            "weather-telegraf",
            "--topic",
            "empty",
        ],
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{}\n{stderr}", out.status);
    // The final table (printed last) has one section per topic, each with its own counts.
    let last = &stdout[stdout.rfind("topic empty:").expect(&stdout)..];
    assert!(last.starts_with("topic empty: 0 messages\n"), "{stdout}");
    let section = |topic: &str| -> (String, u64) {
        let start = last
            .find(&format!("topic {topic}: "))
            .unwrap_or_else(|| panic!("no section for {topic}:\n{last}"));
        let body = &last[start..];
        let end = body[1..].find("\ntopic ").map_or(body.len(), |e| e + 1);
        let body = &body[..end];
        // Station rows start with the station; their second column is the message count.
        let per_station: u64 = body
            .lines()
            .filter(|l| l.starts_with('s') && !l.starts_with("station "))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum();
        (body.to_string(), per_station)
    };
    let (weather, weather_sum) = section("weather");
    assert!(
        weather.starts_with("topic weather: 30 messages\n"),
        "{weather}"
    );
    assert_eq!(weather_sum, 30, "{weather}");
    let (telegraf, telegraf_sum) = section("weather-telegraf");
    assert!(
        telegraf.starts_with("topic weather-telegraf: 12 messages\n"),
        "{telegraf}"
    );
    assert_eq!(telegraf_sum, 12, "{telegraf}");
}

/// Every flag takes the Go-shim and the kebab-case spelling (`-log_level`, `--log-level`,
/// `--bootstrap_servers`, `--bootstrap-servers`), and the log level filters stderr.
#[test]
fn tool_flags_take_both_spellings() {
    let cluster = MockCluster::new(1).unwrap();
    let bootstrap = cluster.bootstrap_servers();
    cluster.create_topic("t", 1, 1).unwrap();
    produce(&bootstrap, "t", "none", 3);
    let run = |args: &[&str]| Command::new(BIN).args(args).output().expect("run consume");
    let loud = run(&["consume", "--bootstrap-servers", &bootstrap, "--topic", "t"]);
    assert!(loud.status.success(), "{}", text(&loud.stderr));
    assert!(
        text(&loud.stderr).contains("I! read 3 messages"),
        "{}",
        text(&loud.stderr)
    );
    for spelling in [
        ["--bootstrap_servers", "-log_level", "--max_messages"],
        ["--bootstrap-servers", "--log-level", "--max-messages"],
        ["-bootstrap-servers", "--log_level", "-max-messages"],
    ] {
        let out = run(&[
            "consume",
            spelling[0],
            &bootstrap,
            "--topic",
            "t",
            spelling[1],
            "error",
            spelling[2],
            "2",
        ]);
        assert!(out.status.success(), "{spelling:?}: {}", text(&out.stderr));
        assert_eq!(
            text(&out.stderr),
            "",
            "{spelling:?}: error level hides I! lines"
        );
        assert_eq!(text(&out.stdout).lines().count(), 2, "{spelling:?}");
    }
    // The log level is global: also before the subcommand. Other `run` flags are not.
    let out = run(&[
        "-log_level",
        "error",
        "consume",
        "--bootstrap-servers",
        &bootstrap,
        "--topic",
        "t",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "error level hides I! lines");
    let out = run(&["-config", "x.toml", "consume", "--topic", "t"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with("E! -config"),
        "{}",
        text(&out.stderr)
    );
    // `run` (the Go shim's flags) likewise: parsed (exit 1 for the missing brokers, not 2).
    for flag in ["-log_level", "--log-level", "-poll-interval-disabled"] {
        let args: Vec<&str> = if flag.starts_with("-poll") {
            vec!["run", flag]
        } else {
            vec!["run", flag, "debug"]
        };
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{flag}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("bootstrap.servers"),
            "{flag}: {}",
            text(&out.stderr)
        );
    }
}

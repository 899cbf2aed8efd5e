//! The telegraf-mix corpus: system metrics shaped like Telegraf's inputs (cpu, mem, disk, net,
//! diskio, system, processes, procstat): 4–8 tags, 5–15 fields of every type.

use std::fmt::Write;

use super::rng::Rng;

#[derive(Clone, Copy)]
enum Kind {
    Float,
    Int,
    Uint,
    Str(&'static [&'static str]),
    Bool,
}

struct Schema {
    measurement: &'static str,
    /// Tag keys in sorted order, each with its pool of values.
    tags: &'static [(&'static str, &'static [&'static str])],
    fields: &'static [(&'static str, Kind)],
}

const DC: &[&str] = &["eu-west-1a", "eu-west-1b", "us-east-1a", "ap-south-1c"];
const OS: &[&str] = &["linux", "freebsd", "windows"];
const REGION: &[&str] = &["eu-west", "us-east", "ap-south"];
const CPUS: &[&str] = &[
    "cpu-total",
    "cpu0",
    "cpu1",
    "cpu2",
    "cpu3",
    "cpu4",
    "cpu5",
    "cpu6",
    "cpu7",
];
const ARCH: &[&str] = &["amd64", "arm64"];
const DEVICES: &[&str] = &["nvme0n1p1", "nvme0n1p2", "sda1", "sdb1", "dm-0"];
const FSTYPES: &[&str] = &["ext4", "xfs", "btrfs", "zfs"];
const MODES: &[&str] = &["rw", "ro"];
const PATHS: &[&str] = &["/", "/boot", "/var/lib/docker", "/home", "/srv/data"];
const IFACES: &[&str] = &["eth0", "eth1", "lo", "docker0", "wlan0"];
const SERIALS: &[&str] = &["S4EWNX0R123456", "WD-WCC4N7XJ2K1P", "Z1D2A3B4"];
const PROCS: &[&str] = &["telegraf", "influxd", "kafka", "postgres", "nginx"];
const USERS: &[&str] = &["root", "telegraf", "influxdb", "www-data"];
const CMDLINES: &[&str] = &[
    "/usr/bin/telegraf --config /etc/telegraf/telegraf.conf",
    "/usr/bin/influxd run -config /etc/influxdb/influxdb.conf",
    "java -Xmx1G -Xms1G -server -XX:+UseG1GC kafka.Kafka server.properties",
    "postgres: checkpointer",
    "nginx: worker process",
];
const UPTIMES: &[&str] = &[
    "3 days,  4:21",
    "12 days, 23:59",
    " 0:42",
    "101 days,  1:07",
];

const SCHEMAS: &[Schema] = &[
    Schema {
        measurement: "cpu",
        tags: &[
            ("arch", ARCH),
            ("cpu", CPUS),
            ("dc", DC),
            ("os", OS),
            ("region", REGION),
        ],
        fields: &[
            ("usage_guest", Kind::Float),
            ("usage_guest_nice", Kind::Float),
            ("usage_idle", Kind::Float),
            ("usage_iowait", Kind::Float),
            ("usage_irq", Kind::Float),
            ("usage_nice", Kind::Float),
            ("usage_softirq", Kind::Float),
            ("usage_steal", Kind::Float),
            ("usage_system", Kind::Float),
            ("usage_user", Kind::Float),
        ],
    },
    Schema {
        measurement: "mem",
        tags: &[("dc", DC), ("os", OS), ("region", REGION)],
        fields: &[
            ("active", Kind::Uint),
            ("available", Kind::Uint),
            ("available_percent", Kind::Float),
            ("buffered", Kind::Uint),
            ("cached", Kind::Uint),
            ("free", Kind::Uint),
            ("inactive", Kind::Uint),
            ("swap_free", Kind::Int),
            ("swap_total", Kind::Int),
            ("total", Kind::Uint),
            ("used", Kind::Uint),
            ("used_percent", Kind::Float),
        ],
    },
    Schema {
        measurement: "disk",
        tags: &[
            ("dc", DC),
            ("device", DEVICES),
            ("fstype", FSTYPES),
            ("mode", MODES),
            ("os", OS),
            ("path", PATHS),
            ("region", REGION),
        ],
        fields: &[
            ("free", Kind::Uint),
            ("inodes_free", Kind::Uint),
            ("inodes_total", Kind::Uint),
            ("inodes_used", Kind::Uint),
            ("total", Kind::Uint),
            ("used", Kind::Uint),
            ("used_percent", Kind::Float),
        ],
    },
    Schema {
        measurement: "net",
        tags: &[
            ("dc", DC),
            ("interface", IFACES),
            ("os", OS),
            ("region", REGION),
        ],
        fields: &[
            ("bytes_recv", Kind::Uint),
            ("bytes_sent", Kind::Uint),
            ("drop_in", Kind::Uint),
            ("drop_out", Kind::Uint),
            ("err_in", Kind::Uint),
            ("err_out", Kind::Uint),
            ("packets_recv", Kind::Uint),
            ("packets_sent", Kind::Uint),
            ("speed", Kind::Int),
        ],
    },
    Schema {
        measurement: "diskio",
        tags: &[
            ("dc", DC),
            ("name", DEVICES),
            ("os", OS),
            ("region", REGION),
            ("serial", SERIALS),
        ],
        fields: &[
            ("io_time", Kind::Uint),
            ("iops_in_progress", Kind::Uint),
            ("merged_reads", Kind::Uint),
            ("merged_writes", Kind::Uint),
            ("read_bytes", Kind::Uint),
            ("read_time", Kind::Uint),
            ("reads", Kind::Uint),
            ("weighted_io_time", Kind::Uint),
            ("write_bytes", Kind::Uint),
            ("write_time", Kind::Uint),
            ("writes", Kind::Uint),
        ],
    },
    Schema {
        measurement: "system",
        tags: &[("dc", DC), ("os", OS), ("region", REGION)],
        fields: &[
            ("load1", Kind::Float),
            ("load15", Kind::Float),
            ("load5", Kind::Float),
            ("n_cpus", Kind::Int),
            ("n_unique_users", Kind::Int),
            ("n_users", Kind::Int),
            ("uptime", Kind::Uint),
            ("uptime_format", Kind::Str(UPTIMES)),
        ],
    },
    Schema {
        measurement: "processes",
        tags: &[("dc", DC), ("os", OS), ("region", REGION)],
        fields: &[
            ("blocked", Kind::Int),
            ("dead", Kind::Int),
            ("idle", Kind::Int),
            ("paging", Kind::Int),
            ("running", Kind::Int),
            ("sleeping", Kind::Int),
            ("stopped", Kind::Int),
            ("total", Kind::Int),
            ("total_threads", Kind::Int),
            ("unknown", Kind::Int),
            ("zombies", Kind::Int),
        ],
    },
    Schema {
        measurement: "procstat",
        tags: &[
            ("dc", DC),
            ("os", OS),
            ("process_name", PROCS),
            ("region", REGION),
            ("user", USERS),
        ],
        fields: &[
            ("cmdline", Kind::Str(CMDLINES)),
            ("cpu_time_system", Kind::Float),
            ("cpu_time_user", Kind::Float),
            ("cpu_usage", Kind::Float),
            ("created_at", Kind::Int),
            ("involuntary_context_switches", Kind::Int),
            ("memory_rss", Kind::Uint),
            ("memory_swap", Kind::Uint),
            ("memory_vms", Kind::Uint),
            ("num_fds", Kind::Int),
            ("num_threads", Kind::Int),
            ("pid", Kind::Int),
            ("read_bytes", Kind::Uint),
            ("running", Kind::Bool),
            ("write_bytes", Kind::Uint),
        ],
    },
];

const HOSTS: u64 = 200;
const LINES: usize = 24_000;
const START_NS: i64 = 1_700_000_000_000_000_000;

/// About 6 MB of mixed system metrics, 10-second ticks over 200 hosts.
pub fn telegraf_mix() -> String {
    let mut rng = Rng::new(0x7E1E_6AF0);
    let mut out = String::with_capacity(8 << 20);
    for i in 0..LINES {
        let schema = &SCHEMAS[i % SCHEMAS.len()];
        let host = rng.below(HOSTS);
        let ts =
            START_NS + (i / SCHEMAS.len()) as i64 * 10_000_000_000 + rng.below(1_000_000) as i64;
        out.push_str(schema.measurement);
        // `host` sorts between the schema's tags; Telegraf writes tags sorted by key.
        let mut host_written = false;
        for &(key, pool) in schema.tags {
            if !host_written && key > "host" {
                write!(out, ",host=host-{host:03}").expect("writing to a String");
                host_written = true;
            }
            write!(out, ",{key}={}", rng.pick(pool)).expect("writing to a String");
        }
        if !host_written {
            write!(out, ",host=host-{host:03}").expect("writing to a String");
        }
        for (n, &(key, kind)) in schema.fields.iter().enumerate() {
            out.push(if n == 0 { ' ' } else { ',' });
            out.push_str(key);
            out.push('=');
            match kind {
                Kind::Float => write!(out, "{:.3}", rng.range(0.0, 100.0)),
                Kind::Int => write!(out, "{}i", rng.below(1 << 20) as i64 - (1 << 10)),
                Kind::Uint => write!(out, "{}u", rng.below(1 << 40)),
                Kind::Str(pool) => write!(out, "\"{}\"", rng.pick(pool)),
                Kind::Bool => write!(out, "{}", rng.below(2) == 0),
            }
            .expect("writing to a String");
        }
        writeln!(out, " {ts}").expect("writing to a String");
    }
    out
}

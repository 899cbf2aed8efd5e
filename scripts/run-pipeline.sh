#!/usr/bin/env bash
# The weather pipeline on one machine, no Docker: InfluxDB, a three-broker Kafka cluster (in
# process), the weather injector, the InfluxDB -> Kafka bridge and a live consumer.
#
#   scripts/run-pipeline.sh [weather-pipeline options]      e.g. --duration 2m --verify
#   scripts/run-pipeline.sh --help                           every option
#
# Needs a Rust toolchain. On Debian it installs what is missing (root, or sudo): the `influxdb`
# package for influxd (unless --influx-url is given; installed without starting Debian's
# influxdb.service), and gcc/g++/make/pkg-config/libssl-dev for librdkafka's build.
# Then it builds the workspace binaries in release and runs target/release/weather-pipeline,
# which finds the plugin binaries next to itself. Ctrl-C stops everything it started.
set -euo pipefail

say() { printf '%s\n' "$*" >&2; }
die() { say "E! $*"; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

wants_influxd=yes
for arg in "$@"; do
    case $arg in
        --influx-url|--influx-url=*|-h|--help|-V|--version) wants_influxd=no ;;
    esac
done

# Installs Debian packages as root, through sudo when needed.
apt_install() {
    command -v apt-get >/dev/null 2>&1 \
        || die "apt-get not found: install $* yourself (this script knows Debian/Ubuntu only)"
    say "I! installing Debian packages: $*"
    # Installs without starting influxdb.service (see the script).
    "$repo/scripts/apt-install.sh" "$@" || die "installing $* failed"
}

command -v cargo >/dev/null 2>&1 \
    || die "cargo not found: install a Rust toolchain (https://rustup.rs) and open a new shell"

missing=()
if [ "$wants_influxd" = yes ] && [ -z "${INFLUXD:-}" ] && ! command -v influxd >/dev/null 2>&1; then
    missing+=(influxdb)
fi
# librdkafka (bundled by the rdkafka crate) is built with the C and C++ compilers and make,
# its TLS support against OpenSSL found through pkg-config.
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v c++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi
if [ "$wants_influxd" = yes ] && [ -z "${INFLUXD:-}" ]; then
    command -v influxd >/dev/null 2>&1 \
        || die "influxd still not found after installing Debian's influxdb package"
fi

say "I! building the workspace binaries (release)"
cargo build --release --workspace --bins --locked

target_dir=${CARGO_TARGET_DIR:-$repo/target}
exec "$target_dir/release/weather-pipeline" "$@"

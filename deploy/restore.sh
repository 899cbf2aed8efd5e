#!/usr/bin/env bash
# Restores a backup made by deploy/backup.sh into the compose deployment, replacing its data:
#
#   deploy/restore.sh DIR --yes
#
# Refuses (and changes nothing) without --yes, when a file is missing or its sha256 differs
# from the MANIFEST, when deploy/.env has another KAFKA_CLUSTER_ID (the brokers would refuse
# the restored logs) or another INFLUX_ADMIN_TOKEN (`influx restore --full` brings back the
# backup's tokens, so the setup token in this deployment would stop working).
#
# Order: the writers (telegraf, producer), Kafdrop, Grafana and the brokers stop; InfluxDB gets
# `influx restore --full` (it runs, started if needed); each volume is emptied and refilled from
# its tar with its service stopped; then `docker compose up -d` starts everything, and
# init-tokens replaces the scoped tokens the restored InfluxDB no longer knows.
# The drill: docs/backup-restore.md.
set -euo pipefail
# shellcheck source=lib/backup-common.sh
source "$(dirname "$0")/lib/backup-common.sh"

dir=${1:-}
[ -n "$dir" ] || die "usage: deploy/restore.sh DIR --yes"
[ -f "$dir/MANIFEST" ] || die "$dir/MANIFEST not found: not a complete backup of deploy/backup.sh"
[ -f "$env_file" ] || die "$env_file not found"

files=(influxdb.tar)
for v in "${volumes[@]}"; do files+=("${v%%:*}.tar"); done
for f in "${files[@]}"; do
  [ -f "$dir/$f" ] || die "$dir/$f is missing"
  grep -q "^sha256 [0-9a-f]\{64\}  $f\$" "$dir/MANIFEST" || die "MANIFEST has no checksum for $f"
done
(cd "$dir" && sed -n 's/^sha256 //p' MANIFEST | sha256sum -c --quiet --strict) >&2 \
  || die "checksums of $dir do not match its MANIFEST"
manifest_value() { sed -n "s/^$1=//p" "$dir/MANIFEST"; }
[ "$(manifest_value KAFKA_CLUSTER_ID)" = "$(env_value KAFKA_CLUSTER_ID)" ] \
  || die "the backup's KAFKA_CLUSTER_ID ($(manifest_value KAFKA_CLUSTER_ID)) is not $env_file's; the brokers would refuse its logs"
[ "$(manifest_value influx_admin_token_sha256)" = "$(token_hash)" ] \
  || die "$env_file has another INFLUX_ADMIN_TOKEN than the backed-up deployment; restore with that deployment's .env"
if [ "${2:-}" != --yes ]; then
  echo "restore.sh: this REPLACES InfluxDB, the Kafka logs of kafka1..3, Grafana and inject's mark with $dir ($(manifest_value created))." >&2
  echo "restore.sh: run again with --yes to do it." >&2
  exit 1
fi
command -v docker > /dev/null || die "docker not found"

say "stopping ${writers[*]} ${readers[*]} ${brokers[*]}"
dc stop "${writers[@]}" "${readers[@]}" "${brokers[@]}" >&2
say "influx restore --full"
dc up -d --wait influxdb >&2
dc exec -T influxdb sh -c 'set -e; rm -rf /tmp/weather-restore; mkdir /tmp/weather-restore; tar -C /tmp/weather-restore -xf -; influx restore --full /tmp/weather-restore >&2; rm -rf /tmp/weather-restore' \
  < "$dir/influxdb.tar"
for v in "${volumes[@]}"; do
  service=${v%%:*} folder=${v#*:}
  say "refilling $service:$folder"
  dc run --rm --no-deps -T --user 0 --entrypoint sh "$service" \
    -c 'set -e; find "$0" -mindepth 1 -delete; tar -C "$0" -xpf -' "$folder" < "$dir/$service.tar"
done
say "starting the deployment"
dc up -d >&2
say "restore complete from $dir"

#!/usr/bin/env bash
# Backs up the compose deployment into DIR (default deploy/backups/<UTC time>, mode 0700):
#   influxdb.tar   `influx backup` of InfluxDB (all buckets, users, tokens), taken online
#   kafka1..3.tar  the brokers' log folders, taken with the brokers stopped
#   grafana.tar    Grafana's database and plugins, taken with Grafana stopped
#   inject.tar     inject's "backfill done" mark
#   MANIFEST       time, KAFKA_CLUSTER_ID, INFLUX_ORG, a hash of the admin token, file sha256s
#
#   deploy/backup.sh [DIR]
#
# Order: the writers (telegraf, producer) stop first, so InfluxDB and the topics hold the same
# history; then `influx backup`; then Kafdrop, Grafana and the brokers stop and their volumes
# are copied; then every service that was running starts again (also after a failure).
# The backup holds every InfluxDB token: keep it as secret as deploy/.env.
# Restore: deploy/restore.sh DIR --yes (docs/backup-restore.md).
set -euo pipefail
# shellcheck source=lib/backup-common.sh
source "$(dirname "$0")/lib/backup-common.sh"

dir=${1:-$deploy_dir/backups/$(date -u +%Y%m%dT%H%M%SZ)}
[ -f "$env_file" ] || die "$env_file not found: the backup records its cluster id (deploy/init-env.sh)"
[ ! -e "$dir" ] || die "$dir exists; choose a new folder"
command -v docker > /dev/null || die "docker not found"

mapfile -t running < <(dc ps --services --filter status=running)
[[ " ${running[*]} " == *" influxdb "* ]] || die "influxdb is not running (docker compose up -d influxdb)"

umask 077
mkdir -p "$dir"
stopped=()
restart() {
  local status=$? first=() rest=() s
  [ ${#stopped[@]} -gt 0 ] || return "$status"
  for s in "${stopped[@]}"; do
    if [[ " ${brokers[*]} " == *" $s "* ]]; then first+=("$s"); else rest+=("$s"); fi
  done
  say "starting again: ${stopped[*]}"
  [ ${#first[@]} -eq 0 ] || dc start "${first[@]}" >&2 || status=1
  [ ${#rest[@]} -eq 0 ] || dc start "${rest[@]}" >&2 || status=1
  [ "$status" = 0 ] || echo "E! [backup.sh] backup in $dir is INCOMPLETE (no MANIFEST)" >&2
  return "$status"
}
trap restart EXIT
# stop SERVICE...: stops those that are running and remembers them.
stop() {
  local s targets=()
  for s in "$@"; do [[ " ${running[*]} " == *" $s "* ]] && targets+=("$s"); done
  [ ${#targets[@]} -gt 0 ] || return 0
  say "stopping ${targets[*]}"
  dc stop "${targets[@]}" >&2
  stopped+=("${targets[@]}")
}

stop "${writers[@]}"
say "influx backup (online)"
dc exec -T influxdb sh -c 'set -e; rm -rf /tmp/weather-backup; influx backup /tmp/weather-backup >&2; tar -C /tmp/weather-backup -cf - .; rm -rf /tmp/weather-backup' \
  > "$dir/influxdb.tar"
stop "${readers[@]}" "${brokers[@]}"
for v in "${volumes[@]}"; do
  service=${v%%:*} folder=${v#*:}
  say "copying $service:$folder"
  # A one-off container of the service mounts the same volume (no ports, no dependencies).
  dc run --rm --no-deps -T --user 0 --entrypoint tar "$service" -C "$folder" -cf - . > "$dir/$service.tar"
done

{
  echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "KAFKA_CLUSTER_ID=$(env_value KAFKA_CLUSTER_ID)"
  echo "INFLUX_ORG=$(env_value INFLUX_ORG)"
  echo "influx_admin_token_sha256=$(token_hash)"
  (cd "$dir" && sha256sum -- *.tar) | sed 's/^/sha256 /'
} > "$dir/MANIFEST.new"
mv "$dir/MANIFEST.new" "$dir/MANIFEST"
say "backup complete: $dir"

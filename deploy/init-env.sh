#!/usr/bin/env bash
# Writes a fresh deploy/.env (or FILE) for deploy/compose.yaml: strong random secrets, a valid
# KRaft cluster id, the defaults of deploy/.env.example. Refuses to overwrite an existing file:
# InfluxDB reads its admin password and token only on its first start, so new secrets would
# not match the running deployment.
#
#   deploy/init-env.sh [FILE]      # default: deploy/.env, mode 0600
#
# Secrets: 32 random bytes (token) and 24 random bytes (passwords) from /dev/urandom,
# base64url. Cluster id: a random (version 4) UUID in base64url without padding, 22
# characters, as `kafka-storage.sh random-uuid` makes it (never starting with '-').
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
out=${1:-$here/.env}

if [ -e "$out" ] || [ -L "$out" ]; then
  echo "init-env.sh: $out exists; not overwriting it (InfluxDB keeps the secrets of its first start). Remove it first only for a new deployment (docker compose down -v)." >&2
  exit 1
fi

# base64url of N random bytes, no padding.
random_b64url() { head -c "$1" /dev/urandom | base64 -w 0 | tr '+/' '-_' | tr -d '='; }

kraft_cluster_id() {
  local hex id
  while :; do
    hex=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    # Version 4 and the RFC 4122 variant, as java.util.UUID.randomUUID() sets them.
    hex="${hex:0:12}$(printf '%02x' $(( (0x${hex:12:2} & 0x0f) | 0x40 )))${hex:14:2}$(printf '%02x' $(( (0x${hex:16:2} & 0x3f) | 0x80 )))${hex:18}"
    id=$(printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf '%b' | base64 -w 0 | tr '+/' '-_' | tr -d '=')
    case "$id" in -*) continue ;; esac
    printf '%s' "$id"
    return
  done
}

umask 077
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat > "$tmp" <<ENV
# Written by deploy/init-env.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ). Keep it secret; never commit it.
# The meaning of each setting: deploy/.env.example. InfluxDB reads INFLUX_ADMIN_* only on
# its first start: changing them here later does not change them in InfluxDB.
INFLUX_ORG=weather-lab
INFLUX_ADMIN_USER=weather-admin
INFLUX_ADMIN_PASSWORD=$(random_b64url 24)
INFLUX_ADMIN_TOKEN=$(random_b64url 32)
GRAFANA_ADMIN_USER=weather-admin
GRAFANA_ADMIN_PASSWORD=$(random_b64url 24)
KAFKA_CLUSTER_ID=$(kraft_cluster_id)
EXPORTER=telegraf
ENV
# ln refuses an existing target: a file created since the check above is not overwritten.
if ! ln "$tmp" "$out" 2>/dev/null; then
  echo "init-env.sh: $out appeared while writing; not overwriting it" >&2
  exit 1
fi
echo "init-env.sh: wrote $out (mode 0600)"

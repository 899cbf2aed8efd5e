#!/bin/sh
# One scoped InfluxDB API token per consumer, made by the compose one-shot `init-tokens` (the
# only service besides `influxdb` that holds the admin token). Each token is written to
# /tokens/<role>/token, a volume that only that role's services mount (read-only):
#
#   role      permissions (org INFLUX_ORG)                        mounted by
#   telegraf  write bucket weather                                telegraf (outputs.influxdb_v2)
#   inject    write bucket weather                                inject
#   bridge    read bucket weather                                 telegraf (hosted bridge), producer, consumer
#   grafana   read bucket weather                                 grafana
#   alerts    read bucket weather; read/write checks, notification
#             endpoints and rules, tasks; read orgs               init-alert
#
# Idempotent, run on every `up`: a role keeps its token while the file holds a token that
# InfluxDB still lists under the role's description ("weather-lab:<role>"); otherwise (first
# start, lost volume, restored InfluxDB backup) the role's old authorizations are deleted and a
# new one is written. Needs INFLUX_HOST, INFLUX_TOKEN (admin), INFLUX_ORG, WEATHER_BUCKET.
set -eu
: "${INFLUX_HOST:?}" "${INFLUX_TOKEN:?}" "${INFLUX_ORG:?}" "${WEATHER_BUCKET:?}"
tokens=${TOKENS_DIR:-/tokens}

die() { echo "E! [init-tokens] $*" >&2; exit 1; }
say() { echo "I! [init-tokens] $*" >&2; }

buckets=$(influx bucket list --org "$INFLUX_ORG" --name "$WEATHER_BUCKET" --hide-headers) \
  || die "cannot list buckets of org $INFLUX_ORG at $INFLUX_HOST: is INFLUX_ADMIN_TOKEN the token InfluxDB was set up with? (DOCKER_INFLUXDB_INIT_* apply on the first start only)"
bucket_id=$(printf '%s\n' "$buckets" | awk 'NR == 1 { print $1 }')
[ -n "$bucket_id" ] || die "bucket $WEATHER_BUCKET not found in org $INFLUX_ORG"

# ensure ROLE FLAG...: the role's token file holds a live token with exactly these permissions.
ensure() {
  role=$1; shift
  desc="weather-lab:$role"
  dir="$tokens/$role"
  [ -d "$dir" ] || die "$dir is not mounted"
  # Table columns: ID, Description, Token, ... (our descriptions hold no spaces).
  listed=$(influx auth list --org "$INFLUX_ORG" --hide-headers | awk -v d="$desc" '$2 == d { print $1, $3 }')
  current=$(cat "$dir/token" 2>/dev/null || true)
  if [ -n "$current" ] && printf '%s\n' "$listed" | awk -v t="$current" '$2 == t { ok = 1 } END { exit !ok }'; then
    say "$role: token kept"
    return
  fi
  printf '%s\n' "$listed" | while read -r id _; do
    [ -z "$id" ] || influx auth delete --id "$id" >/dev/null
  done
  token=$(influx auth create --org "$INFLUX_ORG" --description "$desc" "$@" --hide-headers | awk 'NR == 1 { print $3 }')
  [ -n "$token" ] || die "$role: influx auth create printed no token"
  # Written without a newline (Grafana's $__file and Telegraf's secret store read it whole),
  # readable by the consuming container's user whatever its uid: only that role mounts the volume.
  printf '%s' "$token" > "$dir/token.new"
  chmod 0444 "$dir/token.new"
  mv -f "$dir/token.new" "$dir/token"
  say "$role: new token ($*)"
}

ensure telegraf --write-bucket "$bucket_id"
ensure inject --write-bucket "$bucket_id"
ensure bridge --read-bucket "$bucket_id"
ensure grafana --read-bucket "$bucket_id"
ensure alerts --read-bucket "$bucket_id" --read-orgs --read-tasks --write-tasks \
  --read-checks --write-checks --read-notificationEndpoints --write-notificationEndpoints \
  --read-notificationRules --write-notificationRules
say "tokens ready in $tokens"

#!/usr/bin/env bash
# deploy/init-env.sh: a complete .env with fresh strong secrets and a valid KRaft cluster id,
# mode 0600, accepted by compose; never overwrites.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
script="$deploy_dir/init-env.sh"

"$script" "$work/a.env" > /dev/null
"$script" "$work/b.env" > /dev/null
value() { sed -n "s/^$1=//p" "$2"; }

check "mode 0600" [ "$(stat -c %a "$work/a.env")" = 600 ]
for name in $(grep -o '^[A-Z0-9_]*=' "$deploy_dir/.env.example" | tr -d =); do
  check "$name is set" [ -n "$(value "$name" "$work/a.env")" ]
done
for name in INFLUX_ADMIN_PASSWORD INFLUX_ADMIN_TOKEN GRAFANA_ADMIN_PASSWORD KAFKA_CLUSTER_ID; do
  check "$name differs between two runs" [ "$(value "$name" "$work/a.env")" != "$(value "$name" "$work/b.env")" ]
done
check "token: 43 base64url characters (32 bytes)" \
  grep -qE '^INFLUX_ADMIN_TOKEN=[A-Za-z0-9_-]{43}$' "$work/a.env"
check "passwords: 32 base64url characters (24 bytes)" \
  [ "$(grep -cE '^(INFLUX|GRAFANA)_ADMIN_PASSWORD=[A-Za-z0-9_-]{32}$' "$work/a.env")" = 2 ]

# The cluster id as Kafka's Uuid.fromString reads it: base64url, 16 bytes, version 4 UUID.
cluster_ok() {
  python3 - "$1" <<'PY'
import base64, sys, uuid
s = sys.argv[1]
assert len(s) == 22 and not s.startswith("-"), s
raw = base64.urlsafe_b64decode(s + "==")
assert len(raw) == 16, raw
u = uuid.UUID(bytes=raw)
assert u.version == 4 and u.variant == uuid.RFC_4122, u
PY
}
for i in $(seq 1 20); do "$script" "$work/id$i.env" > /dev/null; done
all_ok=yes
for i in $(seq 1 20); do cluster_ok "$(value KAFKA_CLUSTER_ID "$work/id$i.env")" || all_ok=no; done
check "20 cluster ids: 22 chars, 16 bytes, UUID v4, no leading '-'" [ "$all_ok" = yes ]

cp "$work/a.env" "$work/a.before"
if "$script" "$work/a.env" > "$work/out" 2>&1; then fail "second run into a.env succeeded"; else pass "refuses an existing file"; fi
check "existing file unchanged" cmp -s "$work/a.env" "$work/a.before"
check "refusal names the file" grep -q "$work/a.env exists" "$work/out"
ln -s "$work/nowhere" "$work/link.env"
if "$script" "$work/link.env" > /dev/null 2>&1; then fail "wrote through a dangling symlink"; else pass "refuses a symlink"; fi
check "no temp file left" [ -z "$(find "$work" -name '*.env.*' -print -quit)" ]

if command -v docker-compose > /dev/null; then
  check "compose config accepts the written .env" \
    docker-compose -f "$deploy_dir/compose.yaml" --env-file "$work/a.env" config -q
fi
finish

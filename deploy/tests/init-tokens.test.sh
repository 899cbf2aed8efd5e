#!/usr/bin/env bash
# deploy/influxdb/init-tokens.sh against a stub `influx` that keeps authorizations in a file,
# as InfluxDB would: one scoped token per role, kept while valid, replaced when its file or
# its authorization is gone, clear errors for a rejected admin token or a missing bucket.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
script="$deploy_dir/influxdb/init-tokens.sh"
export INFLUX_HOST=http://influxdb:8086 INFLUX_TOKEN=admin-token INFLUX_ORG=weather-lab WEATHER_BUCKET=weather
export TOKENS_DIR="$work/tokens" AUTHS="$work/auths" STUB_BUCKETS="0a1b2c3d4e5f6a7b\tweather\t720h0m0s\tn/a\t9f8e7d6c5b4a3f2e"
: > "$AUTHS"
roles="telegraf inject bridge grafana alerts"
for r in $roles; do mkdir -p "$TOKENS_DIR/$r"; done

# influx stub: bucket list, auth list/create/delete over the $AUTHS table (ID DESC TOKEN USER).
cat > "$work/bin/influx" <<'STUB'
#!/usr/bin/env bash
echo "influx $*" >> "$CALLS"
[ "${STUB_REJECT:-}" != yes ] || { echo "Error: unauthorized access" >&2; exit 1; }
case "$1 $2" in
  "bucket list") [ -z "$STUB_BUCKETS" ] || printf '%b\n' "$STUB_BUCKETS" ;;
  "auth list") while read -r id desc token; do printf '%s\t%s\t%s\tweather-admin\t0c0d\t[perms]\n' "$id" "$desc" "$token"; done < "$AUTHS" ;;
  "auth create")
    desc=""; prev=""; for a in "$@"; do [ "$prev" = --description ] && desc=$a; prev=$a; done
    n=$(( $(wc -l < "$AUTHS") + $(grep -c . "$CALLS") ))
    id=$(printf 'a%015d' "$n"); token="tok-$n-$RANDOM"
    echo "$id $desc $token" >> "$AUTHS"
    printf '%s\t%s\t%s\tweather-admin\t0c0d\t[perms]\n' "$id" "$desc" "$token" ;;
  "auth delete")
    id=""; prev=""; for a in "$@"; do [ "$prev" = --id ] && id=$a; prev=$a; done
    grep -v "^$id " "$AUTHS" > "$AUTHS.new" || true; mv "$AUTHS.new" "$AUTHS" ;;
  *) echo "stub influx: unexpected $*" >&2; exit 2 ;;
esac
STUB
chmod +x "$work/bin/influx"

sh "$script" 2> "$work/err1" || fail "first run failed: $(cat "$work/err1")"
check "five authorizations, one per role" [ "$(wc -l < "$AUTHS")" = 5 ]
for r in $roles; do
  f="$TOKENS_DIR/$r/token"
  check "$r: token file holds its authorization's token, no newline" \
    grep -q "^[^ ]* weather-lab:$r $(cat "$f")\$" "$AUTHS"
  check "$r: file mode 0444" [ "$(stat -c %a "$f")" = 444 ]
  check "$r: one line, no trailing newline" [ "$(wc -l < "$f")" = 0 ]
done
perm() { calls_matching "auth create .*--description weather-lab:$1 " ; }
check "telegraf: write bucket only" bash -c '[[ "$0" == *"--write-bucket 0a1b2c3d4e5f6a7b --hide-headers"* && "$0" != *read* ]]' "$(perm telegraf)"
check "inject: write bucket only" bash -c '[[ "$0" == *"--write-bucket 0a1b2c3d4e5f6a7b --hide-headers"* && "$0" != *read* ]]' "$(perm inject)"
check "bridge: read bucket only" bash -c '[[ "$0" == *"--read-bucket 0a1b2c3d4e5f6a7b --hide-headers"* && "$0" != *write* ]]' "$(perm bridge)"
check "grafana: read bucket only" bash -c '[[ "$0" == *"--read-bucket 0a1b2c3d4e5f6a7b --hide-headers"* && "$0" != *write* ]]' "$(perm grafana)"
check "alerts: checks and notifications, no bucket write" \
  bash -c '[[ "$0" == *--write-checks* && "$0" == *--write-notificationEndpoints* && "$0" == *--write-notificationRules* && "$0" != *write-bucket* ]]' "$(perm alerts)"
check "no all-access or operator token is ever made" [ -z "$(calls_matching 'all-access|operator')" ]

cp "$AUTHS" "$work/auths.first"
: > "$CALLS"
sh "$script" 2> "$work/err2" || fail "second run failed"
check "second run keeps every token" cmp -s "$AUTHS" "$work/auths.first"
check "second run creates and deletes nothing" [ -z "$(calls_matching 'auth (create|delete)')" ]

# Grafana's volume lost: only Grafana gets a new token, its old authorization is deleted.
old_grafana_id=$(awk '$2 == "weather-lab:grafana" { print $1 }' "$AUTHS")
rm "$TOKENS_DIR/grafana/token"
: > "$CALLS"
sh "$script" 2> /dev/null
check "lost file: the old authorization is deleted" [ -n "$(calls_matching "auth delete --id $old_grafana_id")" ]
check "lost file: only that role is recreated" [ "$(calls_matching 'auth create' | grep -c .)" = 1 ]
check "lost file: still one authorization per role" [ "$(grep -c 'weather-lab:grafana' "$AUTHS")" = 1 ]

# InfluxDB restored from a backup: the bridge's file no longer matches any authorization.
sed -i 's/\(weather-lab:bridge\) .*/\1 restored-token/' "$AUTHS"
: > "$CALLS"
sh "$script" 2> /dev/null
check "stale token: bridge gets a new one" [ "$(cat "$TOKENS_DIR/bridge/token")" != restored-token ] 
check "stale token: its file matches InfluxDB again" grep -q "weather-lab:bridge $(cat "$TOKENS_DIR/bridge/token")\$" "$AUTHS"

if STUB_REJECT=yes sh "$script" 2> "$work/err3"; then fail "rejected admin token: succeeded"; else pass "rejected admin token: fails"; fi
check "rejected admin token: says that INIT_* apply on the first start only" grep -q "first start only" "$work/err3"
if STUB_BUCKETS="" sh "$script" 2> "$work/err4"; then fail "missing bucket: succeeded"; else pass "missing bucket: fails"; fi
check "missing bucket: names it" grep -q "bucket weather not found" "$work/err4"
rm -r "$TOKENS_DIR/alerts"
if sh "$script" 2> "$work/err5"; then fail "unmounted volume: succeeded"; else pass "unmounted volume: fails"; fi
check "unmounted volume: names it" grep -q "alerts is not mounted" "$work/err5"
finish

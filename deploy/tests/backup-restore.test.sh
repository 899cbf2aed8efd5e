#!/usr/bin/env bash
# deploy/backup.sh and deploy/restore.sh with a stub `docker` that records every call and
# plays the deployment: the order of stops, backups, restores and starts, the files and
# MANIFEST written, what goes into which service, and every refusal.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export ENV_FILE="$work/.env" COMPOSE_FILE_PATH="$deploy_dir/compose.yaml"
"$deploy_dir/init-env.sh" "$ENV_FILE" > /dev/null
export STUB_RUNNING="influxdb kafka1 kafka2 kafka3 telegraf kafdrop grafana" STUB_FAIL=""

# docker stub: `docker compose -f F --env-file E ARGS...`; records ARGS (and the sha256 of
# stdin for commands that read it), prints what the real command would stream.
cat > "$work/bin/docker" <<'STUB'
#!/usr/bin/env bash
[ "$1" = compose ] || { echo "stub docker: $*" >&2; exit 2; }
shift; [ "$1" = -f ] && shift 2; [ "$1" = --env-file ] && shift 2
line="$*"
case "$line" in
  *"tar -C /tmp/weather-restore -xf -"*|*"tar -C \"\$0\" -xpf -"*) line="$line <stdin:$(sha256sum | cut -c1-12)>" ;;
esac
echo "$line" >> "$CALLS"
if [ -n "$STUB_FAIL" ] && [[ "$line" == *"$STUB_FAIL"* ]]; then echo "stub: failing $STUB_FAIL" >&2; exit 1; fi
case "$line" in
  "ps --services --filter status=running") printf '%s\n' $STUB_RUNNING ;;
  "exec -T influxdb sh -c"*"influx backup"*) echo "influx-backup-stream" ;;
  "run --rm --no-deps -T --user 0 --entrypoint tar "*) set -- $line; echo "volume-stream-of-$9" ;;
esac
exit 0
STUB
chmod +x "$work/bin/docker"

# --- backup ---
"$deploy_dir/backup.sh" "$work/b1" 2> "$work/b1.err" || fail "backup failed: $(cat "$work/b1.err")"
for f in influxdb kafka1 kafka2 kafka3 grafana inject; do check "backup wrote $f.tar" [ -s "$work/b1/$f.tar" ]; done
check "influxdb.tar is influx backup's stream" grep -qx influx-backup-stream "$work/b1/influxdb.tar"
check "kafka2.tar is kafka2's volume" grep -qx volume-stream-of-kafka2 "$work/b1/kafka2.tar"
check "backup folder mode 0700" [ "$(stat -c %a "$work/b1")" = 700 ]
check "MANIFEST: cluster id" grep -qx "KAFKA_CLUSTER_ID=$(sed -n 's/^KAFKA_CLUSTER_ID=//p' "$ENV_FILE")" "$work/b1/MANIFEST"
check "MANIFEST: no admin token, only its hash" bash -c '! grep -qF "$(sed -n "s/^INFLUX_ADMIN_TOKEN=//p" "$0")" "$1" && grep -q "^influx_admin_token_sha256=[0-9a-f]\{64\}$" "$1"' "$ENV_FILE" "$work/b1/MANIFEST"
check "MANIFEST: six checksums that verify" bash -c 'cd "$0" && [ "$(grep -c "^sha256 " MANIFEST)" = 6 ] && sed -n "s/^sha256 //p" MANIFEST | sha256sum -c --quiet' "$work/b1"
check "writers stop before influx backup" before '^stop telegraf$' 'influx backup'
check "producer (not running) is not stopped or started" [ -z "$(calls_matching '(stop|start).*producer')" ]
check "influx backup before the brokers stop" before 'influx backup' '^stop kafdrop grafana kafka1 kafka2 kafka3$'
check "brokers stop before their volumes are copied" before '^stop kafdrop grafana kafka1 kafka2 kafka3$' 'entrypoint tar kafka1 '
check "grafana's volume copied after it stopped" before '^stop kafdrop grafana' 'entrypoint tar grafana '
check "brokers start after the copies" before 'entrypoint tar inject ' '^start kafka1 kafka2 kafka3$'
check "then the others start" before '^start kafka1 kafka2 kafka3$' '^start telegraf kafdrop grafana$'
check "volumes copied by one-off containers without ports or dependencies" \
  [ "$(calls_matching '^run --rm --no-deps -T --user 0 --entrypoint tar [a-z0-9]+ -C /[a-z/-]+ -cf - \.$' | grep -c .)" = 5 ]

# A failure mid-way: the stopped services start again, no MANIFEST, non-zero exit.
: > "$CALLS"
if STUB_FAIL="entrypoint tar kafka2" "$deploy_dir/backup.sh" "$work/b2" 2> "$work/b2.err"; then fail "backup with a failing copy succeeded"; else pass "backup with a failing copy fails"; fi
check "failed backup: no MANIFEST" [ ! -e "$work/b2/MANIFEST" ]
check "failed backup: brokers started again" [ -n "$(calls_matching '^start kafka1 kafka2 kafka3$')" ]
check "failed backup: says INCOMPLETE" grep -q INCOMPLETE "$work/b2.err"
if "$deploy_dir/backup.sh" "$work/b1" 2> "$work/b3.err"; then fail "backup into an existing folder succeeded"; else pass "backup refuses an existing folder"; fi
if STUB_RUNNING="kafka1" "$deploy_dir/backup.sh" "$work/b4" 2> "$work/b4.err"; then fail "backup without influxdb succeeded"; else pass "backup refuses when influxdb is not running"; fi
check "no folder made when refused" [ ! -e "$work/b4" ]

# --- restore ---
: > "$CALLS"
if "$deploy_dir/restore.sh" "$work/b1" 2> "$work/r1.err"; then fail "restore without --yes succeeded"; else pass "restore without --yes refuses"; fi
check "without --yes: no docker call" [ ! -s "$CALLS" ]
check "without --yes: says what it would replace" grep -q "REPLACES InfluxDB" "$work/r1.err"

cp -r "$work/b1" "$work/bad"; echo tampered >> "$work/bad/kafka3.tar"
if "$deploy_dir/restore.sh" "$work/bad" --yes 2> "$work/r2.err"; then fail "restore of a tampered backup succeeded"; else pass "restore refuses a checksum mismatch"; fi
rm "$work/bad/grafana.tar"
if "$deploy_dir/restore.sh" "$work/bad" --yes 2> "$work/r3.err"; then fail "restore with a missing file succeeded"; else pass "restore refuses a missing file"; fi
check "missing file named" grep -q "grafana.tar is missing" "$work/r3.err"
if "$deploy_dir/restore.sh" "$work/b2" --yes 2> /dev/null; then fail "restore of an incomplete backup succeeded"; else pass "restore refuses a backup without MANIFEST"; fi

"$deploy_dir/init-env.sh" "$work/other.env" > /dev/null
if ENV_FILE="$work/other.env" "$deploy_dir/restore.sh" "$work/b1" --yes 2> "$work/r4.err"; then fail "restore into another cluster id succeeded"; else pass "restore refuses another KAFKA_CLUSTER_ID"; fi
check "cluster id refusal explains" grep -q "brokers would refuse" "$work/r4.err"
sed "s/^KAFKA_CLUSTER_ID=.*/$(grep ^KAFKA_CLUSTER_ID= "$ENV_FILE")/" "$work/other.env" > "$work/other2.env"
if ENV_FILE="$work/other2.env" "$deploy_dir/restore.sh" "$work/b1" --yes 2> "$work/r5.err"; then fail "restore with another admin token succeeded"; else pass "restore refuses another INFLUX_ADMIN_TOKEN"; fi
check "refusals made no docker call" [ ! -s "$CALLS" ]

"$deploy_dir/restore.sh" "$work/b1" --yes 2> "$work/r6.err" || fail "restore failed: $(cat "$work/r6.err")"
sha() { sha256sum < "$work/b1/$1" | cut -c1-12; }
check "everything that writes or reads stops first" before '^stop telegraf producer kafdrop grafana kafka1 kafka2 kafka3$' 'influx restore'
check "influxdb runs for the restore" before '^up -d --wait influxdb$' 'influx restore'
check "influx restore --full gets influxdb.tar" [ -n "$(calls_matching "influx restore --full .*<stdin:$(sha influxdb.tar)>")" ]
for s in kafka1 kafka2 kafka3 grafana inject; do
  check "$s's volume emptied and refilled from $s.tar" [ -n "$(calls_matching "^run --rm --no-deps -T --user 0 --entrypoint sh $s -c .*find .* -delete.*tar .* /[a-z/-]+ <stdin:$(sha "$s.tar")>$")" ]
done
check "brokers refilled after they stopped" before '^stop telegraf' 'entrypoint sh kafka1 '
check "the deployment starts last" [ "$(tail -n 1 "$CALLS")" = "up -d" ]
finish

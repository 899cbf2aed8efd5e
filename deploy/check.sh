#!/usr/bin/env bash
# Validates the deployment without a Docker engine (CI runs this):
#  1. with a .env written by deploy/init-env.sh, `config -q` passes (EXPORTER=telegraf and
#     standalone, profile tools); with any one required variable unset or empty, `config`
#     fails naming it;
#  2. deploy/lib/check_compose.py on the resolved files: pinned image tags, ports on 127.0.0.1
#     only (brokers: their EXTERNAL listener only, advertised as that address), no secret in
#     compose.yaml, the admin token only in influxdb and init-tokens, each scoped token volume
#     read-only in its role's services only, the start order (init-tokens -> inject ->
#     exporter), exactly one exporter for each EXPORTER value, every binary a service runs
#     shipped by the image; Grafana's token file, data sources and weather_alert
#     annotations; the Dockerfile's COPY sources in the build context;
#  3. the deploy scripts' tests (deploy/tests/*.test.sh: init-env, init-tokens, backup and
#     restore, TLS certificates), with stub commands where they would need Docker;
#  4. the image's build command, deploy/build-binaries.sh, runs here (release build of the
#     binaries the image ships, the same command and flags); each binary answers --help.
#     `deploy/check.sh --skip-build` skips this step.
# Needs: docker-compose (Debian package, `apt-get install -y --no-install-recommends
# docker-compose`), python3 with PyYAML (a dependency of that package), openssl, cargo.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
compose="$here/compose.yaml"
example="$here/.env.example"
build=yes
case "${1:-}" in
  --skip-build) build=no ;;
  '') ;;
  *) echo "usage: deploy/check.sh [--skip-build]" >&2; exit 2 ;;
esac
command -v docker-compose >/dev/null || { echo "check.sh: docker-compose is not installed" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Variables the compose file requires (`${NAME:?message}`), from the file itself.
mapfile -t required < <(grep -o '\${[A-Z0-9_]*:?' "$compose" | sed 's/^\${//; s/:?$//' | sort -u)
[ ${#required[@]} -gt 0 ] || { echo "check.sh: compose.yaml requires no variable?" >&2; exit 1; }

# A complete .env, as a user makes it.
"$here/init-env.sh" "$work/full.env" > /dev/null

# Compose reads the shell environment before --env-file: make sure it cannot mask a gap.
unset_args=()
for name in "${required[@]}"; do
  unset_args+=(-u "$name")
  grep -q "^$name=" "$example" || { echo "FAIL: $name is required by compose.yaml but missing from .env.example" >&2; exit 1; }
done
# dc ENV_FILE [-f OVERLAY] ARGS...
dc() {
  local files=(-f "$compose") envf=$1; shift
  if [ "${1:-}" = -f ]; then files+=(-f "$2"); shift 2; fi
  env "${unset_args[@]}" docker-compose "${files[@]}" --env-file "$envf" "$@"
}

echo "compose: config with a .env from deploy/init-env.sh"
dc "$work/full.env" config -q
dc "$work/full.env" --profile tools config > "$work/resolved.yaml"
sed 's/^EXPORTER=.*/EXPORTER=standalone/' "$work/full.env" > "$work/standalone.env"
dc "$work/standalone.env" --profile tools config > "$work/resolved-standalone.yaml"

for name in "${required[@]}"; do
  for how in unset empty; do
    if [ "$how" = unset ]; then grep -v "^$name=" "$work/full.env" > "$work/gap.env"
    else sed "s/^$name=.*/$name=/" "$work/full.env" > "$work/gap.env"; fi
    if dc "$work/gap.env" config -q > "$work/gap.out" 2>&1; then
      echo "FAIL: config passed with $name $how" >&2; exit 1
    fi
    grep -q "$name" "$work/gap.out" || { echo "FAIL: error for $name $how does not name it:" >&2; cat "$work/gap.out" >&2; exit 1; }
  done
done
echo "compose: config fails fast for each of ${#required[@]} required variables (${required[*]})"

# The binaries the image ships: every binary of the telegraf-execd-* packages (as
# deploy/build-binaries.sh builds them).
(cd "$root" && cargo metadata --format-version 1 --no-deps --offline --locked) > "$work/metadata.json" \
  || { echo "FAIL: cargo metadata failed" >&2; exit 1; }
mapfile -t image_bins < <(python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    for t in p["targets"]:
        if "bin" in t["kind"] and p["name"].startswith("telegraf-execd-"): print(t["name"])' "$work/metadata.json")
python3 "$here/lib/check_compose.py" "$work/resolved.yaml" "$work/resolved-standalone.yaml" \
  "$compose" "$root" "${image_bins[*]}"

echo "compose: TLS overlay (compose.tls.yaml)"
dc "$work/full.env" -f "$here/compose.tls.yaml" --profile tools config > "$work/resolved-tls.yaml"
python3 "$here/lib/check_tls.py" "$work/resolved.yaml" "$work/resolved-tls.yaml"

# Lint of the deploy scripts (warnings and errors), where shellcheck is installed.
if command -v shellcheck > /dev/null; then
  (cd "$here" && shellcheck -x -S warning ./*.sh tls/*.sh lib/*.sh influxdb/*.sh && cd tests && shellcheck -x -S warning ./*.sh)
  echo "shellcheck: deploy scripts clean"
else
  echo "shellcheck: not installed, deploy scripts not linted (apt-get install shellcheck)"
fi

for t in "$here"/tests/*.test.sh; do
  bash "$t" > "$work/test.out" 2>&1 || { cat "$work/test.out" >&2; echo "FAIL: $t" >&2; exit 1; }
  echo "deploy test: $(tail -n 1 "$work/test.out")"
done

if [ "$build" = yes ]; then
  # The builder stage's command as the image runs it; the target folder is the caller's
  # (CARGO_TARGET_DIR or target/), so CI builds the release binaries once.
  echo "image: deploy/build-binaries.sh (release build of the binaries the image ships)"
  "$here/build-binaries.sh" "$work/bin"
  for bin in "$work"/bin/*; do
    "$bin" --help > /dev/null || { echo "FAIL: $(basename "$bin") --help" >&2; exit 1; }
  done
  echo "image: built and ran --help of: $(cd "$work/bin" && echo *)"
fi
echo "deploy/check.sh: OK"

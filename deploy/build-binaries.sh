#!/usr/bin/env bash
# Builds the binaries the image ships and installs them into OUT_DIR: every binary of every
# workspace package named telegraf-execd-* (our Telegraf plugins: weather, kafka-bridge, and
# alerts once that crate is in the workspace), in release, with the workspace's locked
# dependencies and each package's default features (zstd and TLS for the bridge's librdkafka).
#
#   deploy/build-binaries.sh OUT_DIR
#
# deploy/Dockerfile's builder stage runs this script, and deploy/check.sh runs it here, so the
# image and CI build with the same command. Needs cargo, gcc, g++, make, pkg-config, libssl-dev.
set -euo pipefail
out=${1:?usage: deploy/build-binaries.sh OUT_DIR}
cd "$(dirname "$0")/.."

artifacts=$(mktemp)
trap 'rm -f "$artifacts"' EXIT
cargo build --release --locked -p 'telegraf-execd-*' --bins \
  --message-format=json-render-diagnostics > "$artifacts"

mkdir -p "$out"
count=0
# Cargo reports each built binary as "executable":"PATH" (null for libraries).
while IFS= read -r exe; do
  install -m 0755 "$exe" "$out/$(basename "$exe")"
  echo "installed $out/$(basename "$exe")"
  count=$((count + 1))
done < <(grep -o '"executable":"[^"]*"' "$artifacts" | sed 's/^"executable":"//; s/"$//' | sort -u)
[ "$count" -gt 0 ] || { echo "build-binaries.sh: cargo built no binary" >&2; exit 1; }

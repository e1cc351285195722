#!/usr/bin/env bash
# What `npm run bench` needs beyond `npm ci`: Coccinelle (spatch), to compare
# against, and GNU time, for peak memory. Debian packages; idempotent; run as root
# (or with sudo). Not part of `npm test`: the benchmark skips what is missing.
set -euo pipefail

need=()
command -v spatch >/dev/null 2>&1 || need+=(coccinelle)
[ -x /usr/bin/time ] || need+=(time)

if [ ${#need[@]} -eq 0 ]; then
  echo "setup-bench: nothing to install ($(spatch --version 2>/dev/null | head -1))"
  exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup-bench: run as root to install: ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
echo "setup-bench: installed ${need[*]} ($(spatch --version 2>/dev/null | head -1))"

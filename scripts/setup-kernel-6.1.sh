#!/usr/bin/env bash
# Debian's linux-source-6.1 kernel/kcov.c, for the tests that check the model on a second real kernel
# (a stable backport that also keeps the softirq's saved state in task_struct). Extracted into
# .cache/linux-6.1 (or DEST); nothing extracted is committed.
# Usage: scripts/setup-kernel-6.1.sh [DEST]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$here/.cache/linux-6.1}
tarball=/usr/src/linux-source-6.1.tar.xz
stamp=$dest/.extracted

if [ -f "$stamp" ] && [ -f "$dest/kernel/kcov.c" ]; then
  echo "kernel 6.1 files ready in $dest"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-kernel-6.1: $tarball is missing; run as root or: sudo apt-get install -y linux-source-6.1" >&2
    exit 2
  fi
  echo "installing linux-source-6.1 with apt-get..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq linux-source-6.1 >/dev/null
fi

mkdir -p "$dest"
echo "extracting kernel/kcov.c of 6.1 into $dest..."
tar -xJf "$tarball" -C "$dest" --strip-components=1 --wildcards '*/kernel/kcov.c'
touch "$stamp"
echo "kernel 6.1 files ready in $dest"

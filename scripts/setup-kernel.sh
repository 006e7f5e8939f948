#!/usr/bin/env bash
# Installs Debian's linux-source-6.12 (when missing) and extracts the files kcov-review and its tests
# use into a cache folder (default: .cache/linux-6.12 in this checkout). Nothing extracted is committed.
# Usage: scripts/setup-kernel.sh [DEST]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-$here/.cache/linux-6.12}
tarball=/usr/src/linux-source-6.12.tar.xz
stamp=$dest/.extracted

if [ -f "$stamp" ] && [ -f "$dest/kernel/kcov.c" ]; then
  echo "kernel files ready in $dest"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-kernel: $tarball is missing; run as root or: sudo apt-get install -y linux-source-6.12" >&2
    exit 2
  fi
  echo "installing linux-source-6.12 with apt-get..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq linux-source-6.12 >/dev/null
fi

mkdir -p "$dest"
echo "extracting kcov.c, checkpatch.pl and the memory-model litmus tests into $dest..."
tar -xJf "$tarball" -C "$dest" --strip-components=1 --wildcards \
  '*/kernel/kcov.c' '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' \
  '*/tools/memory-model/*' '*/Documentation/dev-tools/kcov.rst' '*/include/linux/kcov.h'
touch "$stamp"
echo "kernel files ready in $dest"

#!/usr/bin/env bash
# Installs Debian's linux-source-<version> (when missing) and extracts the files kcov-review and its
# tests use into a cache folder. Nothing extracted is committed.
#   6.12 (default): kcov.c, checkpatch.pl, the memory-model litmus tests, kcov.rst -> .cache/linux-6.12
#   6.1: kcov.c only (a second real kernel for the model's tests)             -> .cache/linux-6.1
# Usage: scripts/setup-kernel.sh [--version 6.12|6.1] [DEST]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
version=6.12
if [ "${1:-}" = --version ]; then version=${2:?--version needs 6.12 or 6.1}; shift 2; fi
case "$version" in
  6.12) files=('*/kernel/kcov.c' '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
               '*/tools/memory-model/*' '*/Documentation/dev-tools/kcov.rst' '*/include/linux/kcov.h') ;;
  6.1) files=('*/kernel/kcov.c') ;;
  *) echo "setup-kernel: unknown version $version (6.12 or 6.1)" >&2; exit 2 ;;
esac
dest=${1:-$here/.cache/linux-$version}
tarball=/usr/src/linux-source-$version.tar.xz
stamp=$dest/.extracted

if [ -f "$stamp" ] && [ -f "$dest/kernel/kcov.c" ]; then
  echo "kernel $version files ready in $dest"
  exit 0
fi

if [ ! -f "$tarball" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-kernel: $tarball is missing; run as root or: sudo apt-get install -y linux-source-$version" >&2
    exit 2
  fi
  echo "installing linux-source-$version with apt-get..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "linux-source-$version" >/dev/null
fi

mkdir -p "$dest"
echo "extracting ${files[*]} of $version into $dest..."
tar -xJf "$tarball" -C "$dest" --strip-components=1 --wildcards "${files[@]}"
touch "$stamp"
echo "kernel $version files ready in $dest"

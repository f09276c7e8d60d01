#!/usr/bin/env bash
# Installs the build in BUILD_DIR into a scratch prefix, then builds and runs the consumer
# project against it with find_package (CMake) and with pkg-config.
set -euo pipefail
build_dir=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer_static"
if [ -x "$work/build/consumer_shared" ]; then
  LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu" "$work/build/consumer_shared"
fi

pc_dir=$(dirname "$(find "$work/prefix" -name kcell.pc | head -n 1)")
# shellcheck disable=SC2046
cc -std=c99 "$here/main.c" -o "$work/consumer_pc" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --static --cflags --libs kcell)
# -lkcell picks libkcell.so when the shared library is installed too.
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu" "$work/consumer_pc"

# The ABI rule of kcell.h's "Version" (cmake/KcellAbi.cmake): while the major version is 0,
# only the same 0.MINOR is compatible, so the package refuses another minor (older too) and
# the shared library's SONAME carries the minor; from 1.0, the same major and SONAME MAJOR.
header="$work/prefix/include/kcell/kcell.h"
major=$(sed -n 's/^#define KCELL_VERSION_MAJOR \([0-9]*\).*/\1/p' "$header")
minor=$(sed -n 's/^#define KCELL_VERSION_MINOR \([0-9]*\).*/\1/p' "$header")
refuses() {  # refuses VERSION: find_package(kcell VERSION) must not find this install
  mkdir -p "$work/want_$1"
  printf 'cmake_minimum_required(VERSION 3.25)\nproject(want LANGUAGES C CXX)\nfind_package(kcell %s CONFIG REQUIRED)\n' \
    "$1" > "$work/want_$1/CMakeLists.txt"
  if cmake -S "$work/want_$1" -B "$work/want_$1/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
       >/dev/null 2>&1; then
    echo "consumer: find_package(kcell $1) accepted kcell $major.$minor" >&2
    exit 1
  fi
}
refuses "$major.$((minor + 1))"
refuses "$((major + 1)).0"
if [ "$major" -eq 0 ]; then
  [ "$minor" -gt 0 ] && refuses "0.$((minor - 1))"
  soname="libkcell.so.0.$minor"
else
  soname="libkcell.so.$major"
fi
shared=$(find "$work/prefix" -name 'libkcell.so' | head -n 1)
if [ -n "$shared" ] && ! readelf -d "$shared" | grep -q "SONAME.*\[$soname\]"; then
  echo "consumer: $shared has not the SONAME $soname:" >&2
  readelf -d "$shared" | grep SONAME >&2
  exit 1
fi
echo "consumer: find_package and pkg-config both work; the version rule and SONAME hold"

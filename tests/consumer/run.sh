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
echo "consumer: find_package and pkg-config both work"

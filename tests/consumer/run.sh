#!/usr/bin/env bash
# Installs the build in BUILD_DIR into a scratch prefix (not /usr/local), then builds and
# runs the consumer project against it with find_package (CMake) and with pkg-config, as
# docs/getting-started.md says: pkg-config links the static library (no libkcell.so
# needed at run time), the shared build runs with LD_LIBRARY_PATH. Checks the installed
# version header and the pkg-config file's version and licence; the shared library with
# an rpath.
# usage: run.sh BUILD_DIR PROJECT_VERSION
set -euo pipefail
build_dir=$1
version=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
libdir=$(dirname "$(find "$work/prefix" -name 'libkcell.a' | head -n 1)")
cmake -S "$here" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer_static"
if [ -x "$work/build/consumer_shared" ]; then
  LD_LIBRARY_PATH="$libdir" "$work/build/consumer_shared"
fi

# The version macros of the installed header come from project(kcell VERSION ...).
IFS=. read -r major minor patch <<< "$version"
header=$work/prefix/include/kcell/version.h
grep -q "#define KCELL_VERSION_MAJOR $major " "$header"
grep -q "#define KCELL_VERSION_MINOR $minor " "$header"
grep -q "#define KCELL_VERSION_PATCH $patch " "$header"

export PKG_CONFIG_PATH=$libdir/pkgconfig
test "$(pkg-config --modversion kcell)" = "$version"
grep -qx "License: Apache-2.0" "$libdir/pkgconfig/kcell.pc"
for static in --static ""; do
  # shellcheck disable=SC2046,SC2086
  cc -std=c99 "$here/main.c" -o "$work/consumer_pc" $(pkg-config $static --cflags --libs kcell)
  if readelf -d "$work/consumer_pc" | grep -q 'NEEDED.*libkcell'; then
    echo "pkg-config $static --libs kcell linked libkcell.so, not libkcell.a" >&2
    exit 1
  fi
  "$work/consumer_pc"  # no LD_LIBRARY_PATH: the static library is in the program
done
# The shared library from a scratch prefix, found through the rpath recorded in the program.
if [ -e "$libdir/libkcell.so" ]; then
  # shellcheck disable=SC2046
  cc -std=c99 "$here/main.c" -o "$work/consumer_rpath" $(pkg-config --cflags kcell) \
    -L"$libdir" -lkcell -Wl,-rpath,"$libdir"
  readelf -d "$work/consumer_rpath" | grep -q 'NEEDED.*libkcell[.]so'
  env -u LD_LIBRARY_PATH "$work/consumer_rpath"
fi
echo "consumer: find_package and pkg-config (static, version $version, Apache-2.0) work"

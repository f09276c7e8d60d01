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

# The ABI rule of kcell.h's "Version" (cmake/KcellAbi.cmake): while the major version is 0,
# only the same 0.MINOR is compatible, so the package refuses another minor (older too) and
# the shared library's SONAME carries the minor; from 1.0, the same major and SONAME MAJOR.
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
shared=$libdir/libkcell.so
if [ -e "$shared" ] && ! readelf -d "$shared" | grep -q "SONAME.*\[$soname\]"; then
  echo "consumer: $shared has not the SONAME $soname:" >&2
  readelf -d "$shared" | grep SONAME >&2
  exit 1
fi
echo "consumer: find_package and pkg-config (static, version $version, Apache-2.0) work; the version rule and SONAME hold"

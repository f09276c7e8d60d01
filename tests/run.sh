#!/usr/bin/env bash
# Builds kcell (Release, warnings as errors) in build/ and runs every test with CTest.
# Extra arguments go to ctest, e.g. `tests/run.sh -R data`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KCELL_BUILD_DIR:-$top/build}
cmake -S "$top" -B "$build" -DKCELL_WARNINGS_AS_ERRORS=ON ${KCELL_CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"

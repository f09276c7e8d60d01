#!/usr/bin/env bash
# README command 2: installs what the tests need when something is missing, builds kcell
# with its tests (Release, warnings as errors) in build-tests/ and runs every test with
# CTest. Extra arguments go to ctest, e.g. `tests/run.sh -R data`. Independent of
# samples/scripts/quickstart.sh (build/), before or after it.
# KCELL_BUILD_DIR chooses the build folder, KCELL_CMAKE_ARGS adds CMake settings (which may
# override the build type). Fails when no test ran.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KCELL_BUILD_DIR:-$top/build-tests}
bash "$top/samples/scripts/install-deps.sh" main tests
# shellcheck disable=SC2086
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DKCELL_BUILD_TESTS=ON \
  -DKCELL_WARNINGS_AS_ERRORS=ON ${KCELL_CMAKE_ARGS:-}
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure --no-tests=error -j"$(nproc)" "$@"

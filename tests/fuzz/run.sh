#!/usr/bin/env bash
# Runs the libFuzzer targets of a KCELL_BUILD_FUZZERS build one after another.
#   tests/fuzz/run.sh BUILD_DIR SECONDS_EACH [TARGET...]     (default: every target)
# Each target starts from its committed seed corpus (corpus/<target>/, read only) and the
# inputs of fixed bugs (regressions/<target>/); what it learns goes to a work corpus in
# BUILD_DIR/fuzz-work/<target>, kept between runs. A crash, leak, sanitizer report or time-out
# leaves its input in BUILD_DIR/fuzz-artifacts/ and makes the script fail. Prints one line
# per target: executions, seconds, corpus size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
seconds=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy npz idx png model_file ensemble_file architecture)
mkdir -p "$build/fuzz-artifacts"
status=0
for t in "${targets[@]}"; do
  work="$build/fuzz-work/$t"
  mkdir -p "$work"
  inputs=("$work" "$here/corpus/$t")
  [ -d "$here/regressions/$t" ] && inputs+=("$here/regressions/$t")
  log="$build/fuzz-artifacts/$t.log"
  # -rss_limit_mb: the readers cap what an input may declare (max_bytes), so real use
  # stays far below this; -timeout: one input taking seconds is a bug too.
  if ! TMPDIR="$build" "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
      -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=20 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$t-" "${inputs[@]}" > "$log" 2>&1; then
    echo "fuzz_$t FAILED; see $log"
    grep -E "ERROR|bug|SUMMARY" "$log" | head -5 || true
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
  echo "fuzz_$t: ${runs:-?} executions in ${took:-$seconds} s, corpus $(ls "$work" | wc -l) files"
done
exit $status

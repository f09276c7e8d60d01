#!/usr/bin/env bash
# expect_exit.sh CODE COMMAND...: runs COMMAND and succeeds only if it exits with CODE and
# printed exactly one line on stderr (a clear message, never a crash dump).
expected=$1
shift
err=$("$@" 2>&1 >/dev/null)
code=$?
echo "$err"
[ "$code" -eq "$expected" ] || { echo "exit $code, expected $expected"; exit 1; }
lines=$(printf '%s\n' "$err" | grep -c .)
[ "$lines" -eq 1 ] || { echo "expected one line on stderr, got $lines"; exit 1; }

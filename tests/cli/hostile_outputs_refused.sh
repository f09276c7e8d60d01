#!/usr/bin/env bash
# Outputs are checked before any work and written by the one atomic writer: a target that
# is a device, a FIFO or a link, a missing folder, a name too long, or an output that is
# also an input makes kcell exit 1 with one line at once (--epochs 100000 would train for
# hours, so passing within the timeout shows nothing trained); the fixed "<path>.tmp" of old
# is never used, so a link planted there is not followed; a replaced file keeps its mode.
# usage: hostile_outputs_refused.sh KCELL FIXTURES OUT
set -uo pipefail
kcell=$1 fx=$2 out=$3
expect="timeout 60 $(dirname "$0")/../expect_exit.sh 1 $kcell"
model=$out/model.kcell
w=$out/hostile
rm -rf "$w" && mkdir -p "$w"
cp "$fx/cells.npz" "$w/cells.npz"
cp "$model" "$w/model.kcell"
cp "$fx/png/test_0.png" "$w/in.png"
mkfifo "$w/fifo"
ln -s "$w/victim.json" "$w/link.json"
long=$(printf 'n%.0s' $(seq 256))
failed=0
case_() { $expect "$@" || { echo "  ^ for: kcell $*"; failed=1; }; }
long_train() { case_ train --data "$w/cells.npz" --epochs 100000 --threads 1 "$@"; }

# 1. targets that are not regular files
long_train --out /dev/null
long_train --json "$w/fifo"
long_train --out "$w/link.json"
case_ eval --model "$w/model.kcell" --data "$w/cells.npz" --json /dev/full
# [10].4: folders that do not exist, names too long
long_train --out "$w/missing/m.kcell"
long_train --json "$w/missing/t.json"
long_train --out "$w/$long"
case_ eval --model "$w/model.kcell" --data "$w/cells.npz" --json "$w/$long"
case_ predict --model "$w/model.kcell" --json "$w/missing/p.json" "$w/in.png"
case_ sweep --data "$w/cells.npz" --grid "epochs=100000" --out "$w/missing/s.csv"
case_ sweep --data "$w/cells.npz" --grid "epochs=100000" --save-best "$w/$long"
if [ "$(id -u)" -ne 0 ]; then  # root may write anywhere
  mkdir -p "$w/readonly" && chmod 555 "$w/readonly"
  long_train --out "$w/readonly/m.kcell"
  long_train --report "$w/readonly/report"
fi
# 2. an output that is an input (also through another spelling or a link)
ln -s "$w/cells.npz" "$w/cells-link.npz"
long_train --out "$w/cells.npz"
long_train --json "$w/../hostile/cells.npz"
long_train --out "$w/cells-link.npz"
case_ eval --model "$w/model.kcell" --data "$w/cells.npz" --json "$w/model.kcell"
case_ predict --model "$w/model.kcell" --json "$w/in.png" "$w/in.png"
case_ sweep --data "$w/cells.npz" --grid "epochs=100000" --save-best "$w/cells.npz"
cmp -s "$fx/cells.npz" "$w/cells.npz" || { echo "cells.npz was changed"; failed=1; }
cmp -s "$model" "$w/model.kcell" || { echo "model.kcell was changed"; failed=1; }
cmp -s "$fx/png/test_0.png" "$w/in.png" || { echo "in.png was changed"; failed=1; }
[ -p "$w/fifo" ] && [ -L "$w/link.json" ] && [ ! -e "$w/victim.json" ] ||
  { echo "a FIFO or link target was replaced or followed"; failed=1; }

# 3. a link planted at the old fixed temporary name is neither followed nor removed
echo "precious" > "$w/precious"
ln -s "$w/precious" "$w/e.json.tmp"
"$kcell" eval --model "$w/model.kcell" --data "$w/cells.npz" --json "$w/e.json" >/dev/null ||
  { echo "eval --json failed"; failed=1; }
[ "$(cat "$w/precious")" = "precious" ] && [ -L "$w/e.json.tmp" ] ||
  { echo "the planted link was followed or removed"; failed=1; }
grep -q '"accuracy"' "$w/e.json" || { echo "e.json was not written"; failed=1; }
# ... and a replaced file keeps its permissions
chmod 600 "$w/e.json"
"$kcell" eval --model "$w/model.kcell" --data "$w/cells.npz" --json "$w/e.json" >/dev/null
[ "$(stat -c %a "$w/e.json")" = "600" ] || { echo "e.json lost its mode 600"; failed=1; }
leftover=$(find "$w" -name '.*kcell-tmp-*' | head -1)
[ -z "$leftover" ] || { echo "temporary file left: $leftover"; failed=1; }
exit $failed

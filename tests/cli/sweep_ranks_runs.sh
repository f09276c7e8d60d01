#!/usr/bin/env bash
# kcell sweep trains every combination of its grid (architectures included), applies the
# other training options to every run, and writes the runs ranked best first as CSV, JSON
# and Markdown; --save-best keeps the best run's model.
# usage: sweep_ranks_runs.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3/sweep
check="/usr/bin/python3 $(dirname "$0")/check_outputs.py"
mkdir -p "$out"
"$kcell" sweep --data "$fx/cells.npz" --epochs 2 --threads 1 --quiet \
  --grid "lr=3e-3,1e-3 model=lenet5,conv(8,3) bn relu maxpool(2) flatten dense" \
  --out "$out/sweep.csv" --save-best "$out/best.kcell" | tee "$out/sweep.txt"
$check sweep-table "$out/sweep.csv" 4 val_balanced_accuracy
test "$(grep -c '^run [1-4]/4: lr=' "$out/sweep.txt")" -eq 4
grep -q '| rank | lr ' "$out/sweep.txt"
grep -q 'conv(8,3) bn relu maxpool(2) flatten dense' "$out/sweep.csv"
# --epochs 2 applied to every run.
test "$(grep -c ',[12]/2,' "$out/sweep.csv")" -eq 4
"$kcell" summary "$out/best.kcell" >/dev/null

"$kcell" sweep --data "$fx/cells.npz" --epochs 1 --threads 1 --quiet --rank-by val_loss \
  --grid "augment=none,hflip+rot90" --grid "class-weights=none,auto" --out "$out/sweep.json" \
  >/dev/null
/usr/bin/python3 - "$out/sweep.json" <<'PY'
import json, sys
table = json.load(open(sys.argv[1]))
assert table["ranked_by"] == "val_loss", table["ranked_by"]
runs = table["runs"]
assert len(runs) == 4, len(runs)
losses = [r["val_loss"] for r in runs]
assert losses == sorted(losses), losses
assert {tuple(sorted(r["settings"].items())) for r in runs} == {
    (("augment", a), ("class-weights", w)) for a in ("none", "hflip+rot90") for w in ("none", "auto")}
PY
echo "sweep ok"

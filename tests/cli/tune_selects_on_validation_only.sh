#!/usr/bin/env bash
# kcell tune: successive halving prints and saves a sweep-style table with every rung, saves
# the pick, and selects on validation only: the same search on a copy whose test labels
# are scrambled gives the same table and the same pick (only the test numbers change).
# With --ensemble K the pick is the best recipe under K seeds, saved as one ensemble. A budget
# too small for more than the baseline run leaves the rest out and picks it.
# usage: tune_selects_on_validation_only.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3/tune
mkdir -p "$out"
/usr/bin/python3 - "$fx/cells.npz" "$out/scrambled.npz" <<'PY'
import sys, numpy as np
arrays = dict(np.load(sys.argv[1]))
rng = np.random.default_rng(0)
labels = arrays["test_labels"]
arrays["test_labels"] = ((labels + 1 + rng.integers(0, 2, labels.shape)) % (labels.max() + 1)).astype(labels.dtype)
np.savez(sys.argv[2], **arrays)
PY
tune() {  # DATA NAME
  "$kcell" tune --data "$1" --budget 30 --threads 1 --quiet --candidates 4 --min-epochs 1 \
    --max-epochs 2 --eta 2 --ensemble 1 --grid "lr=3e-3,1e-3 augment=none,hflip" \
    --table "$out/$2.csv" --json "$out/$2.json" --out "$out/$2.kcell" > "$out/$2.txt"
}
tune "$fx/cells.npz" plain
tune "$out/scrambled.npz" scrambled
grep -q '| rank | lr ' "$out/plain.txt"
grep -q '^pick: lr=' "$out/plain.txt"
"$kcell" eval --model "$out/plain.kcell" --data "$fx/cells.npz" --json "$out/eval.json" --quiet \
  > /dev/null
/usr/bin/python3 - "$out" <<'PY'
import csv, json, sys
out = sys.argv[1]
def table(name):  # every column but the wall time
    rows = list(csv.DictReader(open(f"{out}/{name}.csv")))
    for r in rows: r.pop("minutes")
    return rows
plain, scrambled = table("plain"), table("scrambled")
# Rungs: 4 candidates at 1 epoch, the best 2 at 2 epochs (the latest rung first), and the
# defaults' recipe (the first candidate: lr 0.001 and the recipe's augmentation) beside them
# when it is not among the best 2.
second = [r for r in plain if r["epochs"] == "2"]
assert [r["epochs"] for r in plain] == ["2"] * len(second) + ["1"] * 4, plain
defaults = lambda r: r["augment"] == "hflip+vflip+rot90+jitter+rotate" and float(r["lr"]) == 0.001
assert any(defaults(r) for r in second), plain
assert len(second) == (2 if any(defaults(r) for r in plain[len(second):][:2]) else 3), plain
assert plain == scrambled, (plain, scrambled)
p, s = json.load(open(f"{out}/plain.json")), json.load(open(f"{out}/scrambled.json"))
assert p["pick"] == s["pick"] and p["pick"][0]["epochs"] == "2", (p["pick"], s["pick"])
assert p["pick"][0]["lr"] == plain[0]["lr"] and p["pick"][0]["augment"] == plain[0]["augment"]
assert p["test"]["accuracy"] != s["test"]["accuracy"], "the scrambled test labels changed nothing"
assert p["rungs_done"] == 2 and len(p["table"]) == 4 + len(second)
evaluation = json.load(open(f"{out}/eval.json"))
assert evaluation["accuracy"] == p["test"]["accuracy"], (evaluation["accuracy"], p["test"])
PY
# The pick with --ensemble 2: the best recipe trained again under the next seed, and the two
# saved as one ensemble that eval reads.
"$kcell" tune --data "$fx/cells.npz" --budget 30 --threads 1 --quiet --candidates 2 \
  --min-epochs 1 --max-epochs 2 --eta 2 --ensemble 2 --seed 7 --grid "lr=3e-3,1e-3" \
  --json "$out/seeds.json" --out "$out/seeds.kcell" > "$out/seeds.txt"
grep -q '^ensemble run 2/2: the pick.s recipe with seed 8' "$out/seeds.txt"
grep -q '^pick: lr=.*, an ensemble of seeds 7-8$' "$out/seeds.txt"
"$kcell" eval --model "$out/seeds.kcell" --data "$fx/cells.npz" --json "$out/seeds_eval.json" \
  --quiet > /dev/null
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
tune, evaluation = json.load(open(f"{out}/seeds.json")), json.load(open(f"{out}/seeds_eval.json"))
pick = tune["pick"]
assert tune["ensemble_members"] == 2 and [m["seed"] for m in pick] == ["7", "8"], pick
assert pick[0]["lr"] == pick[1]["lr"] and pick[0]["epochs"] == pick[1]["epochs"], pick
assert evaluation["accuracy"] == tune["test"]["accuracy"], (evaluation, tune["test"])
PY
# A budget that the baseline (the defaults' recipe at the length --epochs gives it, which
# the last rung takes) already uses up: the rest is left out, and the baseline is the pick.
"$kcell" tune --data "$fx/cells.npz" --budget 0.01 --threads 1 --quiet --candidates 3 \
  --min-epochs 1 --epochs 3 --grid "lr=3e-3,1e-3,3e-4" --out "$out/tiny.kcell" > "$out/tiny.txt"
grep -q '^baseline: the defaults' "$out/tiny.txt"
grep -q 'tuning 3 candidates in 2 rungs (epochs 1 3)' "$out/tiny.txt"
grep -q 'rung 1: 3 run(s) left out, the budget would be exceeded' "$out/tiny.txt"
grep -q '^ensemble: 2 more seed(s) left out, the budget would be exceeded' "$out/tiny.txt"
grep -q '^pick: lr=0.001 epochs=3$' "$out/tiny.txt"
test -s "$out/tiny.kcell"
echo "tune ok"

#!/usr/bin/env bash
# kcell train --seeds 3 trains seeds 42..44, prints one row per seed and a mean ± sd row
# that really is the mean and sample sd of the rows, writes them to --json and --report,
# and saves the 3 models as one ensemble file whose eval matches the printed ensemble.
# usage: train_seeds_report_mean_sd.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3/seeds
mkdir -p "$out"
"$kcell" train --data "$fx/cells.npz" --epochs 2 --threads 1 --seeds 3 \
  --out "$out/ensemble.kcell" --json "$out/train.json" --report "$out/report" > "$out/train.txt"
for seed in 42 43 44; do grep -q "^| $seed | " "$out/train.txt"; done
grep -q '^| mean ± sd | ' "$out/train.txt"
"$kcell" eval --model "$out/ensemble.kcell" --data "$fx/cells.npz" --json "$out/eval.json" \
  --quiet > /dev/null
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys, zipfile
out = sys.argv[1]
train = json.load(open(f"{out}/train.json"))
seeds = train["seeds"]
assert train["ensemble_members"] == 3 and seeds["seeds"] == [42, 43, 44], seeds["seeds"]
acc = [r["accuracy"] for r in seeds["runs"]]
spread = seeds["mean_sd"]["test_accuracy"]
assert abs(spread["mean"] - statistics.mean(acc)) < 1e-12, (spread, acc)
assert abs(spread["sd"] - statistics.stdev(acc)) < 1e-12, (spread, acc)
for name in ("val_accuracy", "val_auc", "train_val_gap", "test_auc", "test_balanced_accuracy",
             "minutes"):
    assert seeds["mean_sd"][name]["n"] == 3, name
# The printed table's mean row for test_accuracy.
rows = [l for l in open(f"{out}/train.txt") if l.startswith("| ")]
header = [c.strip() for c in rows[0].strip("|\n").split("|")]
mean_row = [c.strip() for c in rows[-1].strip("|\n").split("|")]
assert mean_row[0] == "mean ± sd", mean_row
got = mean_row[header.index("test_accuracy")]
assert got == "%.4f ± %.4f" % (spread["mean"], spread["sd"]), got
# The saved ensemble is what the final evaluation described.
evaluation = json.load(open(f"{out}/eval.json"))
assert evaluation["accuracy"] == train["accuracy"] and evaluation["auc"] == train["auc"]
with zipfile.ZipFile(f"{out}/ensemble.kcell") as z:
    assert json.loads(z.read("kcell.json"))["format"] == "kcell-ensemble"
    assert sorted(z.namelist()) == ["kcell.json"] + [f"members/{i}.kcell" for i in range(3)]
report = json.load(open(f"{out}/report/metrics.json"))
assert report["seeds"]["seeds"] == [42, 43, 44]
assert report["seeds"]["mean_sd"]["test_accuracy"] == spread
assert "3 seeds" in open(f"{out}/report/report.html").read()
PY
echo "seeds ok"

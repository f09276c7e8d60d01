#!/usr/bin/env bash
# kcell eval on the trained fixture model: its --json equals the test evaluation of the
# training run, its validation numbers with --tta none equal the kept epoch's (validation
# during training runs without test-time augmentation, eval with the model's by default),
# `--json -` prints only JSON, and --report writes metrics.json and report.html.
# usage: eval_matches_training.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3
check="/usr/bin/python3 $(dirname "$0")/check_outputs.py"
mkdir -p "$out"
"$kcell" eval --model "$out/model.kcell" --data "$fx/cells.npz" --threads 1 \
  --json "$out/eval_test.json" --report "$out/eval_report" | tee "$out/eval_test.txt"
grep -Eq '^test: 80 images +loss [0-9.]+ +accuracy [0-9.]+ +balanced accuracy' "$out/eval_test.txt"
grep -q 'confusion (rows: true class' "$out/eval_test.txt"
$check same-evaluation "$out/eval_test.json" "$out/report/metrics.json"
$check same-evaluation "$out/eval_report/metrics.json" "$out/eval_test.json"
test -s "$out/eval_report/report.html"
test ! -e "$out/eval_report/history.csv"

grep -Eq '^test: .* TTA dihedral \(8 views\)$' "$out/eval_test.txt"  # the recipe's flips and turns
json_field() { /usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
test "$(json_field "$out/eval_test.json" tta)" = dihedral

# Validation during training runs without test-time augmentation: --tta none reproduces it.
"$kcell" eval --model "$out/model.kcell" --data "$fx/cells.npz" --threads 1 --split val \
  --tta none --json - > "$out/eval_val.json"
$check val-matches-kept-epoch "$out/eval_val.json" "$out/report/metrics.json"
test "$(json_field "$out/eval_val.json" tta)" = none
"$kcell" eval --model "$out/model.kcell" --data "$fx/cells.npz" --threads 1 --split val \
  --json - > "$out/eval_val_tta.json"
test "$(json_field "$out/eval_val_tta.json" tta)" = dihedral
test "$(json_field "$out/eval_val_tta.json" loss)" != "$(json_field "$out/eval_val.json" loss)"
echo "eval agrees with training"

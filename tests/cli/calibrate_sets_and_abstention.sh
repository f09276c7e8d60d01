#!/usr/bin/env bash
# kcell calibrate on the trained fixture model: it prints the temperature and the sets'
# test coverage, saves a model whose eval JSON has the temperature and a "conformal" object
# (coverage, set size, per-class coverage) and whose report shows the calibration panel;
# kcell predict --sets lists each image's set and --min-confidence answers "uncertain"
# below it; a model without sets refuses --sets; train --calibrate calibrates at the end.
# usage: calibrate_sets_and_abstention.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3
check="/usr/bin/python3 $(dirname "$0")/check_outputs.py"
mkdir -p "$out"
"$kcell" calibrate --model "$out/model.kcell" --data "$fx/cells.npz" --threads 1 --alpha 0.2 \
  --out "$out/calibrated.kcell" | tee "$out/calibrate.txt"
grep -Eq '^val \(80 images\): temperature 1.0000 -> [0-9.]+ +NLL [0-9.]+ -> [0-9.]+ +ECE' "$out/calibrate.txt"
grep -Eq '^test conformal sets: coverage [0-9.]+ \(target >= 0.8000\)' "$out/calibrate.txt"
"$kcell" eval --model "$out/calibrated.kcell" --data "$fx/cells.npz" --threads 1 \
  --json "$out/eval_calibrated.json" --report "$out/calibrated_report" > "$out/eval_calibrated.txt"
grep -Eq '^test calibration: ECE [0-9.]+ +classwise ECE [0-9.]+ +NLL [0-9.]+ +Brier [0-9.]+ +temperature' "$out/eval_calibrated.txt"
grep -Eq '^test conformal sets \(alpha 0.2\): coverage' "$out/eval_calibrated.txt"
$check calibrated-evaluation "$out/eval_calibrated.json" 0.2
grep -q 'id="calibration"' "$out/calibrated_report/report.html"
grep -q 'id="conformal"' "$out/calibrated_report/report.html"

# Sets and abstention in predict, lines and JSON.
"$kcell" predict --model "$out/calibrated.kcell" "$fx/test_images.npy" --threads 1 --sets \
  --min-confidence 0.99 --json "$out/predict_sets.json" > "$out/predict_sets.txt"
$check predict-sets "$out/predict_sets.txt" "$out/predict_sets.json" 0.99
if "$kcell" predict --model "$out/model.kcell" "$fx/test_images.npy" --sets > "$out/no_sets.txt" 2>&1; then
  echo "predict --sets without a calibration succeeded"; exit 1
fi
grep -q 'no conformal calibration' "$out/no_sets.txt"

# train --calibrate --alpha: the saved model is calibrated.
"$kcell" train --data "$fx/cells.npz" --epochs 1 --threads 1 --calibrate --alpha 0.1 \
  --out "$out/trained_calibrated.kcell" --json "$out/trained_calibrated.json" > "$out/train_calibrate.txt"
grep -q '^calibrated on val: temperature' "$out/train_calibrate.txt"
$check calibrated-evaluation "$out/trained_calibrated.json" 0.1
echo "calibration, sets and abstention work end to end"

#!/usr/bin/env bash
# kcell eval and predict in bf16 and int8 on the trained fixture model: they run, eval
# states the precision (text, --json, the report's settings), int8 calibrates on --data's
# validation split unless --calibrate names another dataset, accuracy stays within 0.05 of
# fp32 and predicted classes agree with fp32 on at least 90% of the images, and predict
# prints one line per image. bf16 is checked where the CPU has it, and its refusal
# (exit 1, one line) everywhere by hiding it from oneDNN; `kcell sweep --grid
# "precision=fp32,bf16"` trains in both.
# usage: bf16_and_int8_stay_close_to_fp32.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3/precision
model=$3/model.kcell
data=$fx/cells.npz
here=$(dirname "$0")
check="/usr/bin/python3 $here/check_outputs.py"
mkdir -p "$out"
# 80 test images: 0.05 is 4 of them, 90% agreement 8 may change class. Both margins are
# several times what rounding moves on this well-separated fixture.
tolerance=0.05 agreement=0.9
precisions="int8"
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then precisions="bf16 int8"; fi

"$kcell" eval --model "$model" --data "$data" --threads 1 --json "$out/eval_fp32.json" \
  > "$out/eval_fp32.txt"
grep -qx 'precision: fp32' "$out/eval_fp32.txt"
"$kcell" predict --model "$model" --threads 1 --json "$out/predict_fp32.json" \
  "$fx/test_images.npy" > "$out/predict_fp32.txt"
for p in $precisions; do
  calibrate=()
  [ "$p" = int8 ] && calibrate=(--calibrate "$data")
  "$kcell" eval --model "$model" --data "$data" --threads 1 --precision "$p" \
    --json "$out/eval_$p.json" > "$out/eval_$p.txt"
  grep -q "^precision: $p" "$out/eval_$p.txt"
  $check close-evaluation "$out/eval_fp32.json" "$out/eval_$p.json" "$p" "$tolerance"
  "$kcell" predict --model "$model" --threads 1 --precision "$p" "${calibrate[@]}" \
    --json "$out/predict_$p.json" "$fx/test_images.npy" > "$out/predict_$p.txt"
  $check predict-lines "$out/predict_$p.txt" "$(wc -l < "$out/predict_fp32.txt")"
  $check agreeing-predictions "$out/predict_fp32.json" "$out/predict_$p.json" "$agreement"
done

# int8 calibrates on --data's validation split (80 images), never the test split it scores.
grep -qx "precision: int8, calibrated on the first 80 validation images of $data" \
  "$out/eval_int8.txt"
/usr/bin/python3 - "$out/eval_int8.json" "$data" <<'PY'
import json, sys
calibration = json.load(open(sys.argv[1]))["calibration"]
assert calibration == {"data": sys.argv[2], "split": "val", "images": 80}, calibration
PY
# --calibrate naming another dataset (here a copy), and the report's settings.
cp "$data" "$out/calibration.npz"
"$kcell" eval --model "$model" --data "$data" --threads 1 --split val --precision int8 \
  --calibrate "$out/calibration.npz" --quiet --report "$out/report_int8" > /dev/null
/usr/bin/python3 - "$out/report_int8/metrics.json" "$out/calibration.npz" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))
settings = metrics["settings"]
assert settings["precision"] == "int8", settings
assert settings["calibration"] == "the first 80 validation images of " + sys.argv[2], settings
assert metrics["val"]["precision"] == "int8", metrics["val"]
PY

# bf16 on a CPU without it: refused with one line, exit 1 (oneDNN's ISA capped below it).
DNNL_MAX_CPU_ISA=AVX512_CORE "$here/../expect_exit.sh" 1 "$kcell" eval --model "$model" \
  --data "$data" --precision bf16 | grep -q 'AVX-512 BF16'
if [ "$precisions" = "bf16 int8" ]; then
  "$kcell" sweep --data "$data" --epochs 1 --threads 1 --quiet --grid "precision=fp32,bf16" \
    --out "$out/sweep.csv" > "$out/sweep.txt"
  grep -q '^run 2/2: precision=bf16$' "$out/sweep.txt"
  $check sweep-table "$out/sweep.csv" 2 val_balanced_accuracy
else
  echo "note: this CPU has no AVX-512 BF16; bf16 was checked only for its refusal"
fi
echo "bf16 and int8 stay close to fp32"

#!/usr/bin/env bash
# Shows what kcell's remedies do on real data (Fashion-MNIST from Debian), 2 threads:
#  1. overfitting: 5,000 training images, no regularisation vs dropout + weight decay +
#     augmentation + early stopping (best validation accuracy, train-validation gap);
#  2. imbalance: classes 5-9 cut to 10%, plain vs auto class weights vs balanced sampling
#     (balanced accuracy and per-class recall on the balanced test split).
# usage: tests/bench/regularisation_demo.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
out=${2:-$(mktemp -d)}
kcell="$build/tools/kcell/kcell"
/usr/bin/python3 "$here/make_fashion_subsets.py" "$out"

plain="conv(32,3) bn relu conv(32,3) bn relu maxpool(2) conv(64,3) bn relu conv(64,3) bn relu maxpool(2) flatten dense(256) relu dense"

# No remedy at all: each run below adds only what it names (the program's defaults are
# the tuned TissueMNIST settings, which already include several remedies).
baseline=(--optimizer adam --weight-decay 0 --schedule constant --augment none
          --class-weights none --early-stop none)

# Runs one configuration; prints its best validation accuracy, last gap and test line.
run() {
  local name=$1
  shift
  local args=() i
  for ((i = 0; i < ${#baseline[@]}; i += 2)); do  # a run's own setting replaces the baseline's
    [[ " $* " == *" ${baseline[i]} "* ]] || args+=("${baseline[i]}" "${baseline[i + 1]}")
  done
  "$kcell" train --threads 2 "${args[@]}" "$@" > "$out/$name.log"
  awk -v name="$name" '
    / val loss / { for (i = 1; i <= NF; ++i) { if ($i == "acc" && $(i-3) == "val") v = $(i+1); if ($i == "gap") g = $(i+1) }
                   if (v > best) { best = v; at = $2 } last = g; n++ }
    /^test: / { test = $0 } /^test recall/ { recall = $0 }
    END { printf "%-22s epochs %2d  best val acc %s (epoch %s)  last gap %s\n  %s\n  %s\n", name, n, best, at, last, test, recall }' \
    "$out/$name.log"
}

echo "== overfitting: 5,000 training images"
run small-plain --data "$out/small.npz" --model "$plain" --epochs 20
run small-regularised --data "$out/small.npz" --model reference --epochs 20 \
  --optimizer adamw --weight-decay 0.05 --augment hflip+shift --early-stop val_loss:5

echo "== imbalance: classes 5-9 at 10%"
run imbalanced-plain --data "$out/imbalanced.npz" --epochs 4
run imbalanced-weighted --data "$out/imbalanced.npz" --epochs 4 --class-weights auto
run imbalanced-balanced --data "$out/imbalanced.npz" --epochs 4 --balanced
echo "logs in $out"

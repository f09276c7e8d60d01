#!/usr/bin/env bash
# kcell summary describes a preset at the default 1x28x28 input with 8 classes, a spec at
# a given shape, and a model file at its own shape with its test-time augmentation.
# usage: summary_describes_models.sh KCELL OUT
set -euo pipefail
kcell=$1 out=$2
"$kcell" summary reference > "$out/summary_reference.txt"
grep -q '^reference: input 1×28×28, 8 classes' "$out/summary_reference.txt"
grep -Eq '^total +870,504 ' "$out/summary_reference.txt"
"$kcell" summary "conv(8,3) relu gap dense" --channels 3 --size 32 --classes 5 \
  > "$out/summary_spec.txt"
grep -q 'input 3×32×32, 5 classes' "$out/summary_spec.txt"
# conv: 8*3*3*3 + 8 = 224 parameters, dense: 8*5 + 5 = 45.
grep -Eq '^total +269 ' "$out/summary_spec.txt"
"$kcell" summary "$out/model.kcell" > "$out/summary_model.txt"
grep -q 'model.kcell: input 1×28×28, 4 classes' "$out/summary_model.txt"
grep -q '^trained for [0-9]* epochs' "$out/summary_model.txt"
grep -q '^test-time augmentation: dihedral (8 views)$' "$out/summary_model.txt"
echo "summaries ok"

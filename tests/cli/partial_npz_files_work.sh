#!/usr/bin/env bash
# .npz files with only some splits: train on one with train and val only (no test split
# to report on), then eval --split test and predict on one with only the test split
# (labels of shape (N,)); train on that one says which splits it needs (exit 1, one line).
# usage: partial_npz_files_work.sh KCELL DATA_FIXTURES OUT
set -euo pipefail
kcell=$1 data=$2 out=$3/partial
expect="$(dirname "$0")/../expect_exit.sh"
mkdir -p "$out"
test_only=$data/medmnist_test_only.npz
train_val=$data/medmnist_train_val.npz

"$kcell" info "$test_only" | grep -Eq "test +6 images"
"$kcell" info "$train_val" | grep -Eq "train +12 images"

"$kcell" train --data "$train_val" --epochs 1 --threads 1 --out "$out/model.kcell" \
  > "$out/train.log"
grep -q "epoch 1" "$out/train.log"
test -s "$out/model.kcell"

"$kcell" eval --model "$out/model.kcell" --data "$test_only" --split test > "$out/eval.log"
grep -Eq "test: 6 images +loss [0-9.]+ +accuracy [0-9.]+" "$out/eval.log"
"$kcell" predict --model "$out/model.kcell" "$test_only" > "$out/predict.log"
test "$(grep -c "medmnist_test_only.npz\[" "$out/predict.log")" -eq 6

message=$("$expect" 1 "$kcell" train --data "$test_only" --epochs 1 --out "$out/no.kcell")
grep -q "has no training split; train needs train_images and train_labels" <<< "$message"
test ! -e "$out/no.kcell"
"$expect" 1 "$kcell" eval --model "$out/model.kcell" --data "$test_only" --split val \
  | grep -q "has no val split"
"$expect" 1 "$kcell" eval --model "$out/model.kcell" --data "$train_val" --split test \
  | grep -q "has no test split"
echo "partial .npz files: train on train+val, eval and predict on test only"

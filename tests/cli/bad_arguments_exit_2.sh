#!/usr/bin/env bash
# Every usage error of the kcell program exits 2 with one line on stderr, before any data
# is loaded or any training starts.
# usage: bad_arguments_exit_2.sh KCELL FIXTURES OUT
set -uo pipefail
kcell=$1 fx=$2 out=$3
expect="$(dirname "$0")/../expect_exit.sh 2 $kcell"
data=$fx/cells.npz
failed=0
case_() { $expect "$@" || { echo "  ^ for: kcell $*"; failed=1; }; }
case_
case_ frobnicate
case_ train
case_ train --data "$data" --epochs -1
case_ train --data "$data" --augment sideways
case_ train --data "$data" --early-stop val_auc:x
case_ train --data "$data" --early-stop best
case_ train --data "$data" --optimizer rmsprop
case_ train --data "$data" --threads -1
case_ train --data "$data" --no-such-option
case_ train --data "$data" --class-weights half
case_ train --data "$data" --precision fp16
case_ train --data "$data" --precision int8
case_ train --data "$data" --tta rot90
case_ eval --model m.kcell --data "$data" --tta 8
case_ predict --model m.kcell --tta mirror INPUT.png
case_ eval --data "$data"
case_ eval --model m.kcell --data "$data" --split holdout
case_ eval --model m.kcell --data "$data" --precision fp16
case_ eval --model m.kcell --data "$data" --calibrate x.npz
case_ eval --model m.kcell --data "$data" --precision bf16 --calibrate "$data"
case_ predict --model m.kcell
case_ predict INPUT.png
case_ predict --model m.kcell --precision int8 INPUT.png
case_ predict --model m.kcell --precision fp16 INPUT.png
case_ predict --model m.kcell --calibrate "$data" INPUT.png
case_ predict --model m.kcell --min-confidence 1.5 INPUT.png
case_ calibrate --model m.kcell --data "$data"
case_ calibrate --model m.kcell --data "$data" --out x.kcell --alpha 1
case_ calibrate --model m.kcell --data "$data" --out x.kcell --alpha -0.1
case_ train --data "$data" --alpha 2
case_ summary
case_ summary reference --channels 2
case_ summary reference --size 0
case_ summary "$out/model.kcell" --size 32
case_ sweep --data "$data"
case_ sweep --data "$data" --grid "foo=1,2"
case_ sweep --data "$data" --grid "data=a.npz"
case_ sweep --data "$data" --grid "lr=abc"
case_ sweep --data "$data" --grid "lr=1e-3 lr=3e-4"
case_ sweep --data "$data" --grid "lr="
case_ sweep --data "$data" --grid "augment=none,sideways"
case_ sweep --data "$data" --grid "epochs=1,-1"
case_ sweep --data "$data" --grid "precision=fp32,int8"
case_ sweep --data "$data" --grid "1e-3"
case_ sweep --data "$data" --grid "lr=1e-3" --out table.txt
case_ sweep --data "$data" --grid "lr=1e-3" --rank-by test_accuracy
exit $failed

#!/usr/bin/env bash
# Missing, truncated and corrupt files, wrong image sizes and unusable datasets (for int8
# calibration too, as one without a validation split) make the kcell program exit 1 with
# one clear line on stderr, never a crash.
# usage: bad_files_exit_1.sh KCELL FIXTURES OUT DATA_FIXTURES
set -uo pipefail
kcell=$1 fx=$2 out=$3 data_fixtures=$4
expect="$(dirname "$0")/../expect_exit.sh 1 $kcell"
model=$out/model.kcell
bad=$fx/bad
mkdir -p "$out/bad"
head -c "$(( $(stat -c %s "$model") / 2 ))" "$model" > "$out/bad/truncated.kcell"
failed=0
case_() { $expect "$@" || { echo "  ^ for: kcell $*"; failed=1; }; }
case_ info "$fx/missing.npz"
case_ train --data "$fx/missing.npz"
case_ train --data "$data_fixtures/truncated.npz"
case_ train --data "$fx/test_images.npy"
case_ train --data "$fx/cells.npz" --model "conv(3"
case_ train --data "$fx/cells.npz" --class-names "@$bad/classes.txt"
case_ train --data "$fx/cells.npz" --class-names "@$fx/missing.txt"
case_ train --data "$fx/cells.npz" --report "$fx/cells.npz"
case_ train --data "$data_fixtures/medmnist_compressed.npz" --tta dihedral  # 6x5: not square
case_ eval --model "$fx/missing.kcell" --data "$fx/cells.npz"
case_ eval --model "$bad/not_a_model.kcell" --data "$fx/cells.npz"
case_ eval --model "$out/bad/truncated.kcell" --data "$fx/cells.npz"
case_ eval --model "$model" --data "$fx/test_images.npy"
case_ eval --model "$model" --data "$data_fixtures/medmnist_compressed.npz"
case_ eval --model "$model" --data "$fx/cells.npz" --json "$fx/missing-folder/e.json"
case_ eval --model "$model" --data "$fx/test_images.npy" --precision int8
case_ eval --model "$model" --data "$fx/cells.npz" --precision int8 \
  --calibrate "$fx/test_images.npy"
case_ eval --model "$model" --data "$fx/cells.npz" --precision int8 --calibrate "$fx/missing.npz"
case_ eval --model "$model" --data "$fx/cells.npz" --precision int8 \
  --calibrate "$data_fixtures/medmnist_rgb.npz"
case_ predict --model "$out/bad/truncated.kcell" "$fx/png/test_0.png"
case_ predict --model "$model" "$bad/corrupt.png"
case_ predict --model "$model" "$bad/truncated.png"
case_ predict --model "$model" "$bad/wrong_size.png"
case_ predict --model "$model" "$bad/wrong_size.npy"
case_ predict --model "$model" "$fx/png/test_0.png" "$fx/missing.png"
case_ predict --model "$model" "$bad/not_a_model.kcell"
case_ predict --model "$model" --precision int8 --calibrate "$fx/test_images.npy" \
  "$fx/png/test_0.png"
case_ summary "conv(3"
case_ summary "$fx/missing.kcell"
case_ summary "$out/bad/truncated.kcell"
case_ sweep --data "$fx/test_images.npy" --grid "lr=1e-3"
case_ sweep --data "$fx/cells.npz" --grid "model=reference,conv(3"
exit $failed

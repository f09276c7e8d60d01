#!/usr/bin/env bash
# kcell predict gives the same classes and probabilities for PNG files as for the .npy
# stack they were written from; RGB (R = G = B), 16-bit, palette and grey + alpha PNGs of
# the same grey values equal the grey original; a
# colourful RGB PNG equals Pillow's grey conversion of it; lines are input, class, name,
# probability.
# usage: predict_png_matches_npy.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3/predict
check="/usr/bin/python3 $(dirname "$0")/check_outputs.py"
model=$3/model.kcell
mkdir -p "$out"
pngs=("$fx"/png/test_{0,1,2,3,4}.png)
"$kcell" predict --model "$model" --threads 1 --json "$out/png.json" "${pngs[@]}" > "$out/png.txt"
$check predict-lines "$out/png.txt" 5
# The first five images of the stack: predict all 80, keep the first five.
"$kcell" predict --model "$model" --threads 1 --json "$out/npy_all.json" "$fx/test_images.npy" \
  > "$out/npy.txt"
$check predict-lines "$out/npy.txt" 80
/usr/bin/python3 -c "import json,sys; json.dump(json.load(open(sys.argv[1]))[:5], open(sys.argv[2], 'w'))" \
  "$out/npy_all.json" "$out/npy.json"
$check same-predictions "$out/png.json" "$out/npy.json"
grep -q "test_images.npy\[79\]" "$out/npy.txt"

"$kcell" predict --model "$model" --threads 1 --json - "$fx"/png/test_0_{rgb,16bit,palette,opaque_alpha}.png \
  > "$out/variants.json"
/usr/bin/python3 -c "import json,sys; json.dump(json.load(open(sys.argv[1]))[:1] * 4, open(sys.argv[2], 'w'))" \
  "$out/npy_all.json" "$out/first.json"
$check same-predictions "$out/variants.json" "$out/first.json"

"$kcell" predict --model "$model" --threads 1 --json "$out/colour.json" "$fx/png/colour.png" >/dev/null
"$kcell" predict --model "$model" --threads 1 --json "$out/colour_grey.json" \
  "$fx/colour_as_grey.npy" >/dev/null
$check same-predictions "$out/colour.json" "$out/colour_grey.json"
echo "PNG and .npy predictions agree"

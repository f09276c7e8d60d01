#!/usr/bin/env bash
# A model trained on RGB images takes a grey PNG by copying it into the three channels:
# it predicts exactly what it predicts for the RGB stack with R = G = B.
# usage: rgb_model_takes_grey_input.sh KCELL RGB_NPZ OUT
set -euo pipefail
kcell=$1 data=$2 out=$3/rgb
mkdir -p "$out"
"$kcell" train --data "$data" --epochs 1 --threads 1 --quiet --out "$out/rgb.kcell" >/dev/null
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
from PIL import Image
grey = (np.arange(30, dtype=np.uint8) * 8).reshape(6, 5)
Image.fromarray(grey, "L").save(sys.argv[1] + "/grey.png")
np.save(sys.argv[1] + "/grey_as_rgb.npy", np.repeat(grey[None, :, :, None], 3, axis=3))
PY
"$kcell" predict --model "$out/rgb.kcell" --threads 1 --json "$out/png.json" "$out/grey.png" >/dev/null
"$kcell" predict --model "$out/rgb.kcell" --threads 1 --json "$out/npy.json" "$out/grey_as_rgb.npy" \
  >/dev/null
/usr/bin/python3 "$(dirname "$0")/check_outputs.py" same-predictions "$out/png.json" "$out/npy.json"
echo "grey PNG into an RGB model ok"

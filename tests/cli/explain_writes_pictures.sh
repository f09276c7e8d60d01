#!/usr/bin/env bash
# kcell explain writes one picture per image (the image beside its saliency map) for PNG
# files and .npy stacks, names the class it explained (the predicted one, or --class),
# with Grad-CAM and with input gradients; bad requests fail with one line before work.
# usage: explain_writes_pictures.sh KCELL FIXTURES OUT
set -euo pipefail
kcell=$1 fx=$2 out=$3/explain
rm -rf "$out"
"$kcell" explain --model "$3/model.kcell" "$fx/test_images.npy" "$fx/png/test_0.png" \
  --out "$out" --threads 1 --json "$out.json" > "$out.txt"
"$kcell" explain --model "$3/model.kcell" "$fx/png/test_1.png" --method gradient --class 2 \
  --out "$out/gradient" --threads 1 > "$out.gradient.txt"
"$kcell" predict --model "$3/model.kcell" "$fx/test_images.npy" --threads 1 > "$out.predict.txt"
/usr/bin/python3 - "$out" "$fx" <<'PY'
import json, sys
import numpy as np
from PIL import Image
out, fx = sys.argv[1], sys.argv[2]
n = len(np.load(fx + "/test_images.npy"))
lines = [l.split("\t") for l in open(out + ".txt").read().splitlines()]
assert len(lines) == n + 1, (len(lines), n)
predicted = [l.split("\t")[1] for l in open(out + ".predict.txt").read().splitlines()]
assert [l[1] for l in lines[:n]] == predicted, "explain -1 must explain the predicted class"
records = json.load(open(out + ".json"))
assert len(records) == n + 1 and records[-1]["picture"] == out + "/test_0.png"
for i in range(n):
    picture = Image.open("%s/test_images_%d.png" % (out, i))
    assert picture.mode == "RGB" and picture.size == (2 * 28 * 4 + 4, 28 * 4), picture.size
    left = np.asarray(picture)[:, :112]
    grey = np.load(fx + "/test_images.npy")[i].repeat(4, 0).repeat(4, 1)
    assert (left == grey[:, :, None]).all(), "the left half is the image itself"
g = open(out + ".gradient.txt").read().split("\t")
assert g[1] == "2" and Image.open(out + "/gradient/test_1.png").size == (228, 112)
print("explain pictures ok:", n + 1, "images")
PY
if "$kcell" explain --model "$3/model.kcell" "$fx/png/test_0.png" --out "$out" --class 99 \
  > "$out.bad.txt" 2>&1; then
  echo "explain --class 99 of a 4-class model succeeded"; exit 1
fi
grep -q 'classes' "$out.bad.txt"
echo "explain writes its pictures"

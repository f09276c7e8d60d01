#!/usr/bin/env bash
# Every subcommand on Debian's Fashion-MNIST: info, a one-epoch train with a report, eval
# agreeing with it, predict on PNGs of test images agreeing with the IDX test split,
# summary of the model, and a two-run one-epoch sweep. Exits 77 without the dataset.
# usage: fashion_mnist_end_to_end.sh KCELL OUT
set -euo pipefail
kcell=$1 out=$2
data=/usr/share/datasets/fashion-mnist
check="/usr/bin/python3 $(dirname "$0")/check_outputs.py"
if [ ! -d "$data" ]; then
  echo "Debian's dataset-fashion-mnist is not installed: skipped"
  exit 77
fi
mkdir -p "$out"
"$kcell" info "$data" > "$out/info.txt"
grep -Eq 'train +55000 images' "$out/info.txt"
# The reference CNN: the subcommands are what this test is about, and the default network
# (resnet10 at this size) took 10 of the run's minutes on a CPU without AVX-512.
"$kcell" train --data "$data" --epochs 1 --threads 2 --model reference --out "$out/fashion.kcell" \
  --report "$out/report" --json "$out/train.json" > "$out/train.txt"
$check train-report "$out/report" "$out/train.json"
grep -q '"Ankle boot"' "$out/report/metrics.json"
/usr/bin/python3 - "$out/train.json" <<'PY'
import json, sys
test = json.load(open(sys.argv[1]))
assert test["n"] == 10000, test["n"]
assert test["accuracy"] > 0.70, test["accuracy"]   # one epoch of reference: 0.78 here
PY
"$kcell" eval --model "$out/fashion.kcell" --data "$data" --threads 2 --json "$out/eval.json" \
  > /dev/null
$check same-evaluation "$out/eval.json" "$out/train.json"

# PNGs of the first test images, and the same images as a .npy stack.
/usr/bin/python3 - "$data/t10k-images-idx3-ubyte.gz" "$out" <<'PY'
import gzip, sys
import numpy as np
from PIL import Image
raw = gzip.open(sys.argv[1]).read()
images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)[:6]
np.save(sys.argv[2] + "/first6.npy", images)
for i, image in enumerate(images):
    Image.fromarray(image, "L").save("%s/test_%d.png" % (sys.argv[2], i))
PY
"$kcell" predict --model "$out/fashion.kcell" --json "$out/png.json" "$out"/test_{0,1,2,3,4,5}.png \
  > "$out/png.txt"
$check predict-lines "$out/png.txt" 6
"$kcell" predict --model "$out/fashion.kcell" --json "$out/npy.json" "$out/first6.npy" >/dev/null
$check same-predictions "$out/png.json" "$out/npy.json"

"$kcell" summary "$out/fashion.kcell" > "$out/summary.txt"
grep -q 'input 1×28×28, 10 classes' "$out/summary.txt"
"$kcell" sweep --data "$data" --epochs 1 --threads 2 --quiet --grid "lr=1e-3 model=lenet5,reference" \
  --out "$out/sweep.md" > "$out/sweep.txt"
test "$(grep -c '^| [12] ' "$out/sweep.md")" -eq 2
echo "Fashion-MNIST end to end ok"

"""An image folder (train/CLASS/*.png and test/CLASS/*.png, no val/) end to end: `kcell info`
names its classes, `kcell convert` writes a MedMNIST .npz that numpy reads with every pixel
and label as the PNGs and their folders say (val carved from each class's last files),
`kcell train --data FOLDER` names the model's classes after the folders, eval and predict
run on it; a folder holding a non-PNG file, or a PNG of another size, is refused with exit 1
and one line naming the file.

usage: image_folder_end_to_end.py KCELL OUT"""
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

kcell, out = sys.argv[1], os.path.join(sys.argv[2], "image_folder")
shutil.rmtree(out, ignore_errors=True)
folder = os.path.join(out, "cells")
CLASSES = ["blast", "lymphocyte", "neutrophil"]  # sorted, as kcell numbers them
SIZE = 28


def run(*args, code=0):
    done = subprocess.run([kcell, *args], capture_output=True, text=True)
    assert done.returncode == code, f"{args}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stdout if code == 0 else done.stderr


def image(rng, label):
    """An RGB "cell" whose colour and size tell its class."""
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    r = np.hypot(y - rng.uniform(12, 16), x - rng.uniform(12, 16))
    img = rng.normal(30, 8, size=(SIZE, SIZE, 3))
    img[r < 4 + 3 * label, label] += 180
    return np.clip(img, 0, 255).astype(np.uint8)


rng = np.random.default_rng(7)
written = {"train": {}, "test": {}}
for split, per_class in (("train", 24), ("test", 6)):
    for label, name in enumerate(CLASSES):
        os.makedirs(os.path.join(folder, split, name))
        for i in range(per_class):
            path = os.path.join(folder, split, name, "img%03d.png" % i)
            Image.fromarray(image(rng, label), "RGB").save(path)
            written[split].setdefault(label, []).append(path)

info = run("info", folder)
assert "3×28×28 images, 3 classes" in info, info
for name in CLASSES:
    assert name in info, info

# convert: numpy reads MedMNIST's layout; each class's last 2 of 24 files (round(24/12)) are val.
npz = os.path.join(out, "cells.npz")
printed = run("convert", folder, npz)
assert "wrote" in printed and "lymphocyte" in printed, printed
with np.load(npz) as data:
    assert sorted(data.files) == sorted(f"{s}_{k}" for s in ("train", "val", "test")
                                        for k in ("images", "labels")), data.files
    expected = {"train": [], "val": [], "test": []}
    for label in range(len(CLASSES)):
        files = written["train"][label]
        expected["train"] += [(p, label) for p in files[:-2]]
        expected["val"] += [(p, label) for p in files[-2:]]
        expected["test"] += [(p, label) for p in written["test"][label]]
    for split, items in expected.items():
        images, labels = data[f"{split}_images"], data[f"{split}_labels"]
        assert images.dtype == np.uint8 and images.shape == (len(items), SIZE, SIZE, 3), \
            (split, images.dtype, images.shape)
        assert labels.dtype == np.uint8 and labels.shape == (len(items), 1), labels.shape
        for i, (path, label) in enumerate(items):
            assert np.array_equal(images[i], np.asarray(Image.open(path))), (split, i, path)
            assert labels[i, 0] == label, (split, i, labels[i, 0], label)

# The folder trains directly; the model's classes are the folder names.
model = os.path.join(out, "model.kcell")
run("train", "--data", folder, "--epochs", "3", "--threads", "1", "--out", model)
summary = run("eval", "--model", model, "--data", folder, "--split", "test", "--threads", "1")
assert "test: 18 images" in summary, summary
for name in CLASSES:
    assert name in summary, summary
predicted = run("predict", "--model", model, written["test"][1][0])
assert any(name in predicted for name in CLASSES), predicted
# The .npz from convert trains to the same data shape.
assert "3×28×28 images, 3 classes" in run("info", npz)

# Hostile folders: one line naming the file, exit 1.
with open(os.path.join(folder, "train", "blast", "notes.txt"), "w") as f:
    f.write("not an image\n")
message = run("info", folder, code=1)
assert message.count("\n") == 1 and "notes.txt" in message and "not a PNG" in message, message
os.remove(os.path.join(folder, "train", "blast", "notes.txt"))
Image.fromarray(np.zeros((32, 32, 3), np.uint8), "RGB").save(
    os.path.join(folder, "test", "blast", "big.png"))
message = run("convert", folder, os.path.join(out, "no.npz"), code=1)
assert "big.png" in message and "32×32" in message and "resize" in message, message
assert not os.path.exists(os.path.join(out, "no.npz"))
print("image folder: info, convert (numpy reads it), train, eval, predict; hostile refused")

"""MedMNIST+ sizes: small generated files named as MedMNIST+ names them (NAME_64.npz,
NAME_128.npz, NAME_224.npz, the same members as the 28-pixel files), 3 channels at 64 and
224 px and 1 channel at 128 px, go through info (with its training-memory line), train, eval and predict (a .npy
stack and a PNG) end to end, in seconds.

usage: medmnist_plus_sizes_end_to_end.py KCELL OUT"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

kcell, out = sys.argv[1], os.path.join(sys.argv[2], "medmnist_plus")
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
SPEC = "conv(8,3) bn relu maxpool(4) conv(8,3) relu gap dense"


def run(*args):
    done = subprocess.run([kcell, *args], capture_output=True, text=True)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    return done.stdout


def images(rng, labels, size, channels):
    """Class c: a bright square in quadrant c, on noise; (N, H, W) or (N, H, W, 3)."""
    n = len(labels)
    shape = (n, size, size) + ((channels,) if channels == 3 else ())
    x = rng.integers(0, 60, size=shape).astype(np.int32)
    half = size // 2
    for i, c in enumerate(labels):
        y0, x0 = (c // 2) * half, (c % 2) * half
        x[i, y0:y0 + half, x0:x0 + half] += 150
    return x.clip(0, 255).astype(np.uint8)


rng = np.random.default_rng(64128)
for name, size, channels in (("bloodlike", 64, 3), ("organlike", 128, 1), ("dermalike", 224, 3)):
    path = os.path.join(out, f"{name}_{size}.npz")
    arrays = {}
    for split, n in (("train", 32), ("val", 8), ("test", 8)):
        labels = np.arange(n) % 4
        arrays[f"{split}_images"] = images(rng, labels, size, channels)
        arrays[f"{split}_labels"] = labels.astype(np.uint8).reshape(n, 1)
    np.savez_compressed(path, **arrays)

    info = run("info", path, "--model", SPEC, "--batch", "16")
    assert f"{channels}×{size}×{size} images, 4 classes" in info, info
    memory = re.search(r"training memory .*: about (\d+) MB = pixels (\d+) MB", info)
    assert memory, info
    pixels_mb = 48 * channels * size * size / 1e6
    assert abs(int(memory.group(2)) - round(pixels_mb)) <= 1, (memory.group(2), pixels_mb)
    assert int(memory.group(1)) > int(memory.group(2)), info

    model = os.path.join(out, f"{name}.kcell")
    trained = run("train", "--data", path, "--model", SPEC, "--epochs", "3", "--batch", "16",
                  "--threads", "2", "--out", model)
    assert "test: 8 images" in trained, trained
    evaluated = run("eval", "--model", model, "--data", path, "--threads", "2")
    assert "test: 8 images" in evaluated, evaluated
    assert f"input {channels}×{size}×{size}" in run("summary", model)

    stack = os.path.join(out, f"{name}_test.npy")
    np.save(stack, arrays["test_images"])
    lines = run("predict", "--model", model, stack).strip().splitlines()
    assert len([l for l in lines if l.startswith(stack + "[")]) == 8, lines
    png = os.path.join(out, f"{name}_0.png")
    Image.fromarray(arrays["test_images"][0], "RGB" if channels == 3 else "L").save(png)
    first = run("predict", "--model", model, png)
    stacked = next(l for l in lines if l.startswith(stack + "[0]"))
    assert first.split("\t")[1:3] == stacked.split("\t")[1:3], (first, stacked)
print("MedMNIST+ 64 and 224 px RGB, 128 px grey: info, train, eval, predict (.npy and PNG)")

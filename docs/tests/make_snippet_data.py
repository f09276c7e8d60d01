#!/usr/bin/python3
"""Writes a tiny TissueMNIST look-alike for the documentation examples' tests: a MedMNIST
.npz with 28x28 grayscale images of 8 classes (12 training, 2 validation and 2 test images
per class). Each class is a bright square at its own place on noise, so a few epochs learn
something. The examples open data/tissuemnist.npz; the tests run them in a folder where
that path is this file. CLASSES (at most 12) makes another class count, as Fashion-MNIST's
10, the data a reader may swap in.

usage: make_snippet_data.py OUT.npz [CLASSES]
"""
import os
import sys

import numpy as np

CLASSES = 8  # TissueMNIST's
PER_CLASS = {"train": 12, "val": 2, "test": 2}


def split(name, rng, classes):
    labels = np.repeat(np.arange(classes, dtype=np.uint8), PER_CLASS[name])
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        y, x = 2 + 9 * (label // 4), 2 + 6 * (label % 4)  # 3 rows of 4 places
        images[i, y:y + 7, x:x + 5] = 200
    return images, labels.reshape(-1, 1)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    classes = int(sys.argv[2]) if len(sys.argv) == 3 else CLASSES
    rng = np.random.default_rng(7)
    arrays = {}
    for name in PER_CLASS:
        arrays[name + "_images"], arrays[name + "_labels"] = split(name, rng, classes)
    os.makedirs(os.path.dirname(os.path.abspath(sys.argv[1])), exist_ok=True)
    np.savez(sys.argv[1], **arrays)


if __name__ == "__main__":
    main()

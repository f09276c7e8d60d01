#!/usr/bin/python3
"""Writes two MedMNIST-style .npz files from Debian's Fashion-MNIST, for the
regularisation and imbalance demonstrations (regularisation_demo.sh):

  small.npz       5,000 training images (the first of the 55,000), so a CNN overfits;
  imbalanced.npz  all training images of classes 0-4 and 10% of classes 5-9.

Both keep the full 5,000-image validation split (the tail of train) and the 10,000-image
test split, which are balanced, so balanced accuracy and per-class recall show the effect.

usage: make_fashion_subsets.py OUTDIR
"""
import gzip
import os
import sys

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    images = read_idx("train-images-idx3-ubyte.gz")
    labels = read_idx("train-labels-idx1-ubyte.gz")
    test_x = read_idx("t10k-images-idx3-ubyte.gz")
    test_y = read_idx("t10k-labels-idx1-ubyte.gz")
    train_x, train_y = images[:55000], labels[:55000]
    val_x, val_y = images[55000:], labels[55000:]

    def save(name, x, y):
        np.savez(os.path.join(out, name), train_images=x, train_labels=y.reshape(-1, 1),
                 val_images=val_x, val_labels=val_y.reshape(-1, 1),
                 test_images=test_x, test_labels=test_y.reshape(-1, 1))

    save("small.npz", train_x[:5000], train_y[:5000])
    rng = np.random.default_rng(0)
    keep = (train_y < 5) | (rng.random(len(train_y)) < 0.10)
    save("imbalanced.npz", train_x[keep], train_y[keep])
    print("wrote", out, "small: 5000, imbalanced:", int(keep.sum()), "training images")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes the small-set stand-in of docs/accuracy.md: a PneumoniaMNIST subset the size of
the smallest MedMNIST sets (546 training and 78 validation images, 26 % normal in both, as
in the official validation split) with the full official test split, to measure the recipe
where a run has only a few hundred images.

usage: make_pneumonia_subset.py OUT.npz [--source tests/data/real/pneumoniamnist.npz]
"""
import argparse
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def pick(rng, images, labels, count, normal_share):
    labels = labels.ravel()
    normal, pneumonia = np.where(labels == 0)[0], np.where(labels == 1)[0]
    n0 = int(round(count * normal_share))
    chosen = np.concatenate([rng.choice(normal, n0, replace=False),
                             rng.choice(pneumonia, count - n0, replace=False)])
    rng.shuffle(chosen)
    return images[chosen], labels[chosen].reshape(-1, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--source", default=os.path.join(HERE, "..", "data", "real",
                                                     "pneumoniamnist.npz"))
    args = ap.parse_args()
    d = np.load(args.source)
    rng = np.random.default_rng(7)
    tx, ty = pick(rng, d["train_images"], d["train_labels"], 546, 0.26)
    vx, vy = pick(rng, d["val_images"], d["val_labels"], 78, 0.26)
    np.savez(args.out, train_images=tx, train_labels=ty, val_images=vx, val_labels=vy,
             test_images=d["test_images"], test_labels=d["test_labels"])


if __name__ == "__main__":
    main()

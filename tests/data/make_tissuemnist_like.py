#!/usr/bin/python3
"""Writes a TissueMNIST-shaped .npz (same keys, dtypes, shapes and split sizes as the real
tissuemnist.npz: uint8 images 165466 / 23640 / 47280 x 28 x 28, uint8 labels (N, 1) in 8
imbalanced classes) and, beside it, OUT.expected with numpy's view of it for the checker.

usage: make_tissuemnist_like.py OUT.npz [--stored]
  --stored  write uncompressed members (np.savez) instead of deflated (np.savez_compressed)
"""
import sys

import numpy as np

SPLITS = {"train": 165466, "val": 23640, "test": 47280}
# Relative class sizes: heavily imbalanced, the largest about 9x the smallest, as in
# TissueMNIST.
CLASS_WEIGHTS = np.array([53075, 7814, 5866, 15406, 11789, 7705, 39203, 24608], np.float64)


def make_split(rng, count):
    labels = rng.choice(len(CLASS_WEIGHTS), size=count, p=CLASS_WEIGHTS / CLASS_WEIGHTS.sum())
    # 7x7 blocks of grey levels around a class-dependent mean, plus pixel noise: some
    # structure for the compressor, nothing to learn from.
    means = 90 + 15 * labels[:, None, None]
    base = rng.normal(means, 30, size=(count, 7, 7)).clip(0, 247).astype(np.uint8)
    images = np.repeat(np.repeat(base, 4, axis=1), 4, axis=2)
    images += rng.integers(0, 8, size=images.shape, dtype=np.uint8)
    return images, labels.astype(np.uint8).reshape(count, 1)


def fingerprint(images):
    """Two sums the C++ checker recomputes: all pixels, and per-image sums weighted by
    (index % 1000 + 1) so that reordered images change it."""
    per_image = images.reshape(len(images), -1).sum(axis=1, dtype=np.uint64)
    weights = (np.arange(len(images), dtype=np.uint64) % 1000) + 1
    return int(per_image.sum(dtype=np.uint64)), int((per_image * weights).sum(dtype=np.uint64))


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    out = sys.argv[1]
    stored = "--stored" in sys.argv[2:]
    rng = np.random.default_rng(20240101)
    arrays, expected = {}, []
    for split, count in SPLITS.items():
        images, labels = make_split(rng, count)
        arrays[split + "_images"] = images
        arrays[split + "_labels"] = labels
        histogram = np.bincount(labels[:, 0], minlength=len(CLASS_WEIGHTS))
        expected.append("%s_count %d" % (split, count))
        expected.append("%s_histogram %s" % (split, " ".join(map(str, histogram))))
        expected.append("%s_fingerprint %d %d" % ((split,) + fingerprint(images)))
    (np.savez if stored else np.savez_compressed)(out, **arrays)
    with open(out + ".expected", "w") as f:
        f.write("num_classes %d\n" % len(CLASS_WEIGHTS))
        f.write("\n".join(expected) + "\n")


if __name__ == "__main__":
    main()

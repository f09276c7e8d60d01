#!/usr/bin/python3
"""Split-conformal coverage on exchangeable data, for docs/calibration.md.

The official validation split of a MedMNIST file (or the one kcell carves from
Fashion-MNIST's training set) is not exchangeable with the test split: the kept epoch
and the decision bias were chosen on it. To check the guarantee itself, this pools a
model's test-split probabilities (kcell's own, through the Python bindings), splits them
at random into a calibration half and an evaluation half R times, and reports LAC's
coverage and set size at alpha 0.1 and 0.05 against [1 - alpha, 1 - alpha + 1/(n + 1)].

  conformal_splits.py MODEL DATA [--repeats R]   (DATA: a MedMNIST .npz, or "fashion")
Needs numpy; set KCELL_LIBRARY to the built libkcell.so when kcell is not installed.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))
import kcell  # noqa: E402


def test_split(data):
    if data == "fashion":
        sys.path.insert(0, HERE)
        from torch_reference import load_fashion
        *_, x, y = load_fashion()
    else:
        arrays = np.load(data)
        x, y = arrays["test_images"], arrays["test_labels"]
    return np.asarray(x, dtype=np.uint8), np.asarray(y).reshape(-1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("--repeats", type=int, default=20)
    a = ap.parse_args()
    model = kcell.Model.load(a.model)
    x, y = test_split(a.data)
    info = model.info
    p = np.asarray(model.predict(x.reshape(len(x), info.channels, info.height, info.width)))
    rng = np.random.default_rng(0)
    n = len(y)
    half = n // 2
    for alpha in (0.1, 0.05):
        coverage, size = [], []
        for _ in range(a.repeats):
            order = rng.permutation(n)
            cal, ev = order[:half], order[half:]
            scores = 1.0 - p[cal, y[cal]]
            level = min(1.0, np.ceil((half + 1) * (1 - alpha)) / half)
            q = np.quantile(scores, level, method="higher")
            sets = (1.0 - p[ev]) <= q
            coverage.append(sets[np.arange(len(ev)), y[ev]].mean())
            size.append(sets.sum(axis=1).mean())
        print(f"alpha {alpha}: {a.repeats} random halves of {n} test images: coverage "
              f"{np.mean(coverage):.4f} ± {np.std(coverage):.4f} (target "
              f"[{1 - alpha:.3f}, {1 - alpha + 1 / (half + 1):.4f}]), "
              f"mean set size {np.mean(size):.3f}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The measured table of docs/scaling.md: one epoch of Fashion-MNIST images trained by
`mpirun -np 2 kcell train ... --threads 1`, the gradient sums overlapped with the backward
pass (the default) against after it (KCELL_MPI_OVERLAP=0, and a kcell built before the
overlap if given as --before), runs alternating so that all see the same machine load; and
optionally one process with 2 threads at the global batch.

Prints, per run, the epoch's images/s and rank 0's share of the training time spent in
collective calls (its "data-parallel over 2 ranks" line).

usage: overlap_bench.py KCELL OUTDIR [--models reference,resnet8] [--images 12800]
                        [--repeats 2] [--before OLD_KCELL] [--one-process]
"""
import argparse
import gzip
import os
import re
import subprocess
import time

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"
MPIRUN = ["mpirun", "--oversubscribe", "-np", "2"]
if os.geteuid() == 0:
    MPIRUN.insert(1, "--allow-run-as-root")


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name), "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * data[3]).reshape(dims)


def make_data(path, images):
    x, y = read_idx("train-images-idx3-ubyte.gz"), read_idx("train-labels-idx1-ubyte.gz")
    np.savez(path, train_images=x[:images], train_labels=y[:images].reshape(-1, 1),
             val_images=x[-256:], val_labels=y[-256:].reshape(-1, 1),
             test_images=x[-512:-256], test_labels=y[-512:-256].reshape(-1, 1))


def train(kcell, data, model, out, images, ranks, overlap=True):
    batch, threads = (128 // ranks, 1) if ranks > 1 else (128, 2)
    cmd = [kcell, "train", "--data", data, "--model", model, "--epochs", "1", "--batch",
           str(batch), "--threads", str(threads), "--optimizer", "sgd", "--augment", "none",
           "--ema", "off", "--decision", "argmax", "--precision", "fp32", "--out", out]
    if ranks > 1:
        cmd = MPIRUN + ["-x", f"KCELL_MPI_OVERLAP={1 if overlap else 0}"] + cmd
    start = time.monotonic()
    r = subprocess.run(["nice", "-n", "19"] + cmd, capture_output=True, text=True)
    wall = time.monotonic() - start
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    m = re.search(r"([\d.]+) s of the ([\d.]+) s training in communication", r.stdout)
    seconds = float(m.group(2)) if m else wall
    share = 100 * float(m.group(1)) / float(m.group(2)) if m else float("nan")
    return (images + 256) / seconds, share


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("kcell")
    ap.add_argument("outdir")
    ap.add_argument("--models", default="reference,resnet8")
    ap.add_argument("--images", type=int, default=12800)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--before", help="a kcell built without the overlap, run too")
    ap.add_argument("--one-process", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    data = os.path.join(a.outdir, f"fashion_{a.images}.npz")
    if not os.path.exists(data):
        make_data(data, a.images)
    out = os.path.join(a.outdir, "model.kcell")
    for model in a.models.split(","):
        for rep in range(a.repeats):
            for label in (["before"] if a.before else []) + ["after", "overlapped"]:
                kcell = a.before if label == "before" else a.kcell
                rate, share = train(kcell, data, model, out, a.images, 2, label != "after")
                print(f"{model} run {rep + 1} 2 ranks, sums {label}: {rate:,.0f} images/s, "
                      f"communication {share:.1f}%", flush=True)
            if a.one_process:
                rate, _ = train(a.kcell, data, model, out, a.images, 1)
                print(f"{model} run {rep + 1} 1 process x 2 threads: {rate:,.0f} images/s",
                      flush=True)


if __name__ == "__main__":
    main()

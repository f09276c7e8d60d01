#!/usr/bin/python3
"""PyTorch peer for kcell's benchmarks: `reference` or `resnet18` on Fashion-MNIST or a
MedMNIST-style .npz.

Trains the same architecture kcell's preset builds (same layers, PyTorch's default
initialisation, batch 128, Adam lr 1e-3 with L2 weight decay 1e-4, no augmentation, inputs
normalised by the training mean/std) and prints one JSON line per measurement: training
images/s, parameter count, peak resident memory (the whole dataset held as float tensors,
the usual PyTorch approach) and, with --epochs, validation and test accuracy after each
epoch. --expect-params makes it fail unless the model has exactly that many parameters
(run_benchmarks.py passes kcell's count, so both sides train the same network).

Run with the threads and allocator settings under comparison, e.g.
  OPENBLAS_NUM_THREADS=1 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:\
glibc.malloc.trim_threshold=4294967296 /usr/bin/python3 torch_reference.py --threads 2
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

FASHION = "/usr/share/datasets/fashion-mnist"
# The CIFAR-style ResNet-18 whose parameter counts pin kcell's `resnet18` preset.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fixtures", "model_spec"))
from param_counts import resnet18  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def reference(classes=10, channels=1, size=28):
    flat = 64 * (size // 4) * (size // 4)
    return nn.Sequential(
        nn.Conv2d(channels, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(), nn.Linear(flat, 256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, classes))


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def load_fashion(folder=FASHION):
    images = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    test_x = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))
    test_y = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))
    return (images[:55000], labels[:55000], images[55000:], labels[55000:], test_x, test_y)


def load_npz(path):
    with np.load(path) as f:
        return tuple(f[split + "_" + part]
                     for split in ("train", "val", "test") for part in ("images", "labels"))


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=0,
                    help="full epochs with accuracy (0: throughput only)")
    ap.add_argument("--steps", type=int, default=60, help="timed steps for throughput")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    ap.add_argument("--model", choices=("reference", "resnet18"), default="reference")
    ap.add_argument("--npz", help="a MedMNIST-style .npz (default: Debian's Fashion-MNIST)")
    ap.add_argument("--expect-params", type=int, help="fail unless the model has this many")
    ap.add_argument("--limit", type=int, help="keep only the first N training images")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)

    start = time.perf_counter()
    train_x, train_y, val_x, val_y, test_x, test_y = (
        load_npz(args.npz) if args.npz else load_fashion())
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    train_y, val_y, test_y = (y.reshape(-1).astype(np.int64) for y in (train_y, val_y, test_y))

    def as_float(x):
        # One float copy in [0, 1], as N,C,H,W; later steps work in place (no temporaries).
        t = torch.from_numpy(x.astype(np.float32)).div_(255.0)
        return t.unsqueeze(1) if t.dim() == 3 else t.permute(0, 3, 1, 2).contiguous()

    tx, vx, sx = as_float(train_x), as_float(val_x), as_float(test_x)
    mean, std = tx.mean().item(), tx.std().item()  # of the training images
    for t in (tx, vx, sx):
        t.sub_(mean).div_(std)
    ty, vy, sy = torch.from_numpy(train_y), torch.from_numpy(val_y), torch.from_numpy(test_y)
    data_seconds = time.perf_counter() - start
    channels, size = tx.shape[1], tx.shape[2]
    classes = int(max(train_y.max(), val_y.max(), test_y.max())) + 1

    model = (reference(classes, channels, size) if args.model == "reference"
             else resnet18(channels, classes))
    params = sum(p.numel() for p in model.parameters())
    if args.expect_params is not None and params != args.expect_params:
        sys.exit("%s has %d parameters in PyTorch, expected %d" %
                 (args.model, params, args.expect_params))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    model.train()
    span = max(len(tx) - args.batch, 1)
    for i in range(args.warmup):
        j = (i * args.batch) % span
        step(tx[j:j + args.batch], ty[j:j + args.batch])
    start = time.perf_counter()
    for i in range(args.steps):
        j = ((args.warmup + i) * args.batch) % span
        step(tx[j:j + args.batch], ty[j:j + args.batch])
    rate = args.steps * args.batch / (time.perf_counter() - start)
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "model": args.model,
                      "params": params, "threads": args.threads, "batch": args.batch,
                      "train_images": len(tx), "data_seconds": round(data_seconds, 3),
                      "train_images_per_s": round(rate, 1),
                      "peak_rss_mb": round(peak_rss_mb(), 1)}), flush=True)

    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(tx))
        start = time.perf_counter()
        for i in range(0, len(tx), args.batch):
            idx = order[i:i + args.batch]
            step(tx[idx], ty[idx])
        seconds = time.perf_counter() - start
        print(json.dumps({"epoch": epoch + 1, "seconds": round(seconds, 1),
                          "val_accuracy": round(evaluate(model, vx, vy), 4),
                          "test_accuracy": round(evaluate(model, sx, sy), 4)}), flush=True)


if __name__ == "__main__":
    main()

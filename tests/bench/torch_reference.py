#!/usr/bin/python3
"""PyTorch peer for kcell's benchmarks: the `reference` CNN on Fashion-MNIST.

Trains the same architecture kcell's `reference` preset builds (same layers, PyTorch's
default initialisation, batch 128, Adam lr 1e-3 with L2 weight decay 1e-4, no augmentation,
inputs normalised by the training mean/std) and prints one JSON line per measurement:
training images/s and, with --epochs, validation and test accuracy after each epoch.

Run with the threads and allocator settings under comparison, e.g.
  OPENBLAS_NUM_THREADS=1 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:\
glibc.malloc.trim_threshold=4294967296 /usr/bin/python3 torch_reference.py --threads 2
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import torch
from torch import nn

FASHION = "/usr/share/datasets/fashion-mnist"


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
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(42)

    images = read_idx(os.path.join(FASHION, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(FASHION, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    test_x = read_idx(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz"))
    test_y = read_idx(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    train_x, val_x = images[:55000], images[55000:]
    train_y, val_y = labels[:55000], labels[55000:]
    mean, std = train_x.mean() / 255.0, train_x.std() / 255.0

    def tensor(x):
        return ((torch.from_numpy(x.astype(np.float32)) / 255.0 - mean) / std).unsqueeze(1)

    tx, vx, sx = tensor(train_x), tensor(val_x), tensor(test_x)
    ty, vy, sy = torch.from_numpy(train_y), torch.from_numpy(val_y), torch.from_numpy(test_y)

    model = reference()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()

    model.train()
    for i in range(5):  # warm-up
        step(tx[i * args.batch:(i + 1) * args.batch], ty[i * args.batch:(i + 1) * args.batch])
    start = time.perf_counter()
    for i in range(args.steps):
        j = (i * args.batch) % (len(tx) - args.batch)
        step(tx[j:j + args.batch], ty[j:j + args.batch])
    rate = args.steps * args.batch / (time.perf_counter() - start)
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": args.threads,
                      "train_images_per_s": round(rate, 1)}), flush=True)

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

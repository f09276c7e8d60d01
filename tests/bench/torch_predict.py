#!/usr/bin/python3
"""PyTorch counterpart of kcell_bench_predict: inference speed of the same networks.

Builds kcell's `reference` or `resnet18` preset in PyTorch (tests/fixtures/model_spec/
param_counts.py, default initialisation), puts it in eval mode and times, under
torch.inference_mode(), what kcell_predict() does: uint8 images -> normalised floats ->
network -> softmax probabilities. Batch-1 latency is the median over single-image calls;
batched throughput is images/s from the median batch time. One JSON line per measurement,
with the keys kcell_bench_predict prints plus "variant":
  eager          the nn.Module as built
  channels_last  the module and inputs in channels-last memory format
  frozen         torch.jit.trace + torch.jit.freeze + optimize_for_inference (folds batch
                 norms into convolutions, as kcell does)

Run with the threads and allocator settings under comparison, e.g.
  OPENBLAS_NUM_THREADS=1 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967296:\
glibc.malloc.trim_threshold=4294967296 /usr/bin/python3 torch_predict.py --threads 2
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fixtures", "model_spec"))
from param_counts import reference, resnet18  # noqa: E402


def build(name, channels, size, classes):
    if name == "reference":
        return reference(channels, size, size, classes)
    if name == "resnet18":
        return resnet18(channels, classes)
    raise SystemExit(f"unknown model {name!r}: use reference or resnet18")


def prepare(model, variant, example):
    model.eval()
    if variant == "eager":
        return model
    if variant == "channels_last":
        return model.to(memory_format=torch.channels_last)
    if variant == "frozen":
        with torch.inference_mode(False), torch.no_grad():
            traced = torch.jit.trace(model, example)
            return torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    raise SystemExit(f"unknown variant {variant!r}: use eager, channels_last or frozen")


def report(args, name, variant, batch, ms):
    ms = sorted(ms)
    at = lambda q: ms[int(q * (len(ms) - 1) + 0.5)]  # noqa: E731
    median, total = at(0.5), sum(ms)
    print(json.dumps({
        "bench": "predict", "impl": "pytorch", "variant": variant, "model": name,
        "input": f"{args.channels}x{args.size}x{args.size}", "classes": args.classes,
        "threads": args.threads, "precision": "fp32", "batch": batch, "calls": len(ms),
        "median_ms": round(median, 4), "p10_ms": round(at(0.1), 4),
        "p90_ms": round(at(0.9), 4), "mean_ms": round(total / len(ms), 4),
        "images_per_s": round(batch * 1e3 / median, 1),
        "images_per_s_mean": round(batch * 1e3 * len(ms) / total, 1),
        "torch": torch.__version__}), flush=True)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Output: one JSON object per line (see the module docstring).")
    ap.add_argument("--models", default="reference,resnet18",
                    help="comma-separated: reference, resnet18 (default both)")
    ap.add_argument("--variants", default="eager",
                    help="comma-separated: eager, channels_last, frozen (default eager)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (2)")
    ap.add_argument("--channels", type=int, default=1)
    ap.add_argument("--size", type=int, default=28, help="input height and width (28)")
    ap.add_argument("--classes", type=int, default=8)
    ap.add_argument("--latency-images", type=int, default=500,
                    help="single-image calls timed for batch-1 latency (500; 0 skips)")
    ap.add_argument("--batches", default="64,256",
                    help="comma-separated batch sizes for throughput (64,256; '' skips)")
    ap.add_argument("--seconds", type=float, default=2.0,
                    help="minimum timed seconds per throughput measurement (2)")
    ap.add_argument("--min-batches", type=int, default=5,
                    help="minimum timed batches per throughput measurement (5)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    batches = [int(b) for b in args.batches.split(",") if b]
    largest = max([64] + batches)
    rng = np.random.default_rng(1)
    images = torch.from_numpy(rng.integers(0, 256, (largest, args.channels, args.size,
                                                    args.size), dtype=np.uint8))
    mean, std = 0.5, 0.25

    for name in args.models.split(","):
        for variant in args.variants.split(","):
            channels_last = variant == "channels_last"
            example = torch.zeros(1, args.channels, args.size, args.size)
            model = prepare(build(name, args.channels, args.size, args.classes), variant,
                            example)

            def predict(first, n):
                x = (images[first:first + n].float() / 255.0 - mean) / std
                if channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                return torch.softmax(model(x), dim=1)

            with torch.inference_mode():
                if args.latency_images > 0:
                    for i in range(20):
                        predict(i % 64, 1)
                    ms = []
                    for i in range(args.latency_images):
                        t0 = time.perf_counter()
                        predict(i % 64, 1)
                        ms.append((time.perf_counter() - t0) * 1e3)
                    report(args, name, variant, 1, ms)
                for batch in batches:
                    for _ in range(3):
                        predict(0, batch)
                    ms = []
                    start = time.perf_counter()
                    while len(ms) < args.min_batches or time.perf_counter() - start < args.seconds:
                        t0 = time.perf_counter()
                        predict(0, batch)
                        ms.append((time.perf_counter() - t0) * 1e3)
                    report(args, name, variant, batch, ms)


if __name__ == "__main__":
    main()

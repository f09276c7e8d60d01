#!/usr/bin/python3
"""The throughput model of docs/scaling.md: synchronous data-parallel training on N nodes
with ring allreduce of the gradients (not overlapped with backward, as kcell does it) and
the small allreduces of synchronised batch norm (latency-bound).

usage: scaling_model.py [--speedup F] [--alpha SECONDS]
  --speedup F   how many times faster a node computes than the measured one (1: this 2-core
                machine's rates in docs/performance.md)
"""
import argparse
import math

# Parameters (kcell summary at 1x28x28, 8 classes), training images/s of one node at batch
# 128 (docs/performance.md, fp32, this machine) and batch norms (one allreduce each in
# forward and one in backward with synchronised batch norm).
MODELS = {"reference": (870_504, 2311.0, 4), "resnet18": (11_171_784, 130.0, 20)}
NODES = [2, 4, 8, 16, 32, 64]


def step(model, nodes, per_rank_batch, gbit, speedup, alpha):
    params, rate, batch_norms = MODELS[model]
    size = 4.0 * params  # fp32 gradients
    beta = gbit * 1e9 / 8.0
    compute = per_rank_batch / (rate * speedup)
    # Ring: reduce-scatter + allgather move 2 (N-1)/N of the buffer over each link, in
    # 2 (N-1) messages. Small allreduces: recursive doubling, log2 N latencies.
    ring = 2.0 * (nodes - 1) / nodes * size / beta + 2.0 * (nodes - 1) * alpha
    bn = 2 * batch_norms * math.ceil(math.log2(nodes)) * alpha
    total = compute + ring + bn
    return nodes * per_rank_batch / total, compute / total, ring + bn


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--speedup", type=float, default=1.0)
    a.add_argument("--alpha", type=float, default=30e-6)
    args = a.parse_args()
    for model in MODELS:
        for gbit in (10, 25):
            print(f"\n{model}, {gbit} Gbit/s, node {args.speedup:g}x the measured one")
            print("| nodes | per-rank 128: images/s | efficiency | global 1024: images/s | "
                  "efficiency | allreduce ms |")
            print("|---:|---:|---:|---:|---:|---:|")
            for n in NODES:
                weak, weak_eff, comm = step(model, n, 128, gbit, args.speedup, args.alpha)
                strong, strong_eff, _ = step(model, n, 1024 / n, gbit, args.speedup, args.alpha)
                print(f"| {n} | {weak:,.0f} | {weak_eff:.0%} | {strong:,.0f} | "
                      f"{strong_eff:.0%} | {comm * 1e3:.1f} |")


if __name__ == "__main__":
    main()

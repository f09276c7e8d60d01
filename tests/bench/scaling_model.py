#!/usr/bin/python3
"""The throughput model of docs/scaling.md: synchronous data-parallel training on N nodes
with ring allreduce of the gradients and the small allreduces of synchronised batch norm
(latency-bound); the gradient sums after the backward pass, or (--overlap) overlapped with
it as kcell does by default.

usage: scaling_model.py [--speedup F] [--alpha SECONDS] [--overlap]
  --speedup F   how many times faster a node computes than the measured one (1: this 2-core
                machine's rates in docs/performance.md)
  --overlap     the gradient sums overlap the backward pass: only what does not fit in the
                backward time left after the gradients are ready shows, and at least the
                last bucket's sum
"""
import argparse
import math

# Parameters (kcell summary at 1x28x28, 8 classes), training images/s of one node at batch
# 128 (docs/performance.md, fp32, this machine), batch norms (one allreduce each in
# forward and one in backward with synchronised batch norm), and the share of a step's
# compute that can hide the gradient sums: the backward is about two thirds of a step;
# `reference` has 92% of its parameters in its first dense layer, whose gradients are
# ready almost at once (all the backward left), resnet18 75% in its last stage, ready after
# about a quarter of the backward (three quarters left).
MODELS = {"reference": (870_504, 2311.0, 4, 0.65), "resnet18": (11_171_784, 130.0, 20, 0.5)}
NODES = [2, 4, 8, 16, 32, 64]


def ring(size, nodes, beta, alpha):
    """Reduce-scatter + allgather move 2 (N-1)/N of the buffer over each link, in 2 (N-1)
    messages."""
    return 2.0 * (nodes - 1) / nodes * size / beta + 2.0 * (nodes - 1) * alpha


def step(model, nodes, per_rank_batch, gbit, speedup, alpha, overlap=False):
    params, rate, batch_norms, hidden = MODELS[model]
    size = 4.0 * params  # fp32 gradients
    beta = gbit * 1e9 / 8.0
    compute = per_rank_batch / (rate * speedup)
    # Small allreduces: recursive doubling, log2 N latencies.
    sums = ring(size, nodes, beta, alpha)
    bn = 2 * batch_norms * math.ceil(math.log2(nodes)) * alpha
    shown = sums
    if overlap:  # kcell's buckets: an eighth of the parameters within [256 KB, 4 MB]
        last = ring(min(max(size / 8, 256e3), 4e6, size), nodes, beta, alpha)
        shown = max(sums - hidden * compute, last)
    total = compute + shown + bn
    return nodes * per_rank_batch / total, compute / total, shown + bn


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--speedup", type=float, default=1.0)
    a.add_argument("--alpha", type=float, default=30e-6)
    a.add_argument("--overlap", action="store_true")
    args = a.parse_args()
    for model in MODELS:
        for gbit in (10, 25):
            print(f"\n{model}, {gbit} Gbit/s, node {args.speedup:g}x the measured one, sums "
                  f"{'overlapped' if args.overlap else 'after the backward pass'}")
            print("| nodes | per-rank 128: images/s | efficiency | global 1024: images/s | "
                  "efficiency | communication ms |")
            print("|---:|---:|---:|---:|---:|---:|")
            for n in NODES:
                weak, weak_eff, comm = step(model, n, 128, gbit, args.speedup, args.alpha,
                                            args.overlap)
                strong, strong_eff, _ = step(model, n, 1024 / n, gbit, args.speedup, args.alpha,
                                             args.overlap)
                print(f"| {n} | {weak:,.0f} | {weak_eff:.0%} | {strong:,.0f} | "
                      f"{strong_eff:.0%} | {comm * 1e3:.1f} |")


if __name__ == "__main__":
    main()

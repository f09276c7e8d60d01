#!/usr/bin/python3
"""kcell against PyTorch on the same machine, in one run: prints a table with ratios.

usage: run_benchmarks.py [--build DIR] [--quick] [--markdown FILE] [--work DIR]
                         [--threads 2] [--accuracy] [--no-torch]

Rows (docs/performance.md explains each one and the conventions):
  training images/s of `reference` and `resnet18` (batch 128, Adam, same data and threads),
  achieved training GFLOP/s against oneDNN's fp32 3x3-convolution ceiling measured here,
  inference batch-1 latency and batch-64 / batch-256 images/s,
  .npz load time of a TissueMNIST-shaped file against numpy.load + reading every array,
  peak resident memory while training one epoch on that file,
  epoch time at 20k, 80k and 165k training images (one full epoch each),
  bf16 training speed (and, with --accuracy, Fashion-MNIST accuracy fp32 vs bf16),
  larger images: `reference` and `resnet18` at 64x64 and 128x128, 1 and 3 channels,
  training and inference images/s, peak training memory, and the cost per pixel against
  28x28 at the same batch size.

PyTorch runs twice where it is cheap: "best" (OPENBLAS_NUM_THREADS=1 and glibc malloc
tunables that stop it from returning memory to the system) and "as installed".
--quick shrinks every count so the whole script runs in well under a minute (CTest's
bench smoke test); its numbers mean nothing. Nothing here asserts a speed.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
TORCH_SCRIPT = os.path.join(HERE, "torch_reference.py")
TISSUE_GENERATOR_DIR = os.path.join(SOURCE, "tests", "data")
FASHION = "/usr/share/datasets/fashion-mnist"
TISSUE_SPLITS = {"train": 165466, "val": 23640, "test": 47280}
TORCH_BEST_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=4294967296:"
                      "glibc.malloc.trim_threshold=4294967296",
}

# Run sizes: (full, quick).
SIZES = {
    "ceiling": (["--batch", "32", "--channels", "256", "--size", "28", "--reps", "20"],
                ["--batch", "2", "--channels", "64", "--size", "28", "--reps", "2"]),
    "batch": (128, 32),
    "reference_batches": ((5, 60), (1, 2)),    # (warm-up, timed) batches
    "resnet18_batches": ((2, 8), (1, 1)),
    "tissue_scale": (1, 200),                  # split sizes divided by this
    "epoch_sizes": ((20000, 80000), (200, 400)),
    "infer_batch1_images": (500, 20),
    "accuracy_epochs": (3, 1),
    # Larger images: sizes, channel counts, and per model the batch (training and
    # inference) with (warm-up, timed) training batches. Small batches keep ResNet-18 at
    # 128x128 within a few GB and seconds per step; 28x28 runs at the same batch as the
    # baseline of the cost per pixel.
    "large_sizes": ((28, 64, 128), (28, 64)),
    "large_channels": ((1, 3), (3,)),
    "large_reference": ((64, (2, 6)), (4, (1, 1))),
    "large_resnet18": ((16, (1, 3)), (4, (1, 1))),
    "large_infer_seconds": ("1", "0.1"),
}


def pick(key, quick):
    return SIZES[key][1 if quick else 0]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run_json_lines(cmd, env=None, what=None):
    """Runs a command that prints one JSON object per line; returns them all."""
    log("  $", " ".join(cmd))
    start = time.perf_counter()
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=full_env)
    if done.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (what or cmd[0], done.returncode,
                                                         done.stderr[-2000:]))
    rows = [json.loads(l) for l in done.stdout.splitlines() if l.startswith("{")]
    log("    %.1f s" % (time.perf_counter() - start))
    for r in rows:
        log("    " + json.dumps(r)[:200])
    return rows


def run_json(cmd, env=None, what=None):
    """Runs a command that prints one JSON object on its last stdout line."""
    return run_json_lines(cmd, env, what)[-1]


def by_batch(rows):
    """One row per batch size: the fastest when several forms were measured."""
    out = {}
    for r in rows:
        if r["batch"] not in out or r["median_ms"] < out[r["batch"]]["median_ms"]:
            out[r["batch"]] = r
    return out


def last_line(error):
    lines = [l for l in str(error).splitlines() if l.strip()]
    return lines[-1] if lines else str(error)


def torch_env(best):
    env = {k: v for k, v in os.environ.items() if k not in TORCH_BEST_ENV}
    if best:
        env.update(TORCH_BEST_ENV)
    return env


def have_torch():
    return subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                          stderr=subprocess.DEVNULL).returncode == 0


def make_tissue_like(path, scale):
    """The TissueMNIST-shaped file of tests/data/make_tissuemnist_like.py, split sizes
    divided by `scale`, deflated (np.savez_compressed) as MedMNIST ships it."""
    sys.path.insert(0, TISSUE_GENERATOR_DIR)
    import make_tissuemnist_like as gen  # noqa: E402
    rng = np.random.default_rng(20240101)
    arrays = {}
    for split, count in TISSUE_SPLITS.items():
        images, labels = gen.make_split(rng, max(count // scale, 64))
        arrays[split + "_images"] = images
        arrays[split + "_labels"] = labels
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, path)


def make_random_images(path, size, channels, train):
    """A MedMNIST-shaped .npz of random uint8 images (N x S x S, or N x S x S x 3 as
    MedMNIST stores colour) and 8 classes: speed does not depend on the pixels."""
    rng = np.random.default_rng(size * 10 + channels)
    arrays = {}
    for split, count in (("train", train), ("val", 64), ("test", 64)):
        shape = (count, size, size) + ((channels,) if channels > 1 else ())
        arrays[split + "_images"] = rng.integers(0, 256, size=shape, dtype=np.uint8)
        arrays[split + "_labels"] = rng.integers(0, 8, size=(count, 1), dtype=np.uint8)
    tmp = path + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def numpy_load_seconds(path, repeats):
    """numpy.load + reading every array, best of `repeats`, in a fresh process."""
    code = ("import json, sys, time, numpy as np\n"
            "times = []\n"
            "for _ in range(%d):\n"
            "    t0 = time.perf_counter()\n"
            "    with np.load(sys.argv[1]) as f:\n"
            "        arrays = [f[k] for k in f.files]\n"
            "    times.append(time.perf_counter() - t0)\n"
            "    del arrays\n"
            "print(json.dumps({'seconds': times, 'best_seconds': min(times)}))\n" % repeats)
    return run_json(["/usr/bin/python3", "-c", code, path], what="numpy.load")


class Table:
    """Rows of (measure, kcell, pytorch best, pytorch as installed, kcell advantage,
    target, met)."""

    HEAD = ("Measure", "kcell", "PyTorch best", "PyTorch as installed", "kcell advantage",
            "Target", "Met")

    def __init__(self):
        self.rows = []
        self.notes = []

    def add(self, measure, kcell, best="", installed="", advantage="", target="", met=None):
        self.rows.append((measure, kcell, best, installed, advantage, target,
                          "" if met is None else ("yes" if met else "NO")))

    def text(self):
        widths = [max(len(str(r[i])) for r in self.rows + [self.HEAD]) for i in range(7)]
        line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
        return "\n".join([line(self.HEAD), line(["-" * w for w in widths])] +
                         [line(r) for r in self.rows] + [""] + self.notes)

    def markdown(self):
        out = ["| " + " | ".join(self.HEAD) + " |", "|" + "---|" * len(self.HEAD)]
        out += ["| " + " | ".join(str(c) for c in r) + " |" for r in self.rows]
        return "\n".join(out + [""] + ["- " + n for n in self.notes])


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    return "{:,.{}f}".format(value, digits)


def ratio(a, b):
    return None if not a or not b else a / b


def fmt_ratio(r):
    return "n/a" if r is None else "%.2fx" % r


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.bin = lambda name: self.find_binary(name)
        self.torch = not args.no_torch and have_torch()
        self.table = Table()
        self.kcell_env = {"OMP_NUM_THREADS": str(args.threads)}
        self.batch = pick("batch", self.quick)

    def find_binary(self, name):
        for sub in ("tests/bench", "tests/data", "bin", ""):
            path = os.path.join(self.args.build, sub, name)
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return path
        return None

    def kcell_train(self, data, model, extra):
        return run_json([self.bin("kcell_bench_train"), "--data", data, "--model", model,
                         "--threads", str(self.args.threads),
                         "--batch", str(self.batch)] + extra, self.kcell_env)

    def torch_train(self, data, model, warmup, steps, best, expect_params, extra=()):
        env = torch_env(best)
        return run_json(["/usr/bin/python3", TORCH_SCRIPT, "--npz", data, "--model", model,
                         "--threads", str(self.args.threads), "--warmup", str(warmup),
                         "--steps", str(steps), "--expect-params", str(expect_params),
                         "--batch", str(self.batch)] + list(extra), env,
                        what="torch_reference.py")

    # --- the measurements -------------------------------------------------------------

    def dataset(self):
        scale = pick("tissue_scale", self.quick)
        path = os.path.join(self.args.work, "tissuemnist_like_%d.npz" % scale)
        if not os.path.exists(path):
            log("writing %s (TissueMNIST-shaped, split sizes / %d)" % (path, scale))
            make_tissue_like(path, scale)
        return path

    def ceiling(self):
        """The CPU's fp32 rate: oneDNN's direct 3x3 convolution (every multiply-add done).
        Winograd's rate on the same convolution is noted: kcell uses it for most 3x3
        layers, counting FLOPs the way a direct convolution does, so GFLOP/s figures of
        kcell can pass the ceiling."""
        binary = self.bin("kcell_bench_conv_ceiling")
        r = run_json([binary] + pick("ceiling", self.quick), self.kcell_env)
        self.table.add("Ceiling: oneDNN fp32 direct conv %s (GFLOP/s, best)" % r["shape"],
                       fmt(r["best_gflops"]))
        self.table.notes.append("Ceiling implementation: %s; median %.0f GFLOP/s." %
                                (r["implementation"], r["median_gflops"]))
        try:
            w = run_json([binary, "--winograd"] + pick("ceiling", self.quick), self.kcell_env)
            self.table.notes.append(
                "The same convolution by oneDNN's Winograd algorithm (%s), counted in direct "
                "FLOPs: %.0f GFLOP/s. kcell runs 3x3 stride-1 layers of 16 to 128 channels "
                "that way, so its GFLOP/s below (model FLOPs per second) can pass the "
                "ceiling." % (w["implementation"], w["best_gflops"]))
        except RuntimeError as e:
            self.table.notes.append("Winograd convolution: %s" % last_line(e))
        return r["best_gflops"]

    def training(self, data, ceiling):
        """Training throughput rows. Returns kcell's and PyTorch's (best) `reference`
        results; PyTorch's reference run holds the whole file as floats, so its peak memory
        is the memory row's PyTorch number."""
        results = {}
        for model in ("reference", "resnet18"):
            warmup, steps = pick(model + "_batches", self.quick)
            k = self.kcell_train(data, model, ["--warmup", str(warmup),
                                               "--batches", str(steps)])
            best = installed = None
            if self.torch:
                # resnet18 needs few images: keep PyTorch's float copy small there.
                limit = [] if model == "reference" else ["--limit", "4096"]
                best = self.torch_train(data, model, warmup, steps, True, k["params"], limit)
                if model == "reference" and not self.quick:
                    installed = self.torch_train(data, model, warmup, steps, False,
                                                 k["params"], limit)
            kr = k["images_per_s"]
            br = best and best["train_images_per_s"]
            ir = installed and installed["train_images_per_s"]
            adv = ratio(kr, br)
            target = "≥1.5x PyTorch" if model == "reference" else ""
            self.table.add("Training `%s`, batch %d (images/s)" % (model, self.batch),
                           fmt(kr), fmt(br), fmt(ir), fmt_ratio(adv), target,
                           None if model != "reference" or adv is None else adv >= 1.5)
            # 3 x forward FLOPs per image: forward, data gradient, weight gradient.
            gflop = 3 * k["forward_flops_per_image"] / 1e9
            share = kr * gflop / ceiling if ceiling else None
            self.table.add("Training `%s`: achieved GFLOP/s (share of ceiling)" % model,
                           "%s (%.0f%%)" % (fmt(kr * gflop), 100 * share),
                           fmt(br and br * gflop), fmt(ir and ir * gflop), "",
                           "≥60% of ceiling" if model == "reference" else "",
                           share >= 0.6 if model == "reference" else None)
            results[model] = (k, best)
        return results

    def inference(self):
        """Batch-1 latency and batch-64 / 256 throughput of kcell_predict() on `reference`
        (kcell_bench_predict, lib/infer) against PyTorch's eval mode (torch_predict.py),
        both on random 1x28x28 images, 8 classes; then kcell's bf16 and int8 inference
        speed-ups (int8 calibrated on the benchmark's own images)."""
        predict = self.bin("kcell_bench_predict")
        torch_eval = os.path.join(HERE, "torch_predict.py")
        if predict is None:
            self.table.add("Inference (kcell_bench_predict not built)", "n/a")
            return
        n1 = pick("infer_batch1_images", self.quick)
        args = ["--threads", str(self.args.threads), "--latency-images", str(n1),
                "--batches", "64,256"]
        if self.quick:
            args += ["--seconds", "0.2", "--min-batches", "2"]
        k = by_batch(run_json_lines([predict, "--presets", "reference"] + args,
                                    self.kcell_env))
        t = {}
        if self.torch and os.path.exists(torch_eval):
            # PyTorch at its best: the fastest of its eager, channels-last and frozen
            # (TorchScript, batch norm folded) forms, per batch size.
            variants = "eager" if self.quick else "eager,channels_last,frozen"
            t = by_batch(run_json_lines(["/usr/bin/python3", torch_eval, "--models",
                                         "reference", "--variants", variants] + args,
                                        torch_env(True), what="torch_predict.py"))
            self.table.notes.append("PyTorch inference, fastest form per batch size: %s." %
                                    ", ".join("batch %d %s" % (b, r.get("variant", "?"))
                                              for b, r in sorted(t.items())))
        lat_k = k.get(1, {}).get("median_ms")
        lat_t = t.get(1, {}).get("median_ms")
        self.table.add("Inference `reference` batch 1: median latency, %d images (ms)" % n1,
                       fmt(lat_k, 3), fmt(lat_t, 3), "", fmt_ratio(ratio(lat_t, lat_k)),
                       "≤0.3 ms", None if lat_k is None else lat_k <= 0.3)
        for b in (64, 256):
            rk = k.get(b, {}).get("images_per_s")
            rt = t.get(b, {}).get("images_per_s")
            adv = ratio(rk, rt)
            self.table.add("Inference `reference` batch %d (images/s)" % b, fmt(rk), fmt(rt),
                           "", fmt_ratio(adv), "≥1.5x PyTorch" if b == 256 else "",
                           adv >= 1.5 if b == 256 and adv is not None else None)
        for precision in ("bf16", "int8"):
            try:
                h = by_batch(run_json_lines([predict, "--presets", "reference"] + args +
                                            ["--precision", precision], self.kcell_env))
            except RuntimeError as e:
                self.table.notes.append("%s inference: %s" % (precision, last_line(e)))
                continue
            for b in (1, 256):
                fp32, low = k.get(b, {}).get("median_ms"), h.get(b, {}).get("median_ms")
                what = ("median latency (ms)" if b == 1 else "(images/s)")
                value = low if b == 1 else h.get(b, {}).get("images_per_s")
                self.table.add("%s inference `reference` batch %d %s" % (precision, b, what),
                               fmt(value, 3 if b == 1 else 0), "", "",
                               "%s vs kcell fp32" % fmt_ratio(ratio(fp32, low)))

    def load(self, data):
        repeats = 2 if self.quick else 3
        k = run_json([self.bin("kcell_bench_load"), data, str(repeats)], self.kcell_env)
        n = numpy_load_seconds(data, repeats)
        adv = ratio(n["best_seconds"], k["best_seconds"])
        self.table.add(".npz load, %s images, deflated (s, best of %d)" %
                       (fmt(k["images"]), repeats), fmt(k["best_seconds"], 2),
                       "%s (numpy)" % fmt(n["best_seconds"], 2), "", fmt_ratio(adv),
                       "no slower than numpy", adv >= 1.0)

    def memory_and_epochs(self, data, torch_reference):
        full = self.kcell_train(data, "reference", ["--epochs", "1", "--warmup", "0",
                                                    "--validate"])
        images = sum(max(c // pick("tissue_scale", self.quick), 64)
                     for c in TISSUE_SPLITS.values())
        as_float = images * 28 * 28 * 4 / 1e6
        t = torch_reference
        self.table.add("Peak memory training `reference` one epoch on the TissueMNIST-shaped "
                       "file, validating (MB)",
                       fmt(full["peak_rss_mb"]), fmt(t and t["peak_rss_mb"]), "",
                       fmt_ratio(ratio(t and t["peak_rss_mb"], full["peak_rss_mb"])),
                       "≤400 MB", full["peak_rss_mb"] <= 400)
        self.table.notes.append(
            "The whole file as float32 (PyTorch's usual approach) is %s MB before any "
            "model; kcell keeps it as uint8 (%s MB)." % (fmt(as_float), fmt(as_float / 4)))
        epochs = []
        for limit in pick("epoch_sizes", self.quick):
            r = self.kcell_train(data, "reference",
                                 ["--epochs", "1", "--warmup", "0", "--limit", str(limit)])
            epochs.append((limit, r["epoch_seconds"][0]))
        epochs.append((full["train_images"], full["epoch_seconds"][0]))
        base = epochs[0][1] / epochs[0][0]
        for n, s in epochs:
            per = s / n
            self.table.add("Epoch time `reference`, %s training images (s)" % fmt(n),
                           fmt(s, 1), "", "", "", "linear: %.2f ms/image (%.2fx of the "
                           "first)" % (1e3 * per, per / base))

    def bf16_rows(self, data, fp32):
        """bf16 training images/s of both models and the speed-up over their fp32 rows."""
        for model in ("reference", "resnet18"):
            warmup, steps = pick(model + "_batches", self.quick)
            try:
                k = self.kcell_train(data, model, ["--precision", "bf16", "--warmup",
                                                   str(warmup), "--batches", str(steps)])
            except RuntimeError as e:
                self.table.add("bf16 training `%s` (images/s)" % model, "unsupported")
                self.table.notes.append("bf16 training: " + last_line(e))
                return
            speedup = ratio(k["images_per_s"], fp32[model][0]["images_per_s"])
            self.table.add("bf16 training `%s`, batch %d (images/s)" % (model, self.batch),
                           fmt(k["images_per_s"]), "", "",
                           "%s vs kcell fp32" % fmt_ratio(speedup))

    def larger_images(self):
        """`reference` and `resnet18` on larger images: training images/s and peak memory
        (kcell_bench_train against torch_reference.py at its best) and inference images/s
        (kcell_bench_predict against torch_predict.py's fastest form), per size and channel
        count, with the cost per pixel (ns per pixel per image) against 28x28 at the same
        batch size: about 1.00x means the cost grows linearly with the pixels."""
        predict = self.bin("kcell_bench_predict")
        torch_eval = os.path.join(HERE, "torch_predict.py")
        seconds = pick("large_infer_seconds", self.quick)
        variants = "eager" if self.quick else "eager,channels_last,frozen"
        for model in ("reference", "resnet18"):
            batch, (warmup, steps) = pick("large_" + model, self.quick)
            base = {}  # channels -> (training, inference) ns per pixel at 28x28
            for size in pick("large_sizes", self.quick):
                for channels in pick("large_channels", self.quick):
                    path = os.path.join(self.args.work, "random_%dx%dx%d.npz" %
                                        (channels, size, size))
                    if not os.path.exists(path):
                        make_random_images(path, size, channels, (warmup + steps + 1) * batch)
                    shape = "%dx%dx%d" % (channels, size, size)
                    per_px = lambda rate: rate and 1e9 / (rate * size * size)  # noqa: E731
                    k = run_json([self.bin("kcell_bench_train"), "--data", path, "--model",
                                  model, "--threads", str(self.args.threads), "--batch",
                                  str(batch), "--warmup", str(warmup), "--batches", str(steps)],
                                 self.kcell_env)
                    t = None
                    if self.torch:
                        t = run_json(["/usr/bin/python3", TORCH_SCRIPT, "--npz", path,
                                      "--model", model, "--threads", str(self.args.threads),
                                      "--warmup", str(warmup), "--steps", str(steps),
                                      "--expect-params", str(k["params"]), "--batch",
                                      str(batch)], torch_env(True), what="torch_reference.py")
                    args = ["--threads", str(self.args.threads), "--latency-images", "0",
                            "--batches", str(batch), "--channels", str(channels), "--size",
                            str(size), "--seconds", seconds, "--min-batches", "2"]
                    ki = by_batch(run_json_lines([predict, "--presets", model] + args,
                                                 self.kcell_env)).get(batch, {})
                    ti = {}
                    if self.torch and os.path.exists(torch_eval):
                        ti = by_batch(run_json_lines(
                            ["/usr/bin/python3", torch_eval, "--models", model, "--variants",
                             variants] + args, torch_env(True),
                            what="torch_predict.py")).get(batch, {})
                    train_k, train_t = k["images_per_s"], t and t["train_images_per_s"]
                    infer_k, infer_t = ki.get("images_per_s"), ti.get("images_per_s")
                    costs = (per_px(train_k), per_px(infer_k))
                    if size == 28:
                        base[channels] = costs
                    first = base.get(channels, costs)
                    for what, rk, rt, cost, cost28, target in (
                            ("Training", train_k, train_t, costs[0], first[0], size > 28),
                            ("Inference", infer_k, infer_t, costs[1], first[1], size > 28)):
                        adv = ratio(rk, rt)
                        self.table.add(
                            "%s `%s` %s, batch %d (images/s; ns per pixel, x of 28 px)" %
                            (what, model, shape, batch),
                            "%s (%.2f ns, %s)" % (fmt(rk, 1), cost or 0,
                                                  fmt_ratio(ratio(cost, cost28))),
                            fmt(rt, 1), "", fmt_ratio(adv), "≥1.5x PyTorch" if target else "",
                            adv >= 1.5 if target and adv is not None else None)
                    if size > 28:
                        mem_t = t and t["peak_rss_mb"]
                        self.table.add(
                            "Peak memory training `%s` %s, batch %d (MB)" % (model, shape, batch),
                            fmt(k["peak_rss_mb"]), fmt(mem_t), "",
                            fmt_ratio(ratio(mem_t, k["peak_rss_mb"])), "≤ PyTorch",
                            None if not mem_t else k["peak_rss_mb"] <= mem_t)

    def accuracy(self):
        """Fashion-MNIST test accuracy after the same epochs, fp32 and bf16."""
        if not os.path.isdir(FASHION):
            self.table.notes.append("Fashion-MNIST not installed: no accuracy rows.")
            return
        epochs = str(pick("accuracy_epochs", self.quick))
        acc = {}
        for precision in ("fp32", "bf16"):
            try:
                r = self.kcell_train(FASHION, "reference",
                                     ["--epochs", epochs, "--warmup", "0", "--precision",
                                      precision, "--evaluate"])
                acc[precision] = r["test_accuracy"]
                if precision == "fp32":
                    acc["int8"] = r["int8_test_accuracy"]
            except RuntimeError as e:
                self.table.notes.append("%s accuracy: %s" % (precision, last_line(e)))
        if "int8" in acc:
            gap = 100 * (acc["fp32"] - acc["int8"])
            self.table.add("Fashion-MNIST test accuracy after %s epochs, fp32 / int8 inference "
                           "of that model (%%)" % epochs,
                           "%.2f / %.2f" % (100 * acc["fp32"], 100 * acc["int8"]),
                           "", "", "", "int8 within 1 point", abs(gap) <= 1.0)
        if "fp32" in acc and "bf16" in acc:
            gap = 100 * (acc["fp32"] - acc["bf16"])
            self.table.add("Fashion-MNIST test accuracy after %s epochs, fp32 / bf16 (%%)" %
                           epochs, "%.2f / %.2f" % (100 * acc["fp32"], 100 * acc["bf16"]),
                           "", "", "", "bf16 within 0.5 points", abs(gap) <= 0.5)

    def run(self):
        os.makedirs(self.args.work, exist_ok=True)
        missing = [b for b in ("kcell_bench_conv_ceiling", "kcell_bench_train",
                               "kcell_bench_load") if self.bin(b) is None]
        if missing:
            sys.exit("not built in %s: %s (cmake --build %s)" %
                     (self.args.build, " ".join(missing), self.args.build))
        started = time.perf_counter()
        data = self.dataset()
        ceiling = self.ceiling()
        trained = self.training(data, ceiling)
        self.inference()
        self.load(data)
        self.memory_and_epochs(data, trained["reference"][1])
        self.bf16_rows(data, trained)
        self.larger_images()
        if self.args.accuracy:
            self.accuracy()
        if not self.torch:
            self.table.notes.append("PyTorch columns empty: --no-torch, or /usr/bin/python3 "
                                    "cannot import torch.")
        self.table.notes.append(
            "%d threads; kcell advantage > 1 means kcell is better (speed ratio, or PyTorch / "
            "kcell for times and memory); %s run took %.0f s." %
            (self.args.threads, "quick (sizes meaningless)" if self.quick else "full",
             time.perf_counter() - started))
        return self.table


def machine_notes(args):
    """Where and how the table was made: date, CPU, thread count, versions, load."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    torch_version = "not installed"
    if not args.no_torch:
        done = subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if done.returncode == 0:
            torch_version = done.stdout.strip()
    return ("%s; %s, %d CPUs, %d threads used; PyTorch %s; load average %.1f at the start" %
            (time.strftime("%Y-%m-%d %H:%M"), cpu, os.cpu_count(), args.threads,
             torch_version, os.getloadavg()[0]))


START_MARK = "<!-- run_benchmarks.py table: start -->"
END_MARK = "<!-- run_benchmarks.py table: end -->"


def write_markdown(path, table, command, notes):
    """Writes the table to `path`, or, when `path` already holds the start and end marks,
    replaces only what lies between them (docs/performance.md keeps its prose)."""
    block = "\n".join([START_MARK, "", "Made by `%s`" % command, "(%s)." % notes, "",
                        table.markdown(), "", END_MARK])
    text = block + "\n"
    if os.path.exists(path):
        with open(path) as f:
            old = f.read()
        if START_MARK in old and END_MARK in old:
            text = (old[:old.index(START_MARK)] + block +
                    old[old.index(END_MARK) + len(END_MARK):])
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"),
                    help="kcell build directory with the bench programs")
    ap.add_argument("--work", help="where the generated data goes (default BUILD/bench-work)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: checks that it all runs")
    ap.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--accuracy", action="store_true",
                    help="add Fashion-MNIST accuracy fp32 vs bf16 (minutes)")
    ap.add_argument("--no-torch", action="store_true", help="kcell only")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.work = os.path.abspath(args.work or os.path.join(args.build, "bench-work"))
    notes = machine_notes(args)
    table = Bench(args).run()
    print(table.text())
    print(notes)
    if args.markdown:
        command = " ".join(["tests/bench/run_benchmarks.py"] + sys.argv[1:])
        write_markdown(args.markdown, table, command, notes)


if __name__ == "__main__":
    main()

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
    """Rows of (measure, kcell, kcell in the previous table, pytorch best, pytorch as
    installed, kcell advantage, target, met). `previous` maps a measure to its kcell value in
    the table this run replaces (previous_values()), so a regression shows beside its row."""

    HEAD = ("Measure", "kcell", "kcell before", "PyTorch best", "PyTorch as installed",
            "kcell advantage", "Target", "Met")

    def __init__(self, previous=None):
        self.rows = []
        self.notes = []
        self.previous = previous or {}

    def add(self, measure, kcell, best="", installed="", advantage="", target="", met=None):
        self.rows.append((measure, kcell, self.previous.get(measure, ""), best, installed,
                          advantage, target, "" if met is None else ("yes" if met else "NO")))

    def text(self):
        n = len(self.HEAD)
        widths = [max(len(str(r[i])) for r in self.rows + [self.HEAD]) for i in range(n)]
        line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()
        return "\n".join([line(self.HEAD), line(["-" * w for w in widths])] +
                         [line(r) for r in self.rows] + [""] + self.notes)

    def markdown(self):
        out = ["| " + " | ".join(self.HEAD) + " |", "|" + "---|" * len(self.HEAD)]
        out += ["| " + " | ".join(str(c) for c in r) + " |" for r in self.rows]
        return "\n".join(out + [""] + ["- " + n for n in self.notes])


def previous_values(path):
    """The kcell column of the table between the marks of `path` (an earlier --markdown
    output), by measure, and the line saying when that table was made; ({}, None) when
    there is none."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return {}, None
    if START_MARK not in text or END_MARK not in text:
        return {}, None
    block = text[text.index(START_MARK):text.index(END_MARK)]
    lines = block.splitlines()
    head = next((l for l in lines if l.startswith("| Measure |")), None)
    if head is None:
        return {}, None
    column = [c.strip() for c in head.strip("|").split("|")].index("kcell")
    values = {}
    for l in lines[lines.index(head) + 2:]:
        if not l.startswith("|"):
            break
        cells = [c.strip() for c in l.strip().strip("|").split("|")]
        if len(cells) > column:
            values[cells[0]] = cells[column]
    made = next((l.strip("().") for l in lines if l.startswith("(") and "load average" in l),
                None)
    return values, made


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
        self.previous, self.previous_made = previous_values(args.previous) if args.previous \
            else ({}, None)
        self.table = Table(self.previous)
        self.kcell_env = {"OMP_NUM_THREADS": str(args.threads)}
        self.batch = pick("batch", self.quick)

    def find_binary(self, name):
        for sub in ("tests/bench", "tests/data", "tools/kcell", "bin", ""):
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
            # Issue [14]'s targets: reference 3x, resnet18 1.6x PyTorch, both fp32.
            want = 3.0 if model == "reference" else 1.6
            self.table.add("Training `%s`, batch %d (images/s)" % (model, self.batch),
                           fmt(kr), fmt(br), fmt(ir), fmt_ratio(adv),
                           "≥%.1fx PyTorch" % want, None if adv is None else adv >= want)
            # 3 x forward FLOPs per image: forward, data gradient, weight gradient.
            gflop = 3 * k["forward_flops_per_image"] / 1e9
            share = kr * gflop / ceiling if ceiling else None
            self.table.add("Training `%s`: achieved GFLOP/s (share of ceiling)" % model,
                           "%s (%.0f%%)" % (fmt(kr * gflop), 100 * share),
                           fmt(br and br * gflop), fmt(ir and ir * gflop), "",
                           "≥80% of ceiling" if model == "resnet18" else "",
                           share >= 0.8 if model == "resnet18" else None)
            results[model] = (k, best)
        return results

    def inference(self):
        """Batch-1 latency and batch-64 / 256 throughput of kcell_predict() on `reference`
        and `resnet18` (kcell_bench_predict, lib/infer) against PyTorch's eval mode
        (torch_predict.py), both on random 1x28x28 images, 8 classes; then kcell's bf16 and
        int8 inference speed-ups on `reference` (int8 calibrated on the benchmark's own
        images)."""
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
        # Issue [14]'s targets, reference fp32: batch 1 within 0.1 ms, batch 256 3x PyTorch.
        targets = {("reference", 1): ("≤0.1 ms", lambda k, adv: k <= 0.1),
                   ("reference", 256): ("≥3x PyTorch", lambda k, adv: adv >= 3.0)}
        fp32 = {}
        for model in ("reference", "resnet18"):
            k = by_batch(run_json_lines([predict, "--presets", model] + args, self.kcell_env))
            fp32[model] = k
            t = {}
            if self.torch and os.path.exists(torch_eval):
                # PyTorch at its best: the fastest of its eager, channels-last and frozen
                # (TorchScript, batch norm folded) forms, per batch size.
                variants = "eager" if self.quick else "eager,channels_last,frozen"
                t = by_batch(run_json_lines(["/usr/bin/python3", torch_eval, "--models",
                                             model, "--variants", variants] + args,
                                            torch_env(True), what="torch_predict.py"))
                self.table.notes.append("PyTorch inference of `%s`, fastest form per batch "
                                        "size: %s." % (model, ", ".join(
                                            "batch %d %s" % (b, r.get("variant", "?"))
                                            for b, r in sorted(t.items()))))
            for b in (1, 64, 256):
                key = "median_ms" if b == 1 else "images_per_s"
                rk, rt = k.get(b, {}).get(key), t.get(b, {}).get(key)
                adv = ratio(rt, rk) if b == 1 else ratio(rk, rt)
                target, check = targets.get((model, b), ("", None))
                what = ("batch 1: median latency, %d images (ms)" % n1 if b == 1 else
                        "batch %d (images/s)" % b)
                self.table.add("Inference `%s` %s" % (model, what),
                               fmt(rk, 3 if b == 1 else 0), fmt(rt, 3 if b == 1 else 0), "",
                               fmt_ratio(adv), target,
                               None if check is None or rk is None or adv is None
                               else check(rk, adv))
        k = fp32["reference"]
        for precision in ("bf16", "int8"):
            try:
                h = by_batch(run_json_lines([predict, "--presets", "reference"] + args +
                                            ["--precision", precision], self.kcell_env))
            except RuntimeError as e:
                self.table.notes.append("%s inference: %s" % (precision, last_line(e)))
                continue
            for b in (1, 256):
                fp32_ms, low = k.get(b, {}).get("median_ms"), h.get(b, {}).get("median_ms")
                what = ("median latency (ms)" if b == 1 else "(images/s)")
                value = low if b == 1 else h.get(b, {}).get("images_per_s")
                self.table.add("%s inference `reference` batch %d %s" % (precision, b, what),
                               fmt(value, 3 if b == 1 else 0), "", "",
                               "%s vs kcell fp32" % fmt_ratio(ratio(fp32_ms, low)))

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
        """bf16 training images/s of both models, against their fp32 rows and PyTorch fp32
        (issue [14]: resnet18 bf16 3x PyTorch fp32; reference 3x, bf16 allowed)."""
        for model in ("reference", "resnet18"):
            warmup, steps = pick(model + "_batches", self.quick)
            try:
                k = self.kcell_train(data, model, ["--precision", "bf16", "--warmup",
                                                   str(warmup), "--batches", str(steps)])
            except RuntimeError as e:
                self.table.add("bf16 training `%s` (images/s)" % model, "unsupported")
                self.table.notes.append("bf16 training: " + last_line(e))
                return
            kcell_fp32, torch_fp32 = fp32[model]
            speedup = ratio(k["images_per_s"], kcell_fp32["images_per_s"])
            adv = ratio(k["images_per_s"], torch_fp32 and torch_fp32["train_images_per_s"])
            self.table.add("bf16 training `%s`, batch %d (images/s)" % (model, self.batch),
                           fmt(k["images_per_s"]),
                           fmt(torch_fp32 and torch_fp32["train_images_per_s"]), "",
                           "%s (%s vs kcell fp32)" % (fmt_ratio(adv), fmt_ratio(speedup)),
                           "≥3x PyTorch fp32", None if adv is None else adv >= 3.0)

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

    def time_to_accuracy(self):
        """Wall-clock time of one recipe from a cold process to a saved model with its test
        report, kcell (the `kcell` program) against PyTorch training the same model and
        recipe (torch_recipe.py, reading the settings kcell's run recorded), each checked
        against a test-accuracy target: the DAWNBench / airbench measure. Fashion-MNIST runs
        the default recipe cut to 5 epochs (it reaches 0.93 there), PneumoniaMNIST the
        default command; seed 42 for both programs."""
        from accuracy_bench import PNEUMONIA, fashion_subset
        kcell = self.bin("kcell")
        if kcell is None:
            self.table.notes.append("Time to accuracy: the kcell program is not built.")
            return
        fashion = FASHION
        if self.quick and os.path.isdir(FASHION):
            fashion = fashion_subset(os.path.join(self.args.work, "fashion_small.npz"),
                                     (2000, 500, 1000))
        epochs = ["--epochs", "1"] if self.quick else []
        cases = [("Fashion-MNIST", fashion, ["--augment", "hflip"] +
                  (epochs or ["--epochs", "5"]), 0.93, "0.93"),
                 ("PneumoniaMNIST", PNEUMONIA, epochs, 0.854,
                  "0.854, MedMNIST v2 ResNet-18 (28)")]
        for name, data, extra, target, target_text in cases:
            if not os.path.exists(data):
                self.table.notes.append("Time to accuracy on %s: %s is missing." % (name, data))
                continue
            folder = os.path.join(self.args.work, "time_to_accuracy", name)
            os.makedirs(folder, exist_ok=True)
            metrics = os.path.join(folder, "test.json")
            cmd = [kcell, "train", "--data", data, "--seed", "42", "--threads",
                   str(self.args.threads), "--quiet", "--json", metrics, "--report",
                   os.path.join(folder, "report"), "--out", os.path.join(folder, "model.kcell")]
            started = time.perf_counter()
            done = subprocess.run(cmd + extra, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            kcell_s = time.perf_counter() - started
            if done.returncode != 0:
                self.table.notes.append("Time to accuracy on %s, kcell: %s" %
                                        (name, last_line(done.stdout)))
                continue
            with open(metrics) as f:
                kcell_acc = json.load(f)["accuracy"]
            torch_s = torch_acc = None
            if self.torch:
                started = time.perf_counter()
                r = run_json(["/usr/bin/python3", os.path.join(HERE, "torch_recipe.py"),
                              "--npz", data, "--settings",
                              os.path.join(folder, "report", "metrics.json"), "--model-file",
                              os.path.join(folder, "model.kcell"), "--seed", "42",
                              "--threads", str(self.args.threads)], torch_env(True),
                             what="torch_recipe.py")
                torch_s, torch_acc = time.perf_counter() - started, r["test_accuracy"]
            reached = lambda acc: acc is not None and acc >= target  # noqa: E731
            shown = lambda s, acc: "n/a" if s is None else "%.1f (%.3f%s)" % (  # noqa: E731
                s / 60, acc, "" if reached(acc) else ", not reached")
            both = reached(kcell_acc) and reached(torch_acc)
            self.table.add("Time to accuracy %s, `kcell train %s` from a cold process "
                           "(minutes; test accuracy, target %s)" %
                           (name, " ".join(["--data", os.path.basename(data)] + extra),
                            target_text), shown(kcell_s, kcell_acc), shown(torch_s, torch_acc),
                           "", fmt_ratio(ratio(torch_s, kcell_s)) if both else "",
                           "reach %.3f" % target, reached(kcell_acc))

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
            self.time_to_accuracy()
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
    cpu, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            lines = f.read().splitlines()
        cpu = next(l.split(":", 1)[1].strip() for l in lines if l.startswith("model name"))
        flags = set(next(l.split(":", 1)[1] for l in lines if l.startswith("flags")).split())
    except (OSError, StopIteration):
        pass
    # What oneDNN can use: the rows differ several-fold between these (docs/performance.md).
    isa = ("AVX-512 BF16" if "avx512_bf16" in flags else "AVX-512" if "avx512f" in flags
           else "AVX2" if "avx2" in flags else "no AVX2")
    if flags:
        cpu += " (%s%s)" % (isa, ", VNNI" if flags & {"avx512_vnni", "avx_vnni"} else "")
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
                    help="add Fashion-MNIST accuracy fp32 vs bf16 and the time-to-accuracy "
                         "rows, kcell against PyTorch (about 30 minutes)")
    ap.add_argument("--no-torch", action="store_true", help="kcell only")
    ap.add_argument("--previous", metavar="FILE",
                    help="a table an earlier run wrote, whose kcell numbers go beside the new "
                         "ones (default: the --markdown file)")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.work = os.path.abspath(args.work or os.path.join(args.build, "bench-work"))
    args.previous = args.previous or args.markdown
    notes = machine_notes(args)
    bench = Bench(args)
    table = bench.run()
    if bench.previous_made:
        table.notes.append("\"kcell before\": the table of %s." % bench.previous_made)
    print(table.text())
    print(notes)
    if args.markdown:
        command = " ".join(["tests/bench/run_benchmarks.py"] + sys.argv[1:])
        write_markdown(args.markdown, table, command, notes)


if __name__ == "__main__":
    main()

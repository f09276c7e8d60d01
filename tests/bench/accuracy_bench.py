#!/usr/bin/python3
"""Accuracy benchmark of issue [13]: kcell's default command with 3 seeds on real
PneumoniaMNIST, Debian's Fashion-MNIST (--augment hflip, as the quickstart) and the
TissueMNIST-shaped file (time only), one `kcell tune --budget 10` on PneumoniaMNIST, and
one PyTorch run of the same model and recipe (torch_recipe.py); writes docs/accuracy.md.

usage: accuracy_bench.py [--build DIR] [--work DIR] [--out docs/accuracy.md] [--quick]
                         [--only pneumonia,fashion,tissue,tune,torch] [--reuse]

Takes about an hour on 2 cores (not a CTest test). --quick shrinks everything (1 epoch,
2 seeds, small Fashion-MNIST and TissueMNIST-shaped subsets, a 1-minute tune) to check the
script end to end in a few minutes; its numbers mean nothing.
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
PNEUMONIA = os.path.join(SOURCE, "tests", "data", "real", "pneumoniamnist.npz")
FASHION = "/usr/share/datasets/fashion-mnist"
sys.path.insert(0, HERE)

# MedMNIST v2 (Yang et al., Scientific Data 2023), PneumoniaMNIST test split: (ACC, AUC).
MEDMNIST_PNEUMONIA = [
    ("ResNet-18 (28)", 0.854, 0.944), ("ResNet-18 (224)", 0.864, 0.956),
    ("ResNet-50 (28)", 0.854, 0.948), ("ResNet-50 (224)", 0.884, 0.962),
    ("auto-sklearn", 0.855, 0.942), ("AutoKeras", 0.878, 0.947),
    ("Google AutoML Vision", 0.946, 0.991)]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, out_file):
    log("$ " + " ".join(cmd))
    start = time.perf_counter()
    with open(out_file, "w") as f:
        subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, check=True)
    return (time.perf_counter() - start) / 60


def fashion_subset(path, sizes):
    """A small .npz of Fashion-MNIST (train/val/test counts `sizes`) for --quick."""
    from torch_reference import load_fashion
    tr_x, tr_y, va_x, va_y, te_x, te_y = load_fashion()
    arrays = {}
    for name, x, y, n in (("train", tr_x, tr_y, sizes[0]), ("val", va_x, va_y, sizes[1]),
                          ("test", te_x, te_y, sizes[2])):
        arrays[name + "_images"] = x[:n]
        arrays[name + "_labels"] = np.asarray(y[:n], np.uint8).reshape(-1, 1)
    np.savez(path, **arrays)
    return path


def train_seeds(kcell, data, name, work, seeds, extra, reuse=False):
    folder = os.path.join(work, name)
    os.makedirs(folder, exist_ok=True)
    cmd = [kcell, "train", "--data", data, "--seeds", str(seeds), "--json",
           os.path.join(folder, "train.json"), "--report", os.path.join(folder, "report"),
           "--out", os.path.join(folder, "ensemble.kcell")] + extra
    done = os.path.join(folder, "wall_minutes")
    if reuse and os.path.exists(done):  # a finished part of an earlier run of this script
        log("reusing " + folder)
        minutes = float(open(done).read())
    else:
        minutes = run(cmd, os.path.join(folder, "train.txt"))
        open(done, "w").write("%.4f\n" % minutes)
    result = json.load(open(os.path.join(folder, "train.json")))
    result["wall_minutes"] = minutes
    result["settings_file"] = os.path.join(folder, "report", "metrics.json")
    result["model_file"] = os.path.join(folder, "ensemble.kcell")
    if seeds == 1:  # the same shape as several seeds, without a spread
        result["seeds"] = {"mean_sd": {}}
    return result


def spread(result, name):
    s = result["seeds"]["mean_sd"].get(name)
    if not s or s["mean"] is None:
        return "–"
    return "%.3f ± %.3f" % (s["mean"], s["sd"] or 0) if s["n"] > 1 else "%.3f" % s["mean"]


def mean_of(result, name):
    s = result["seeds"]["mean_sd"].get(name)
    return s["mean"] if s and s["mean"] is not None else float("nan")


def target_rows(r, seeds):
    """Issue [13]'s targets against this run: (target, measured, met) rows."""
    rows = []
    yes = lambda ok: "**met**" if ok else "missed"  # noqa: E731
    if "pneumonia" in r:
        p = r["pneumonia"]
        acc, auc = mean_of(p, "test_accuracy"), mean_of(p, "test_auc")
        per_run = p["wall_minutes"] / seeds
        rows.append(("PneumoniaMNIST, default command, %d-seed mean: ACC ≥ 0.885, AUC ≥ 0.963, "
                     "≤ 3 min a run" % seeds,
                     "%.3f / %.3f, %.1f min a run" % (acc, auc, per_run),
                     yes(acc >= 0.885 and auc >= 0.963 and per_run <= 3)))
    if "fashion" in r:
        f = r["fashion"]
        acc, per_run = mean_of(f, "test_accuracy"), f["wall_minutes"] / seeds
        rows.append(("Fashion-MNIST, default command, %d-seed mean: ACC ≥ 0.940, ≤ 5 min a run"
                     % seeds, "%.3f, %.1f min a run" % (acc, per_run),
                     yes(acc >= 0.940 and per_run <= 5)))
    if "tissue" in r:
        t = r["tissue"]["wall_minutes"]
        rows.append(("TissueMNIST-shaped file: ≤ 15 min with the test report", "%.1f min" % t,
                     yes(t <= 15)))
    if "tune" in r and "pneumonia" in r:
        t, p = r["tune"]["test"], r["pneumonia"]
        acc, auc = mean_of(p, "test_accuracy"), mean_of(p, "test_auc")
        rows.append(("kcell tune --budget %g on PneumoniaMNIST: ACC and AUC above the default "
                     "command's" % r["tune"]["budget_minutes"],
                     "%.3f / %.3f against %.3f / %.3f, %.1f min" % (
                         t["accuracy"], t["auc"], acc, auc, r["tune"]["wall_minutes"]),
                     yes(t["accuracy"] > acc and t["auc"] > auc)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"))
    ap.add_argument("--work", default="/tmp/kcell-accuracy-bench")
    ap.add_argument("--out", default=os.path.join(SOURCE, "docs", "accuracy.md"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the parts an earlier run left finished in --work")
    ap.add_argument("--only", default="pneumonia,fashion,tissue,tune,torch")
    ap.add_argument("--note", default="",
                    help="a paragraph on the run's conditions, printed under the title")
    ap.add_argument("--torch-seeds", type=int, default=0,
                    help="seeds of the PyTorch row (0: as many as kcell's)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    kcell = os.path.join(args.build, "tools", "kcell", "kcell")
    os.makedirs(args.work, exist_ok=True)
    seeds = 2 if args.quick else 3
    quick = ["--epochs", "1"] if args.quick else []
    results = {}

    if "pneumonia" in only or "torch" in only:
        results["pneumonia"] = train_seeds(kcell, PNEUMONIA, "pneumonia", args.work, seeds, quick,
                                           args.reuse)
    if "fashion" in only:
        data = (fashion_subset(os.path.join(args.work, "fashion_small.npz"), (2000, 500, 1000))
                if args.quick else FASHION)
        results["fashion"] = train_seeds(kcell, data, "fashion", args.work, seeds,
                                         ["--augment", "hflip"] + quick, args.reuse)
    if "tissue" in only:
        from run_benchmarks import make_tissue_like
        path = os.path.join(args.work, "tissuemnist_like%s.npz" % ("_quick" if args.quick else ""))
        if not os.path.exists(path):
            make_tissue_like(path, 200 if args.quick else 1)
        # Time only (the images are synthetic): one seed says it.
        results["tissue"] = train_seeds(kcell, path, "tissue", args.work, 1, quick, args.reuse)
    if "tune" in only:
        folder = os.path.join(args.work, "tune")
        os.makedirs(folder, exist_ok=True)
        budget = "1" if args.quick else "10"
        cmd = [kcell, "tune", "--data", PNEUMONIA, "--budget", budget, "--quiet",
               "--json", os.path.join(folder, "tune.json"), "--table",
               os.path.join(folder, "tune.md"), "--out", os.path.join(folder, "tune.kcell")]
        if args.quick:
            cmd += ["--candidates", "3", "--min-epochs", "1", "--max-epochs", "2"]
        done = os.path.join(folder, "tune_result.json")
        if args.reuse and os.path.exists(done):  # a finished part of an earlier run
            results["tune"] = json.load(open(done))
        else:
            minutes = run(cmd, os.path.join(folder, "tune.txt"))
            results["tune"] = json.load(open(os.path.join(folder, "tune.json")))
            results["tune"]["wall_minutes"] = minutes
            json.dump(results["tune"], open(done, "w"), indent=2)
    if "torch" in only and subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                                          stderr=subprocess.DEVNULL).returncode != 0:
        log("no PyTorch in /usr/bin/python3 (Debian: python3-torch): the PyTorch row is left out")
        only.discard("torch")
        results["torch_missing"] = True
    if "torch" in only:
        folder = os.path.join(args.work, "torch")
        os.makedirs(folder, exist_ok=True)
        rows = []
        for seed in range(42, 42 + (args.torch_seeds or seeds)):
            out = os.path.join(folder, "seed%d.json" % seed)
            if not (args.reuse and os.path.exists(out)):
                run(["/usr/bin/python3", os.path.join(HERE, "torch_recipe.py"), "--npz", PNEUMONIA,
                     "--settings", results["pneumonia"]["settings_file"], "--model-file",
                     results["pneumonia"]["model_file"], "--seed", str(seed)], out)
            rows.append(json.loads(open(out).read().strip().splitlines()[-1]))
        results["torch"] = rows

    json.dump(results, open(os.path.join(args.work, "results.json"), "w"), indent=2)
    write_markdown(args.out, results, args.quick, seeds, args.note)
    log("wrote " + args.out)


def write_markdown(path, r, quick, seeds, note=""):
    L = ["# Accuracy", "",
         "Measured by `tests/bench/accuracy_bench.py` (%s) on this machine's 2 cores, %s." %
         ("**--quick: reduced sizes, the numbers mean nothing**" if quick else "full run",
          time.strftime("%Y-%m-%d", time.gmtime())),
         "Each kcell row is the default command (`kcell train --data FILE`, plus what the "
         "row says) with %d seeds (42 …), mean ± sample sd over the seeds; \"ensemble\" is "
         "the mean-probability ensemble of those models that `--seeds` saves. Rerun with "
         "`python3 tests/bench/accuracy_bench.py --build build` (about an hour); "
         "`--quick` checks the script in minutes." % seeds, ""]
    if note:
        L += ["**Conditions of this run:** " + note, ""]
    if "pneumonia" in r:
        p = r["pneumonia"]
        L += ["## PneumoniaMNIST (real MedMNIST v2 data, tests/data/real)", "",
              "| method | test ACC | test AUC | train–val gap | minutes per run |",
              "|---|---|---|---|---|",
              "| **kcell, default command** | %s | %s | %s | %s |" % (
                  spread(p, "test_accuracy"), spread(p, "test_auc"),
                  spread(p, "train_val_gap"), spread(p, "minutes")),
              "| kcell, ensemble of the %d seeds | %.3f | %.3f | | |" % (
                  seeds, p["accuracy"], p["auc"])]
        if "tune" in r:
            t = r["tune"]
            L.append("| kcell tune --budget %g (the best recipe under %d seeds: %s) | %.3f | %.3f "
                     "| %s | %.1f in all |" % (
                t["budget_minutes"], t["ensemble_members"],
                " ".join("%s=%s" % kv for kv in t["pick"][0].items()
                         if kv[0] not in ("seed", "val_loss", "val_auc")),
                t["test"]["accuracy"], t["test"]["auc"],
                "%+.3f" % t["table"][0]["train_val_gap"], t["wall_minutes"]))
        if "torch" in r:
            acc = [x["test_accuracy"] for x in r["torch"]]
            auc = [x["test_auc"] for x in r["torch"]]
            sd = lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else 0.0  # noqa: E731
            missing = sorted({n for x in r["torch"] for n in x["not_reproduced"]})
            L.append("| PyTorch %s, same model and recipe (torch_recipe.py)%s | %.3f ± %.3f | "
                     "%.3f ± %.3f | | %.2f |" % (
                         r["torch"][0]["torch"],
                         " — not reproduced: " + ", ".join(missing) if missing else "",
                         np.mean(acc), sd(acc), np.mean(auc), sd(auc),
                         np.mean([x["minutes"] for x in r["torch"]])))
        if r.get("torch_missing"):
            L.append("| PyTorch, same model and recipe | not run: /usr/bin/python3 has no torch "
                     "(python3-torch) | | | |")
        for name, acc, auc in MEDMNIST_PNEUMONIA:
            L.append("| MedMNIST v2: %s | %.3f | %.3f | | |" % (name, acc, auc))
        L += ["", "The MedMNIST v2 rows are the paper's (trained on the full 4,708-image training "
              "split); kcell's training split here is a 3,882-image subset with fewer normal "
              "images (tests/data/real/README.md).", ""]
    if "fashion" in r:
        f = r["fashion"]
        L += ["## Fashion-MNIST (Debian's, `--augment hflip` as the quickstart)", "",
              "| method | test ACC | test AUC | train–val gap | minutes per run |",
              "|---|---|---|---|---|",
              "| kcell, default command | %s | %s | %s | %s |" % (
                  spread(f, "test_accuracy"), spread(f, "test_auc"),
                  spread(f, "train_val_gap"), spread(f, "minutes")),
              "| kcell, ensemble of the %d seeds | %.3f | %.3f | | |" % (
                  seeds, f["accuracy"], f["auc"]), ""]
    if "tissue" in r:
        t = r["tissue"]
        L += ["## TissueMNIST-shaped file (time only)", "",
              "Synthetic images with TissueMNIST's split sizes and class balance "
              "(tests/data/make_tissuemnist_like.py): its accuracy says nothing.", "",
              "| run | minutes (training) | whole command, with the test report |",
              "|---|---|---|",
              "| kcell, default command | %s | %.1f |" % (spread(t, "minutes"),
                                                       t["wall_minutes"]), ""]
    if "tune" in r:
        L += ["## kcell tune", "", "`kcell tune --data pneumoniamnist.npz --budget %g`: %d of the "
              "rungs done in %.1f minutes; the table (validation numbers only) is in the bench "
              "folder's tune/tune.md." % (r["tune"]["budget_minutes"], r["tune"]["rungs_done"],
                                         r["tune"]["minutes"]), ""]
    rows = target_rows(r, seeds)
    if rows:
        L += ["## Against the targets of issue [13]", "",
              "Minutes are wall time on this machine in this run (a run with `--seeds %d` "
              "divided by %d, the test report included)." % (seeds, seeds), "",
              "| target | measured | |", "|---|---|---|"]
        L += ["| %s | %s | %s |" % row for row in rows] + [""]
    L += ["## How the recipe got here", "",
          "The experiments behind the defaults (measured by hand, several seeds each) are in "
          "[recipe-experiments.md](recipe-experiments.md).", ""]
    open(path, "w").write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()

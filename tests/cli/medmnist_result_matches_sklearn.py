"""kcell eval --medmnist-result writes the file medmnist.Evaluator.evaluate(y_score,
save_folder, run) writes: named {flag}_{split}_[AUC]{auc:.3f}_[ACC]{acc:.3f}@{run}.csv, one
row "index,score_0,...,score_k-1" per image and no header (pandas' to_csv(header=None)),
read back as MedMNIST's parse_and_evaluate reads it. The name's AUC and ACC are recomputed
from the file's scores with scikit-learn, the way MedMNIST's getAUC / getACC compute them
(binary: the last column's AUC and "> 0.5"; multi-class: mean one-vs-rest AUC and argmax),
and the scores equal kcell predict's. Runs the 4-class fixture model and a binary model
trained here.

usage: medmnist_result_matches_sklearn.py KCELL FIXTURES OUT"""
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

kcell, fixtures, out = sys.argv[1:4]
NAME = re.compile(r"^(?P<flag>.+)_(?P<split>train|val|test)_\[AUC\](?P<auc>\d\.\d{3})"
                  r"_\[ACC\](?P<acc>\d\.\d{3})@(?P<run>.+)\.csv$")


def run(*args):
    done = subprocess.run([kcell, *args], capture_output=True, text=True)
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return done.stdout


def medmnist_metrics(labels, scores):
    """getAUC / getACC of medmnist/evaluator.py for the binary and multi-class tasks."""
    if scores.shape[1] == 2:
        return (roc_auc_score(labels, scores[:, -1]),
                accuracy_score(labels, scores[:, -1] > 0.5))
    auc = np.mean([roc_auc_score((labels == c).astype(float), scores[:, c])
                   for c in range(scores.shape[1])])
    return auc, accuracy_score(labels, np.argmax(scores, axis=-1))


def check(model, data, split, folder, flag, run_name, extra=(), tta=()):
    shutil.rmtree(folder, ignore_errors=True)
    printed = run("eval", "--model", model, "--data", data, "--split", split, "--threads", "1",
                  "--medmnist-result", folder, *extra, *tta)
    (path,) = glob.glob(os.path.join(folder, "*.csv"))
    assert f"MedMNIST result written to {path}" in printed, printed
    m = NAME.match(os.path.basename(path))
    assert m, path
    assert (m["flag"], m["split"], m["run"]) == (flag, split, run_name), m.groupdict()
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    # No header: the first row is image 0; the first column is the index.
    assert [int(r[0]) for r in rows] == list(range(len(rows)))
    scores = np.array([[float(v) for v in r[1:]] for r in rows])
    with np.load(data) as npz:
        labels = npz[f"{split}_labels"].reshape(-1).astype(int)
        images = npz[f"{split}_images"]
    assert scores.shape[0] == len(labels)
    auc, acc = medmnist_metrics(labels, scores)
    assert m["auc"] == f"{auc:.3f}" and m["acc"] == f"{acc:.3f}", (path, auc, acc)
    # The scores are kcell predict's probabilities (float32 written to round-trip).
    stack = os.path.join(out, "medmnist_images.npy")
    np.save(stack, images)
    predicted = json.loads(run("predict", "--model", model, "--threads", "1", *tta,
                               "--json", "-", stack))
    expected = np.array([p["probabilities"] for p in predicted])
    np.testing.assert_allclose(scores, expected, rtol=0, atol=1e-6)
    return auc, acc


os.makedirs(out, exist_ok=True)
# Multi-class: the fixture model (4 classes, dihedral TTA).
auc, acc = check(os.path.join(out, "model.kcell"), os.path.join(fixtures, "cells.npz"), "test",
                 os.path.join(out, "medmnist_multi"), "cells", "model")
print(f"4 classes: AUC {auc:.4f} ACC {acc:.4f}")

# Binary: classes 0 and 1 of the fixtures, a model trained here; flag and run given.
with np.load(os.path.join(fixtures, "cells.npz")) as npz:
    arrays = {}
    for split in ("train", "val", "test"):
        keep = npz[f"{split}_labels"].reshape(-1) < 2
        arrays[f"{split}_images"] = npz[f"{split}_images"][keep]
        arrays[f"{split}_labels"] = npz[f"{split}_labels"][keep]
binary = os.path.join(out, "binary_cells.npz")
np.savez(binary, **arrays)
binary_model = os.path.join(out, "binary.kcell")
run("train", "--data", binary, "--model", "lenet5", "--epochs", "2", "--threads", "1",
    "--quiet", "--out", binary_model)
auc, acc = check(binary_model, binary, "val", os.path.join(out, "medmnist_binary"),
                 "breastmnist_64", "3", ("--medmnist-flag", "breastmnist_64", "--medmnist-run", "3"),
                 ("--tta", "flips"))
print(f"binary: AUC {auc:.4f} ACC {acc:.4f}")

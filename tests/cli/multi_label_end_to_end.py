"""Multi-label data (ChestMNIST style: labels (N, L) of 0 / 1) through the kcell program,
on the generated fixture of tests/fixtures/multi_label/make_multi_label.py:

- info and train see 4 labels, and convert writes them back as (N, L); training (binary cross-entropy, automatic positive
  weights, the default augmentation and dihedral TTA) clearly learns them: test ACC and
  AUC far above what a model that learnt nothing gets;
- eval's ACC and AUC are MedMNIST's (mean over labels of threshold-0.5 accuracy, mean of
  per-label AUCs), recomputed here with scikit-learn from predict's probabilities, and so
  are the per-label precision / recall / AUC of its JSON; console and report.html show
  the per-label table;
- --medmnist-result writes MedMNIST's multi-label CSV, its name's AUC / ACC as sklearn
  computes them from its scores;
- predict --json gives every label's probability and the labels over 0.5;
- the model file records the task (format version 3);
- the ONNX export ends in Sigmoid (with the views' mean) and OpenCV's dnn gives kcell's
  probabilities within 1e-4;
- softmax-only options are refused clearly: --balanced, --decision balanced, --calibrate,
  --sets, and --pos-weights on multi-class data.

usage: multi_label_end_to_end.py KCELL FIXTURE_SCRIPT OUT"""
import csv
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import cv2
import numpy as np
import onnx
from sklearn.metrics import accuracy_score, precision_score, recall_score, roc_auc_score

kcell, make_fixture, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
data = os.path.join(out, "chestlike.npz")
subprocess.run([sys.executable, make_fixture, data], check=True)
model = os.path.join(out, "multi_label.kcell")


def run(*args, code=0):
    done = subprocess.run([kcell, *args], capture_output=True, text=True)
    assert done.returncode == code, f"{args}: {done.returncode} {done.stdout}{done.stderr}"
    return done


with np.load(data) as npz:
    test_images = npz["test_images"]
    test_labels = npz["test_labels"].astype(int)
L = test_labels.shape[1]

info = run("info", data).stdout
assert "4 binary labels per image (multi-label)" in info, info
assert "positives per label" in info, info
assert "training memory" in info, info

# convert writes the (N, L) labels back as they were: the copy reads multi-label again.
copy = os.path.join(out, "chestlike_copy.npz")
run("convert", data, copy)
with np.load(data) as original, np.load(copy) as converted:
    for split in ("train", "val", "test"):
        assert converted[split + "_labels"].shape == original[split + "_labels"].shape
        assert (converted[split + "_labels"] == original[split + "_labels"]).all(), split
        assert (converted[split + "_images"] == original[split + "_images"]).all(), split
assert "4 binary labels per image (multi-label)" in run("info", copy).stdout

trained = run("train", "--data", data, "--model", "lenet5", "--epochs", "8", "--batch", "32",
              "--threads", "1",
              "--pos-weights", "auto", "--out", model, "--report",
              os.path.join(out, "ml_report")).stdout
assert "labels" in trained and "AUC per label" in trained, trained

# The model file records the task.
with zipfile.ZipFile(model) as z:
    meta = json.loads(z.read("kcell.json"))
assert meta["task"] == "multi-label" and meta["format_version"] == 3, meta
assert meta["training"]["parameters"]["pos_weights"] == "auto", meta["training"]

# Predictions: one probability per label, and the labels over 0.5.
stack = os.path.join(out, "ml_test_images.npy")
np.save(stack, test_images)
predicted = json.loads(run("predict", "--model", model, "--threads", "1", "--json", "-",
                           stack).stdout)
probs = np.array([p["probabilities"] for p in predicted])
assert probs.shape == test_labels.shape, probs.shape
for p in predicted:
    assert p["labels"] == [j for j, v in enumerate(p["probabilities"]) if v > 0.5], p
lines = run("predict", "--model", model, "--threads", "1", stack).stdout.splitlines()
first = lines[0].split("\t")
assert first[1] == "{" + ",".join(map(str, predicted[0]["labels"])) + "}", lines[0]
assert len(first[2].split(",")) == L, lines[0]

# MedMNIST's numbers (medmnist/evaluator.py, multi-label) from the same probabilities.
decisions = probs > 0.5
acc = np.mean([accuracy_score(test_labels[:, l], decisions[:, l]) for l in range(L)])
auc = np.mean([roc_auc_score(test_labels[:, l], probs[:, l]) for l in range(L)])
evaluation = json.loads(run("eval", "--model", model, "--data", data, "--threads", "1",
                            "--json", "-").stdout)
assert evaluation["task"] == "multi-label", evaluation
assert abs(evaluation["accuracy"] - acc) < 1e-12, (evaluation["accuracy"], acc)
assert abs(evaluation["auc"] - auc) < 1e-9, (evaluation["auc"], auc)
for l, row in enumerate(evaluation["per_label"]):
    assert row["positives"] == int(test_labels[:, l].sum()), row
    assert row["predicted"] == int(decisions[:, l].sum()), row
    assert abs(row["precision"] - precision_score(test_labels[:, l], decisions[:, l],
                                                  zero_division=0)) < 1e-12, row
    assert abs(row["recall"] - recall_score(test_labels[:, l], decisions[:, l])) < 1e-12, row
    assert abs(row["auc"] - roc_auc_score(test_labels[:, l], probs[:, l])) < 1e-9, row
# It learnt: always answering 0 scores the base rates (about 0.79) and AUC 0.5.
base = np.mean([max(r, 1 - r) for r in test_labels.mean(axis=0)])
assert acc > 0.95 and acc > base + 0.1 and auc > 0.97, (acc, base, auc)
print(f"multi-label test ACC {acc:.4f} (always-0 baseline {base:.4f}), AUC {auc:.4f}")

console = run("eval", "--model", model, "--data", data, "--threads", "1").stdout
assert re.search(r"test: 120 images +4 labels +loss", console), console
assert "label (p > 0.5)" in console and "positives" in console, console
page = open(os.path.join(out, "ml_report", "report.html"), encoding="utf-8").read()
assert 'id="per-label"' in page and "Per-label results" in page, "no per-label table"
assert 'id="confusion"' not in page, "a multi-label report has no confusion matrix"

# MedMNIST's result file.
folder = os.path.join(out, "ml_medmnist")
shutil.rmtree(folder, ignore_errors=True)
run("eval", "--model", model, "--data", data, "--threads", "1", "--medmnist-result", folder,
    "--medmnist-flag", "chestmnist", "--medmnist-run", "1")
(path,) = glob.glob(os.path.join(folder, "*.csv"))
with open(path, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
scores = np.array([[float(v) for v in r[1:]] for r in rows])
assert [int(r[0]) for r in rows] == list(range(len(test_labels)))
np.testing.assert_allclose(scores, probs, rtol=0, atol=1e-6)
file_acc = np.mean([accuracy_score(test_labels[:, l], scores[:, l] > 0.5) for l in range(L)])
file_auc = np.mean([roc_auc_score(test_labels[:, l], scores[:, l]) for l in range(L)])
assert os.path.basename(path) == \
    f"chestmnist_test_[AUC]{file_auc:.3f}_[ACC]{file_acc:.3f}@1.csv", path

# ONNX: Sigmoid outputs (the mean of the dihedral views' sigmoids), OpenCV agrees.
onnx_path = os.path.join(out, "multi_label.onnx")
printed = run("export", "--model", model, "--onnx", onnx_path).stdout
assert "TTA dihedral" in printed, printed
graph = onnx.load(onnx_path)
onnx.checker.check_model(graph)
ops = [n.op_type for n in graph.graph.node]
assert "Sigmoid" in ops and "Softmax" not in ops, ops
net = cv2.dnn.readNetFromONNX(onnx_path)
net.setInput(test_images[:, None].astype(np.float32))
np.testing.assert_allclose(net.forward(), probs, rtol=0, atol=1e-4)

# Softmax-only settings are refused with one line, before training.
for args, words in (
        (("--balanced",), "balanced sampler"),
        (("--decision", "balanced"), "decision bias"),
        (("--calibrate",), "multi-label"),
        (("--pos-weights", "1,2"), "2 weights given")):
    done = run("train", "--data", data, "--model", "lenet5", "--epochs", "1", "--threads", "1",
               "--quiet", "--out", os.path.join(out, "refused.kcell"), *args, code=1)
    assert words in done.stderr and done.stderr.count("\n") == 1, (args, done.stderr)
# Positive weights on multi-class data (label 0 alone as the class).
with np.load(data) as npz:
    single = {k: (v[:, 0] if k.endswith("_labels") else v) for k, v in npz.items()}
multi_class = os.path.join(out, "single_label.npz")
np.savez(multi_class, **single)
done = run("train", "--data", multi_class, "--model", "lenet5", "--epochs", "1", "--threads",
           "1", "--quiet", "--out", os.path.join(out, "refused.kcell"), "--pos-weights", "auto",
           code=1)
assert "positive weights are for multi-label models" in done.stderr, done.stderr
done = run("predict", "--model", model, "--sets", stack, code=1)
assert "multi-label" in done.stderr, done.stderr
print("refusals: --balanced, --decision balanced, --calibrate, --pos-weights, --sets")

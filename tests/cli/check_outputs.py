#!/usr/bin/python3
"""Checks the files the kcell program writes; exits 1 with a message on the first problem.

usage: check_outputs.py CHECK ARGS...
  train-report DIR TRAIN_JSON     metrics.json, history.csv and --json of a training run
  same-evaluation A_JSON B_JSON   two evaluations (eval --json, or metrics.json's "test")
  val-matches-kept-epoch EVAL_JSON METRICS_JSON
  same-predictions A_JSON B_JSON  predict --json outputs give the same classes and
                                  probabilities, image by image
  close-evaluation FP32_JSON JSON PRECISION TOLERANCE
                                  eval --json in PRECISION says so and has the accuracy
                                  of the fp32 one within TOLERANCE
  agreeing-predictions A_JSON B_JSON SHARE
                                  predict --json outputs for the same images give the
                                  same class for at least SHARE of them
  predict-lines FILE COUNT        COUNT tab-separated lines: input, class, name, probability
  sweep-table CSV RUNS METRIC     a ranked sweep table with RUNS rows, best first
  report-dom DOM_FILE CLASSES     report.html as Chromium rendered it has the charts
  calibrated-evaluation JSON ALPHA  an evaluation of a model calibrated with --alpha
  predict-sets LINES JSON P       predict --sets --min-confidence P output
"""
import csv
import json
import math
import re
import sys


def fail(message):
    print("check failed: " + message)
    sys.exit(1)


def load(path):
    with open(path) as f:
        return json.load(f)


def close(a, b, tolerance=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def check_evaluation(e, where):
    for key in ("accuracy", "balanced_accuracy", "auc", "loss", "n", "confusion", "per_class"):
        if key not in e:
            fail("%s has no key %r" % (where, key))
    k = len(e["per_class"])
    confusion = e["confusion"]
    if len(confusion) != k or any(len(row) != k for row in confusion):
        fail("%s: confusion is not %dx%d" % (where, k, k))
    total = sum(sum(row) for row in confusion)
    if total != e["n"]:
        fail("%s: the confusion matrix sums to %d, n is %d" % (where, total, e["n"]))
    if not close(e["accuracy"], sum(confusion[i][i] for i in range(k)) / total):
        fail("%s: accuracy is not the confusion matrix's trace over n" % where)
    recalls = []
    for c, pc in enumerate(e["per_class"]):
        for key in ("precision", "recall", "f1", "support"):
            if key not in pc:
                fail("%s: per_class[%d] has no %r" % (where, c, key))
        if pc["support"] != sum(confusion[c]):
            fail("%s: class %d support differs from its confusion row" % (where, c))
        if pc["support"]:
            recalls.append(confusion[c][c] / pc["support"])
            if not close(pc["recall"], recalls[-1]):
                fail("%s: class %d recall differs from the confusion matrix" % (where, c))
    if not close(e["balanced_accuracy"], sum(recalls) / len(recalls)):
        fail("%s: balanced accuracy is not the mean recall" % where)
    if not 0 <= e["auc"] <= 1 or not e["loss"] > 0:
        fail("%s: auc or loss out of range" % where)
    check_calibration(e, where)


def check_calibration(e, where):
    """ece, nll, brier, the 15 reliability bins and the risk-coverage curve."""
    for key in ("ece", "classwise_ece", "nll", "brier", "temperature", "reliability",
                "risk_coverage", "conformal"):
        if key not in e:
            fail("%s has no key %r" % (where, key))
    if not (0 <= e["ece"] <= 1 and 0 <= e["classwise_ece"] <= 1 and 0 <= e["brier"] <= 2
            and e["nll"] > 0):
        fail("%s: ece, classwise_ece, brier or nll out of range" % where)
    bins = e["reliability"]
    if len(bins) != 15 or sum(b["count"] for b in bins) != e["n"]:
        fail("%s: the 15 reliability bins do not count every image" % where)
    right = sum(b["count"] * b["accuracy"] for b in bins)
    if not close(right / e["n"], e["accuracy"], 1e-6):
        fail("%s: the reliability bins' accuracies do not add up to the accuracy" % where)
    ece = sum(b["count"] * abs(b["accuracy"] - b["confidence"]) for b in bins) / e["n"]
    if not close(ece, e["ece"], 1e-9):
        fail("%s: ece is not the bins' weighted gap" % where)
    points = e["risk_coverage"]["points"]
    if len(points) != 20 or not close(points[-1]["coverage"], 1.0) \
            or not close(points[-1]["accuracy"], e["accuracy"]):
        fail("%s: the risk-coverage curve does not end at all images and the accuracy" % where)
    if any(a["threshold"] < b["threshold"] for a, b in zip(points, points[1:])):
        fail("%s: risk-coverage thresholds do not fall as coverage grows" % where)


def calibrated_evaluation(path, alpha):
    """An evaluation of a model calibrated with --alpha: temperature and conformal sets."""
    e = load(path)
    check_calibration(e, path)
    c = e["conformal"]
    if c is None or not close(c["alpha"], float(alpha)):
        fail("%s: conformal is %r, expected alpha %s" % (path, c, alpha))
    if not 0 <= c["coverage"] <= 1 or not 0 <= c["mean_set_size"] <= len(e["per_class"]):
        fail("%s: conformal coverage or set size out of range" % path)
    per_class = c["per_class_coverage"]
    supports = [pc["support"] for pc in e["per_class"]]
    mean = sum(p * n for p, n in zip(per_class, supports) if n) / sum(supports)
    if len(per_class) != len(supports) or not close(mean, c["coverage"], 1e-9):
        fail("%s: per-class coverage does not average to the coverage" % path)
    if e["temperature"] == 1.0:
        fail("%s: the temperature was not fitted" % path)


def predict_sets(lines_path, json_path, min_confidence):
    """predict --sets --min-confidence: a set column and "uncertain" below the threshold."""
    threshold = float(min_confidence)
    with open(lines_path) as f:
        lines = f.read().splitlines()
    rows = load(json_path)
    if len(lines) != len(rows) or not rows:
        fail("%d lines and %d JSON rows" % (len(lines), len(rows)))
    uncertain = 0
    for line, row in zip(lines, rows):
        fields = line.split("\t")
        top = max(row["probabilities"])
        if len(fields) != 5:
            fail("not input<TAB>class<TAB>name<TAB>probability<TAB>set: %r" % line)
        if row["uncertain"] != (top < threshold):
            fail("uncertain is %r for a top probability %r" % (row["uncertain"], top))
        if row["uncertain"]:
            uncertain += 1
            if fields[1:3] != ["-", "uncertain"] or row["class"] is not None:
                fail("an uncertain row answers a class: %r / %r" % (line, row))
        members = fields[4][1:-1]
        if [int(c) for c in members.split(",") if members] != row["set"]:
            fail("the set column %r differs from the JSON set %r" % (fields[4], row["set"]))
    if uncertain == 0:
        fail("no image was uncertain at %s" % min_confidence)


def train_report(directory, train_json):
    metrics = load(directory + "/metrics.json")
    for key in ("kcell_version", "settings", "model", "training", "history", "test"):
        if key not in metrics:
            fail("metrics.json has no key %r" % key)
    check_evaluation(metrics["test"], "metrics.json test")
    same_evaluation_objects(metrics["test"], load(train_json), "--json vs metrics.json")
    with open(directory + "/history.csv") as f:
        rows = list(csv.DictReader(f))
    training = metrics["training"]
    if len(rows) != training["epochs"] or len(rows) != len(metrics["history"]):
        fail("history.csv has %d rows for %d epochs" % (len(rows), training["epochs"]))
    best = [int(r["epoch"]) for r in rows if r["best"] == "1"]
    if training["best_epoch"] is not None and best != [training["best_epoch"]]:
        fail("history.csv marks epochs %s best, metrics.json %s" % (best, training["best_epoch"]))
    kept = rows[training["validation"]["epoch"] - 1]
    if not close(float(kept["val_accuracy"]), training["validation"]["accuracy"], 1e-5):
        fail("the kept epoch's validation accuracy differs between history.csv and metrics.json")
    for name in ("epochs", "lr", "augment", "class-weights", "early-stop", "precision"):
        if name not in metrics["settings"]:
            fail("metrics.json settings lack %r" % name)


def same_evaluation_objects(a, b, where):
    for key in ("n", "confusion"):
        if a[key] != b[key]:
            fail("%s: %s differs" % (where, key))
    for key in ("accuracy", "balanced_accuracy", "auc", "loss"):
        if not close(a[key], b[key]):
            fail("%s: %s differs (%r vs %r)" % (where, key, a[key], b[key]))
    for x, y in zip(a["per_class"], b["per_class"]):
        if x["support"] != y["support"] or not close(x["f1"], y["f1"]):
            fail("%s: per_class differs" % where)


def same_evaluation(a_path, b_path):
    a, b = load(a_path), load(b_path)
    a, b = a.get("test", a), b.get("test", b)
    check_evaluation(a, a_path)
    same_evaluation_objects(a, b, a_path + " vs " + b_path)


def val_matches_kept_epoch(eval_path, metrics_path):
    e, kept = load(eval_path), load(metrics_path)["training"]["validation"]
    if e["split"] != "val":
        fail("%s is not an evaluation of the validation split" % eval_path)
    for key in ("loss", "accuracy", "balanced_accuracy", "auc"):
        if not close(e[key], kept[key], 1e-6):
            fail("val %s %r differs from the kept epoch's %r" % (key, e[key], kept[key]))


def same_predictions(a_path, b_path):
    a, b = load(a_path), load(b_path)
    if len(a) != len(b) or not a:
        fail("%d predictions vs %d" % (len(a), len(b)))
    for x, y in zip(a, b):
        for p in (x, y):
            if set(p) != {"input", "class", "name", "probabilities"} or \
               set(p["input"]) != {"file", "index"}:
                fail("a prediction has keys %s" % sorted(p))
            if not close(sum(p["probabilities"]), 1.0, 1e-4):
                fail("probabilities do not sum to 1")
            if p["class"] != max(range(len(p["probabilities"])), key=p["probabilities"].__getitem__):
                fail("class is not the most probable one")
        if x["class"] != y["class"] or x["name"] != y["name"]:
            fail("%s says %s, %s says %s" % (x["input"], x["class"], y["input"], y["class"]))
        if any(not close(p, q, 1e-6) for p, q in zip(x["probabilities"], y["probabilities"])):
            fail("probabilities of %s and %s differ" % (x["input"], y["input"]))


def close_evaluation(fp32_path, path, precision, tolerance):
    a, b = load(fp32_path), load(path)
    check_evaluation(a, fp32_path)
    check_evaluation(b, path)
    if a["precision"] != "fp32" or b["precision"] != precision:
        fail("precisions %r and %r, expected fp32 and %r" % (a["precision"], b["precision"],
                                                          precision))
    if a["n"] != b["n"] or a["split"] != b["split"]:
        fail("%s and %s evaluate different images" % (fp32_path, path))
    if abs(a["accuracy"] - b["accuracy"]) > float(tolerance):
        fail("%s accuracy %.4f is more than %s from fp32's %.4f" % (
            precision, b["accuracy"], tolerance, a["accuracy"]))
    if ("calibration" in b) != (precision == "int8"):
        fail("%s: a calibration entry only and always for int8" % path)


def agreeing_predictions(a_path, b_path, share):
    a, b = load(a_path), load(b_path)
    if len(a) != len(b) or not a:
        fail("%d predictions vs %d" % (len(a), len(b)))
    if [p["input"] for p in a] != [p["input"] for p in b]:
        fail("the predictions are of different inputs")
    agree = sum(x["class"] == y["class"] for x, y in zip(a, b)) / len(a)
    if agree < float(share):
        fail("classes agree on %.3f of the images, expected at least %s" % (agree, share))


def predict_lines(path, count):
    with open(path) as f:
        lines = f.read().splitlines()
    if len(lines) != int(count):
        fail("%d lines, expected %s" % (len(lines), count))
    for line in lines:
        fields = line.split("\t")
        if len(fields) != 4 or not fields[1].isdigit() or not 0 <= float(fields[3]) <= 1:
            fail("not input<TAB>class<TAB>name<TAB>probability: %r" % line)


def sweep_table(path, runs, metric):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if len(rows) != int(runs):
        fail("%d rows, expected %s" % (len(rows), runs))
    for key in ("val_accuracy", "val_balanced_accuracy", "val_auc", "train_val_gap"):
        if key not in rows[0]:
            fail("no column %r" % key)
    values = [float(r[metric]) for r in rows]
    ordered = sorted(values, reverse=metric != "val_loss")
    if values != ordered:
        fail("rows are not ranked by %s: %s" % (metric, values))
    if [int(r["rank"]) for r in rows] != list(range(1, len(rows) + 1)):
        fail("ranks are not 1..%d" % len(rows))


def report_dom(path, classes):
    with open(path) as f:
        dom = f.read()
    k = int(classes)
    counts = {
        "svg elements": (len(re.findall(r"<svg\b", dom)), 4),
        "learning-curve charts": (len(re.findall(r'<svg[^>]*class="chart learning-curve"', dom)), 2),
        "learning-curve paths": (len(re.findall(r'<path class="curve" d="M', dom)), 5),
        "best-epoch markers": (dom.count('class="best-epoch"'), 2),
        "heatmap cells": (dom.count('class="heatmap-cell'), k * k),
        "recall bars": (dom.count('class="bar recall-bar"'), k),
        "reliability diagrams": (len(re.findall(r'<svg[^>]*class="chart reliability"', dom)), 1),
        "reliability bars": (dom.count('class="bar reliability-bar"'), 1),
        "risk-coverage curves": (dom.count('class="series risk-coverage-line"'), 1),
        "gallery figures": (len(re.findall(r'<figure class="(?:right|wrong)"><img[^>]*src="data:image/png;base64,', dom)), k),
    }
    for what, (got, expected) in counts.items():
        if got < expected or (what in ("heatmap cells", "recall bars") and got != expected):
            fail("%s: %d, expected %s%d" % (what, got, "" if what.endswith(("cells", "bars")) else ">= ", expected))
    if "</html>" not in dom:
        fail("the page did not render to the end")


CHECKS = {
    "train-report": train_report,
    "same-evaluation": same_evaluation,
    "val-matches-kept-epoch": val_matches_kept_epoch,
    "same-predictions": same_predictions,
    "close-evaluation": close_evaluation,
    "agreeing-predictions": agreeing_predictions,
    "predict-lines": predict_lines,
    "sweep-table": sweep_table,
    "report-dom": report_dom,
    "calibrated-evaluation": calibrated_evaluation,
    "predict-sets": predict_sets,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CHECKS:
        print(__doc__)
        sys.exit(2)
    CHECKS[sys.argv[1]](*sys.argv[2:])

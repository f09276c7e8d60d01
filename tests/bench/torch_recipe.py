#!/usr/bin/python3
"""PyTorch peer of one kcell training recipe, for the accuracy benchmark: trains the model
a kcell run trained (`reference`, `resnet8`, `resnet10` or `resnet18`) with the settings it recorded
(its --report metrics.json "settings", and with --model-file the resolved automatic lengths
that the saved model's kcell.json holds) and prints one JSON line with test accuracy (plain
argmax) and AUC of the kept epoch.

What it reproduces: AdamW (decay on conv/dense weights only), cosine schedule with linear
warm-up in epochs, batch size, epochs, label smoothing, random flips / quarter turns per
image (augment), class weights 1/sqrt(count) or 1/count (mean 1), input normalisation by
the training mean/std, and keeping the epoch with the best validation balanced accuracy
(early stop with patience). Settings it does not know are listed under "not_reproduced".

usage: torch_recipe.py --npz FILE|FASHION_DIR --settings metrics.json [--model-file M.kcell] [--seed 42]
                       [--threads 2]
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from torch_reference import load_fashion, load_npz, reference  # noqa: E402

sys.path.insert(0, __file__.rsplit("/", 3)[0] + "/tests/fixtures/model_spec")
from param_counts import BasicBlock, resnet18  # noqa: E402


def resnet8(cin, classes):
    """kcell's `resnet8` preset (spec/presets.cpp): 3x3 stem, one basic block per stage."""
    return nn.Sequential(nn.Conv2d(cin, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                         BasicBlock(32, 32, 1), BasicBlock(32, 64, 2), BasicBlock(64, 128, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, classes))


def resnet10(cin, classes):
    """kcell's `resnet10` preset: resnet8 with a fourth stage of 256 channels."""
    return nn.Sequential(nn.Conv2d(cin, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                         BasicBlock(32, 32, 1), BasicBlock(32, 64, 2), BasicBlock(64, 128, 2),
                         BasicBlock(128, 256, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(256, classes))


def resolved_lengths(model_file):
    """The automatic lengths a kcell run resolved (epochs, warm-up, patience), from the
    training parameters its saved model records."""
    import io
    import zipfile
    with zipfile.ZipFile(model_file) as z:
        doc = json.loads(z.read("kcell.json"))
        if doc.get("format") == "kcell-ensemble":  # one whole model file per member
            member = sorted(n for n in z.namelist() if n != "kcell.json")[0]
            with zipfile.ZipFile(io.BytesIO(z.read(member))) as m:
                doc = json.loads(m.read("kcell.json"))
    p = doc["training"]["parameters"]
    return {"epochs": int(p["epochs"]), "warmup": float(p.get("warmup_epochs", 0)),
            "patience": int(p.get("patience", 0))}

KNOWN = {"model", "epochs", "batch", "optimizer", "lr", "schedule", "warmup", "weight-decay",
         "label-smoothing", "augment", "class-weights", "balanced", "early-stop", "seed",
         "threads", "precision", "validate-every"}


def auc_binary_or_macro(probs, labels, k):
    aucs = []
    for c in range(k):
        pos = probs[labels == c, c]
        neg = probs[labels != c, c]
        if len(pos) == 0 or len(neg) == 0:
            continue
        order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
        ranks = np.empty(len(order))
        ranks[order] = np.arange(1, len(order) + 1)
        aucs.append((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) /
                    (len(pos) * len(neg)))
    return float(np.mean(aucs)) if k > 2 else float(aucs[1] if len(aucs) > 1 else aucs[0])


def augment(x, ops, gen, mean, std):
    """kcell's augmentation of normalised images x = (pixel - mean) / std, pixels in [0, 1]."""
    n = x.shape[0]
    if "hflip" in ops:
        m = torch.rand(n, generator=gen) < 0.5
        x[m] = x[m].flip(3)
    if "vflip" in ops:
        m = torch.rand(n, generator=gen) < 0.5
        x[m] = x[m].flip(2)
    if "rot90" in ops:
        turns = torch.randint(0, 4, (n,), generator=gen)
        for t in (1, 2, 3):
            m = turns == t
            x[m] = torch.rot90(x[m], t, (2, 3))
    if "rotate" in ops:  # half the images turned by an angle in ±15°, bilinear, black corners
        m = torch.rand(n, generator=gen) < 0.5
        if bool(m.any()):
            a = (torch.rand(int(m.sum()), generator=gen) * 2 - 1) * math.radians(15)
            zero = torch.zeros_like(a)
            theta = torch.stack([torch.stack([a.cos(), -a.sin(), zero], 1),
                                 torch.stack([a.sin(), a.cos(), zero], 1)], 1)
            pixels = x[m] * std + mean  # zero fill in pixel space, as kcell's rotate
            grid = F.affine_grid(theta, list(pixels.shape), align_corners=True)
            turned = F.grid_sample(pixels, grid, mode="bilinear", padding_mode="zeros",
                                   align_corners=True)
            x[m] = (turned - mean) / std
    if "jitter" in ops:  # contrast 1 ± 0.1 about each image's mean, then brightness ± 0.1
        contrast = 1 + (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * 0.1
        bright = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * 0.1 / std
        m = x.mean(dim=(1, 2, 3), keepdim=True)
        x = ((x - m) * contrast + m + bright).clamp(-mean / std, (1 - mean) / std)
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--npz", required=True,
                    help="a MedMNIST-style .npz, or Debian's Fashion-MNIST directory")
    ap.add_argument("--settings", required=True, help="a kcell --report metrics.json")
    ap.add_argument("--model-file", help="the kcell model the run saved (resolved lengths)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    s = json.load(open(args.settings))["settings"]
    lengths = resolved_lengths(args.model_file) if args.model_file else {}
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    # Debian's Fashion-MNIST is a directory of IDX files; kcell splits it as load_fashion().
    tr_x, tr_y, va_x, va_y, te_x, te_y = (load_fashion(args.npz) if os.path.isdir(args.npz)
                                          else load_npz(args.npz))
    tr_y, va_y, te_y = (y.reshape(-1).astype(np.int64) for y in (tr_y, va_y, te_y))

    def as_float(x):
        t = torch.from_numpy(x.astype(np.float32)).div_(255.0)
        return t.unsqueeze(1) if t.dim() == 3 else t.permute(0, 3, 1, 2).contiguous()

    tx, vx, sx = as_float(tr_x), as_float(va_x), as_float(te_x)
    mean, std = tx.mean().item(), tx.std().item()
    for t in (tx, vx, sx):
        t.sub_(mean).div_(std)
    ty = torch.from_numpy(tr_y)
    k = int(max(tr_y.max(), va_y.max(), te_y.max())) + 1
    builders = {"reference": lambda: reference(k, tx.shape[1], tx.shape[2]),
                "resnet8": lambda: resnet8(tx.shape[1], k),
                "resnet10": lambda: resnet10(tx.shape[1], k),
                "resnet18": lambda: resnet18(tx.shape[1], k)}
    if s.get("model") not in builders:
        sys.exit("torch_recipe.py builds " + ", ".join(builders) + ", not " + s.get("model", "?"))
    model = builders[s["model"]]()

    counts = np.bincount(tr_y, minlength=k).astype(np.float64)
    cw = s.get("class-weights", "none")
    weights = None
    if cw in ("sqrt", "auto"):
        w = 1 / np.sqrt(counts) if cw == "sqrt" else 1 / counts
        weights = torch.tensor(w / w.mean(), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weights,
                                  label_smoothing=float(s.get("label-smoothing", 0)))
    decay = [p for n, p in model.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in model.named_parameters() if p.dim() <= 1]
    lr = float(s["lr"])
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": float(s["weight-decay"])},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr)
    batch = int(s["batch"])
    epochs = lengths.get("epochs") or int(s["epochs"])
    steps_per_epoch = math.ceil(len(tx) / batch)
    total = epochs * steps_per_epoch
    warm = lengths.get("warmup", float(s.get("warmup", 0) if s.get("warmup") != "auto" else 0))
    warm *= steps_per_epoch
    # Validation every V epochs, V = max(1, round(E / 50)) (kcell's rule, docs/recipe.md).
    validate_every = max(1, round(epochs / 50)) if s.get("validate-every") == "auto" else int(
        s.get("validate-every", 1))

    def lr_at(step):
        if s.get("schedule") != "cosine":
            return lr
        if step < warm:
            return lr * (step + 1) / warm
        return lr * 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    stop = s.get("early-stop", "none")
    patience = lengths.get("patience", int(stop.split(":")[1]) if ":" in stop else 0)
    ops = set(s.get("augment", "none").split("+"))

    def predict(x):
        model.eval()
        with torch.no_grad():
            return torch.cat([torch.softmax(model(x[i:i + 1000]), 1)
                              for i in range(0, len(x), 1000)]).numpy()

    def balanced(probs, labels):
        pred = probs.argmax(1)
        return float(np.mean([np.mean(pred[labels == c] == c) for c in range(k)
                              if np.any(labels == c)]))

    best, best_state, since, step, start = -1.0, None, 0, 0, time.perf_counter()
    epochs_run = 0
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(tx), generator=gen)
        for i in range(0, len(tx), batch):
            idx = order[i:i + batch]
            xb = augment(tx[idx].clone(), ops, gen, mean, std)
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), ty[idx]).backward()
            opt.step()
            step += 1
        epochs_run += 1
        if (epoch + 1) % validate_every and epoch + 1 != epochs:
            continue
        score = balanced(predict(vx), va_y)
        if score > best:
            best, since = score, 0
            best_state = {n: t.clone() for n, t in model.state_dict().items()}
        else:
            since += 1
            if patience and since >= patience:
                break
    if best_state is not None and stop != "none":
        model.load_state_dict(best_state)
    probs = predict(sx)
    print(json.dumps({
        "peer": "pytorch", "torch": torch.__version__, "seed": args.seed,
        "epochs_run": epochs_run, "minutes": round((time.perf_counter() - start) / 60, 2),
        "val_balanced_accuracy": round(best, 4),
        "test_accuracy": round(float(np.mean(probs.argmax(1) == te_y)), 4),
        "test_auc": round(auc_binary_or_macro(probs, te_y, k), 4),
        "not_reproduced": sorted(set(s) - KNOWN)}), flush=True)


if __name__ == "__main__":
    main()

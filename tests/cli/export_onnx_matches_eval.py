"""kcell export writes an ONNX file of the fixture model (4 classes, dihedral test-time
augmentation) that onnx.checker accepts and OpenCV's dnn runs to the same
probabilities as kcell predict (within 1e-4) and the same test accuracy as kcell eval; an
output that is the model itself, a folder or a device is refused before any work.

usage: export_onnx_matches_eval.py KCELL FIXTURES OUT"""
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import onnx

kcell, fixtures, out = sys.argv[1:4]
model = os.path.join(out, "model.kcell")
path = os.path.join(out, "model.onnx")
data = os.path.join(fixtures, "cells.npz")


def run(*args, code=0):
    done = subprocess.run([kcell, *args], capture_output=True, text=True)
    assert done.returncode == code, f"{args}: {done.returncode} {done.stdout}{done.stderr}"
    return done


printed = run("export", "--model", model, "--onnx", path).stdout
assert printed.startswith(f"wrote {path}: input images (batch x 1 x 28 x 28"), printed
assert "TTA dihedral" in printed, printed
onnx.checker.check_model(onnx.load(path))

with np.load(data) as npz:
    images = npz["test_images"]
    labels = npz["test_labels"].reshape(-1)
net = cv2.dnn.readNetFromONNX(path)
net.setInput(images[:, None].astype(np.float32))
probabilities = net.forward()

stack = os.path.join(out, "onnx_test_images.npy")
np.save(stack, images)
predicted = json.loads(run("predict", "--model", model, "--threads", "1", "--json", "-",
                           stack).stdout)
expected = np.array([p["probabilities"] for p in predicted])
np.testing.assert_allclose(probabilities, expected, rtol=0, atol=1e-4)

evaluation = json.loads(run("eval", "--model", model, "--data", data, "--threads", "1",
                            "--json", "-").stdout)
accuracy = float(np.mean(np.argmax(probabilities, axis=1) == labels))
assert abs(accuracy - evaluation["accuracy"]) < 1e-12, (accuracy, evaluation["accuracy"])
print(f"OpenCV test accuracy {accuracy:.4f} = kcell eval's {evaluation['accuracy']:.4f}")

# Refused before any work, each with one line on stderr and exit 1.
for target in (model, out, "/dev/null"):
    done = run("export", "--model", model, "--onnx", target, code=1)
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("kcell"), done.stderr

"""Without numpy the bindings still work on plain buffers and lists, and give the same
numbers (checked in a subprocess where importing numpy fails)."""
import json
import os
import subprocess
import sys

import numpy as np
from conftest import BINDINGS

SCRIPT = r"""
import array, json, sys
sys.modules["numpy"] = None  # import numpy now raises ImportError
sys.path.insert(0, sys.argv[1])
import kcell
assert not kcell._arrays.has_numpy()
model = kcell.Model.load(sys.argv[2])
pixels = open(sys.argv[3], "rb").read()
probs = model.predict(pixels)                       # NCHW bytes of the model's shape
data = kcell.Dataset.from_arrays(test=(bytearray(pixels), [0, 1, 2, 0]),
                                 shape=model.input_shape)
image, label = data.image("test", 1)
images, labels = data.arrays("test")
details = model.evaluate_details(data, "test")
norm = model.predict_normalized(array.array("f", [0.0] * (4 * 144)))
print(json.dumps({"probs": probs, "image": list(image), "label": label,
                  "same_images": images == pixels, "labels": labels,
                  "confusion": details.confusion, "norm_rows": len(norm)}))
"""


def test_lists_and_bytes_replace_numpy_arrays(trained_model, small_data, tmp_path):
    model_path = tmp_path / "m.kcell"
    trained_model.save(model_path)
    images = small_data.arrays("test")[0][:4]
    pixels_path = tmp_path / "pixels.u8"
    pixels_path.write_bytes(images.tobytes())
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", SCRIPT, BINDINGS, str(model_path),
                           str(pixels_path)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert isinstance(out["probs"], list) and len(out["probs"]) == 4
    assert np.array_equal(np.array(out["probs"], np.float32), trained_model.predict(images))
    assert out["image"] == list(images[1].ravel()) and out["label"] == 1
    assert out["same_images"] and out["labels"] == [0, 1, 2, 0]
    assert np.array(out["confusion"]).shape == (3, 3) and out["norm_rows"] == 4

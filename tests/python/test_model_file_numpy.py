#!/usr/bin/python3
"""A kcell model file opened by numpy: the expected arrays with their shapes and dtypes,
the metadata JSON, and the forward pass recomputed in numpy from the file's arrays alone,
averaged over the views of the file's test-time augmentation, matches kcell's own
predictions (so the tensors and the "tta" key mean what their names say).

usage: test_model_file_numpy.py FOLDER   (written by write_model_fixture)
"""
import json
import os
import sys
import unittest
import zipfile

import numpy as np

FOLDER = sys.argv.pop(1) if len(sys.argv) > 1 else "."
MODEL = os.path.join(FOLDER, "model.kcell")

# conv(4,3) bn relu maxpool(2) flatten dense(6) relu dense, 1x8x8 input, 3 classes.
EXPECTED = {
    "0.conv.weight": (4, 1, 3, 3),
    "0.conv.bias": (4,),
    "1.bn.weight": (4,),
    "1.bn.bias": (4,),
    "1.bn.running_mean": (4,),
    "1.bn.running_var": (4,),
    "5.dense.weight": (6, 64),
    "5.dense.bias": (6,),
    "7.dense.weight": (3, 6),
    "7.dense.bias": (3,),
}


class ModelFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.npz = np.load(MODEL)
        cls.meta = json.loads(cls.npz["kcell.json"])

    @classmethod
    def tearDownClass(cls):
        cls.npz.close()

    def test_arrays_have_the_expected_names_shapes_and_dtype(self):
        arrays = {name for name in self.npz.files if name != "kcell.json"}
        self.assertEqual(arrays, set(EXPECTED))
        for name, shape in EXPECTED.items():
            a = self.npz[name]
            self.assertEqual(a.shape, shape, name)
            self.assertEqual(a.dtype, np.dtype("<f4"), name)
            self.assertTrue(a.flags["C_CONTIGUOUS"], name)
            self.assertTrue(np.all(np.isfinite(a)), name)
        self.assertTrue(np.all(self.npz["1.bn.running_var"] > 0))

    def test_members_are_stored_and_their_crcs_check_out(self):
        with zipfile.ZipFile(MODEL) as z:
            self.assertIsNone(z.testzip())
            self.assertEqual(z.namelist()[0], "kcell.json")

    def test_metadata_describes_the_model(self):
        m = self.meta
        self.assertEqual(m["format"], "kcell-model")
        self.assertEqual(m["format_version"], 1)
        self.assertRegex(m["kcell_version"], r"^\d+\.\d+\.\d+$")
        self.assertEqual(m["architecture"],
                         "conv(4,3) bn relu maxpool(2) flatten dense(6) relu dense")
        self.assertEqual(m["input"], {"channels": 1, "height": 8, "width": 8})
        self.assertEqual(m["num_classes"], 3)
        self.assertEqual(m["class_names"], ["dark", "grey", "bright"])
        self.assertEqual(m["seed"], 11)
        self.assertEqual(len(m["normalization"]["mean"]), 1)
        self.assertGreater(m["normalization"]["std"][0], 0)
        self.assertEqual(m["tensors"]["parameters"],
                         [n for n in EXPECTED if "running" not in n])
        self.assertEqual(m["tensors"]["buffers"], ["1.bn.running_mean", "1.bn.running_var"])
        training = m["training"]
        for key in ("epochs_trained", "best_epoch", "val_loss", "val_accuracy", "parameters"):
            self.assertIn(key, training)
        self.assertIsInstance(training["parameters"], dict)

    def forward(self, x):
        """Softmax probabilities of normalised images x (N×1×8×8) from the file's arrays."""
        a = {name: self.npz[name].astype(np.float64) for name in EXPECTED}
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        w = a["0.conv.weight"]
        conv = np.zeros((len(x), 4, 8, 8))
        for dy in range(3):
            for dx in range(3):
                window = padded[:, :, dy:dy + 8, dx:dx + 8]
                conv += np.einsum("oi,nihw->nohw", w[:, :, dy, dx], window)
        conv += a["0.conv.bias"][None, :, None, None]
        scale = a["1.bn.weight"] / np.sqrt(a["1.bn.running_var"] + 1e-5)
        bn = ((conv - a["1.bn.running_mean"][None, :, None, None]) * scale[None, :, None, None]
              + a["1.bn.bias"][None, :, None, None])
        relu = np.maximum(bn, 0)
        pooled = relu.reshape(len(x), 4, 4, 2, 4, 2).max(axis=(3, 5))
        flat = pooled.reshape(len(x), -1)  # C, H, W order, as torch.flatten
        hidden = np.maximum(flat @ a["5.dense.weight"].T + a["5.dense.bias"], 0)
        logits = hidden @ a["7.dense.weight"].T + a["7.dense.bias"]
        logits -= logits.max(axis=1, keepdims=True)
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    def test_numpy_forward_pass_matches_kcell_predictions(self):
        norm = self.meta["normalization"]
        images = np.fromfile(os.path.join(FOLDER, "images.u8"), dtype=np.uint8)
        images = images.reshape(-1, 1, 8, 8)
        expected = np.fromfile(os.path.join(FOLDER, "probs.f32"), dtype="<f4")
        expected = expected.reshape(len(images), 3)

        x = (images / 255.0 - norm["mean"][0]) / norm["std"][0]
        # Test-time augmentation: the mean probability over the stored set's views (the
        # fixture is trained with the recipe's flips and quarter turns, and has no bias).
        self.assertEqual(self.meta["tta"], "dihedral")
        self.assertNotIn("decision_bias", self.meta)
        turns = [np.rot90(x, k, axes=(2, 3)) for k in range(4)]
        views = turns + [np.flip(t, axis=3) for t in turns]
        probs = np.mean([self.forward(v) for v in views], axis=0)
        np.testing.assert_allclose(probs, expected, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Multi-label data from Python: a dataset with (N, L) labels, a model of L sigmoid outputs
trained on it, its per-label probabilities and decisions, MedMNIST's ACC / AUC checked
against scikit-learn when it is installed, the task kept in model files, and the
softmax-only calls refused."""
import os
import subprocess
import sys

import numpy as np
import pytest

import kcell
from conftest import REPO

MAKE = os.path.join(REPO, "tests", "fixtures", "multi_label", "make_multi_label.py")


@pytest.fixture(scope="module")
def chestlike(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("multi_label") / "chestlike.npz")
    subprocess.run([sys.executable, MAKE, path, "--train", "320"], check=True)
    return path


def test_dataset_reports_multi_label_and_label_vectors(chestlike):
    with kcell.Dataset.open(chestlike) as data, np.load(chestlike) as npz:
        assert data.task == kcell.Task.MULTI_LABEL
        assert data.num_classes == 4
        images, labels = data.arrays("test")
        assert labels.shape == (80, 4)
        np.testing.assert_array_equal(labels, npz["test_labels"])
        np.testing.assert_array_equal(images[:, 0], npz["test_images"])
        assert data.labels("train", 3) == list(npz["train_labels"][3])
        assert data.class_histogram("train") == list(npz["train_labels"].sum(axis=0))


def test_multi_label_model_trains_predicts_and_round_trips(chestlike, tmp_path):
    with kcell.Dataset.open(chestlike) as data:
        model = kcell.Model.create("lenet5", (1, 28, 28), 4)
        with pytest.raises(kcell.InvalidArgumentError, match="multi-label"):
            model.train(data, data, epochs=1)  # a multi-class model on multi-label data
        model.task = "multi-label"
        model.train(data, data, epochs=8, batch_size=32, auto_pos_weights=1, num_threads=1)
        assert model.info.task == kcell.Task.MULTI_LABEL
        images, labels = data.arrays("test")
        p = model.predict(images)
        assert p.shape == (80, 4)
        np.testing.assert_array_equal(model.predict_labels(images), p > 0.5)
        metrics = model.evaluate(data, "test")
        acc = np.mean((p > 0.5) == (labels == 1))  # the mean of the per-label accuracies
        assert metrics.accuracy == pytest.approx(acc, abs=1e-12)
        assert metrics.accuracy > 0.9
        details = model.evaluate_details(data, "test")
        assert details.confusion is None and len(details.per_class) == 4
        try:
            from sklearn.metrics import roc_auc_score
        except ImportError:
            roc_auc_score = None
        if roc_auc_score is not None:
            aucs = [roc_auc_score(labels[:, l], p[:, l]) for l in range(4)]
            assert metrics.auc == pytest.approx(np.mean(aucs), abs=1e-9)
            for l in range(4):
                assert details.per_class[l].auc == pytest.approx(aucs[l], abs=1e-9)
        with pytest.raises(kcell.InvalidArgumentError, match="multi-label"):
            model.decision_bias = [0.0] * 4
        with pytest.raises(kcell.InvalidArgumentError, match="multi-label"):
            model.calibrate(data, "val")
        path = tmp_path / "ml.kcell"
        model.save(path)
        loaded = kcell.Model.load(path)
        assert loaded.task == kcell.Task.MULTI_LABEL
        np.testing.assert_array_equal(loaded.predict(images), p)


def test_positive_weights_only_for_multi_label(small_npz):
    with kcell.Dataset.open(small_npz) as data:
        model = kcell.Model.create("conv(4,3) relu flatten dense", (1, 12, 12), 3)
        with pytest.raises(kcell.InvalidArgumentError, match="positive weights"):
            model.train(data, epochs=1, pos_weights=[1.0, 2.0, 3.0])
        with pytest.raises(kcell.InvalidArgumentError, match="multi-label models"):
            model.predict_labels(np.zeros((1, 1, 12, 12), dtype=np.uint8))

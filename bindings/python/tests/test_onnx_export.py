"""ONNX export (kcell_model_export_onnx / Model.export_onnx) checked by two runtimes not
written here: onnx.checker (python3-onnx) accepts every file, and OpenCV's dnn module
(python3-opencv 4.6) computes the probabilities kcell_predict computes, within 1e-4, for
every architecture preset, every layer kind, every test-time augmentation set, a decision
bias, RGB and non-square inputs, ensembles and several batch sizes."""
import os
import re

import numpy as np
import pytest

import kcell
from conftest import REPO, STRICT

onnx = pytest.importorskip("onnx") if not STRICT else __import__("onnx")
cv2 = pytest.importorskip("cv2") if not STRICT else __import__("cv2")

TOLERANCE = 1e-4


def dataset(channels, height, width, classes=3, seed=0):
    """Train/val/test splits whose classes a network can tell apart (bright bands)."""
    rng = np.random.default_rng(seed)
    splits = {}
    for split, n in (("train", 48), ("val", 12), ("test", 20)):
        labels = (np.arange(n) % classes).astype(np.int32)
        images = rng.integers(0, 60, size=(n, channels, height, width), dtype=np.uint8)
        band = height // classes
        for i, label in enumerate(labels):
            images[i, :, band * label:band * (label + 1), :] += 150
        splits[split] = (images, labels)
    return splits


def trained(spec, channels=1, height=12, width=12, classes=3, seed=1, epochs=1):
    """A model trained briefly, so that normalisation and batch-norm statistics are not
    the defaults."""
    splits = dataset(channels, height, width, classes)  # one data set: ensembles need it
    data = kcell.Dataset.from_arrays(train=splits["train"], val=splits["val"],
                                     test=splits["test"], num_classes=classes)
    model = kcell.Model.create(spec, (channels, height, width), classes, seed=seed)
    model.train(data, data, epochs=epochs, batch_size=16, learning_rate=0.01, num_threads=1)
    data.close()
    return model, splits["test"][0]


def opencv_probabilities(path, images):
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(images.astype(np.float32))
    return net.forward()


def check_export(model, images, path, batches=(None, 1)):
    """Exports, checks the file and compares OpenCV's probabilities with kcell's."""
    model.export_onnx(path)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    assert [o.version for o in proto.opset_import] == [11]
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert inp.name == "images" and out.name == "probabilities"
    dims = [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim]
    assert dims == ["batch", *model.input_shape]
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == [
        "batch", model.num_classes]
    expected = model.predict(images)
    for batch in batches:
        chunk = images if batch is None else images[:batch]
        got = opencv_probabilities(path, chunk)
        assert got.shape == (len(chunk), model.num_classes)
        np.testing.assert_allclose(got, expected[:len(chunk)], rtol=0, atol=TOLERANCE)
    return expected


@pytest.mark.parametrize("preset", ["reference", "resnet8", "resnet10", "resnet18", "lenet5"])
def test_every_preset_runs_in_opencv_as_in_kcell(preset, tmp_path):
    model, images = trained(preset)
    with model:
        check_export(model, images, str(tmp_path / f"{preset}.onnx"))


def test_every_preset_is_covered():
    """A preset added to lib/spec/presets.cpp must be added to the test above."""
    with open(os.path.join(REPO, "lib", "spec", "presets.cpp"), encoding="utf-8") as f:
        found = set(re.findall(r'^\s*\{"([a-z0-9_]+)",\s*$', f.read(), re.M))
    assert found == {"reference", "resnet8", "resnet10", "resnet18", "lenet5"}


EVERY_LAYER = ("conv(6,3,bias=false) relu conv(6,3,stride=2,pad=0) bn relu avgpool(2,1) "
               "res(8) res(12,stride=2) dropout(0.3) maxpool(2) bn relu "
               "flatten dense(10,bias=false) relu dropout(0.5) dense(7) bn relu dense")


@pytest.mark.parametrize("tta", ["none", "flips", "flips4", "dihedral"])
def test_every_layer_kind_and_tta_set_with_a_decision_bias(tta, tmp_path):
    model, images = trained(EVERY_LAYER, channels=3, height=16, width=16, classes=4)
    with model:
        model.decision_bias = [0.7, -0.4, 0.1, -0.4]
        model.tta = tta
        check_export(model, images, str(tmp_path / "every.onnx"))


@pytest.mark.parametrize("tta", ["none", "dihedral"])
def test_the_temperature_divides_the_logits_before_the_bias(tta, tmp_path):
    model, images = trained(EVERY_LAYER, channels=3, height=16, width=16, classes=4)
    with model:
        model.decision_bias = [0.7, -0.4, 0.1, -0.4]
        model.tta = tta
        model.temperature = 2.5
        check_export(model, images, str(tmp_path / "tempered.onnx"))


@pytest.mark.parametrize("tta", ["flips", "flips4"])
def test_non_square_rgb_images_with_flips(tta, tmp_path):
    model, images = trained("conv(4,3) bn relu maxpool(2) conv(8,3) relu gap dense",
                            channels=3, height=12, width=18)
    with model:
        model.tta = tta
        model.decision_bias = [0.2, 0.0, -0.2]
        check_export(model, images, str(tmp_path / "wide.onnx"))


def test_an_ensemble_averages_its_members(tmp_path):
    a, images = trained("lenet5", seed=1)
    b, _ = trained("lenet5", seed=2)
    a.tta = "dihedral"
    b.decision_bias = [0.3, -0.3, 0.0]
    with kcell.Model.ensemble([a, b]) as ensemble:
        check_export(ensemble, images, str(tmp_path / "ensemble.onnx"))
    a.close()
    b.close()


def test_class_names_are_in_the_metadata(tmp_path):
    model, _ = trained("lenet5")
    with model:
        model.class_names = ["top", "middle", "bottom"]
        path = str(tmp_path / "named.onnx")
        model.export_onnx(path)
        meta = {p.key: p.value for p in onnx.load(path).metadata_props}
        assert meta["class_names"].split("\n") == ["top", "middle", "bottom"]


def test_bad_paths_are_refused_and_leave_nothing(tmp_path):
    model, _ = trained("lenet5")
    with model:
        with pytest.raises(kcell.KcellIOError):
            model.export_onnx(str(tmp_path / "no-such-folder" / "m.onnx"))
        with pytest.raises(kcell.KcellIOError):
            model.export_onnx(str(tmp_path))  # a folder
        with pytest.raises(kcell.KcellIOError):
            model.export_onnx("/dev/null")  # a device is never replaced
        with pytest.raises(kcell.InvalidArgumentError):
            model.export_onnx("")
        target = tmp_path / "link.onnx"
        os.symlink(tmp_path / "elsewhere.onnx", target)
        with pytest.raises(kcell.KcellIOError):
            model.export_onnx(str(target))
        assert sorted(os.listdir(tmp_path)) == ["link.onnx"]

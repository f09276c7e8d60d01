"""Models: presets and specs, save and load through files and bytes, and what they say
about themselves (info, architecture, summary, class names, normalisation)."""
import io
import json
import zipfile

import numpy as np
import pytest
from conftest import SMALL_SPEC

import kcell


def test_presets_and_specs_make_models_with_fresh_weights():
    with kcell.Model.create("reference", (1, 28, 28), 8, seed=1) as model:
        info = model.info
        assert (info.channels, info.height, info.width, info.num_classes) == (1, 28, 28, 8)
        assert info.num_params == model.num_params > 100_000
        assert info.epochs_trained == 0 and info.best_epoch == -1
        assert "conv(32,3)" in model.architecture  # the preset written out
        assert model.input_shape == (1, 28, 28) and model.num_classes == 8
        assert model.normalization == ((0.0,), (1.0,))
        assert model.class_names == [str(i) for i in range(8)]
    with kcell.Model.create("conv(8,3) relu flatten dense", (3, 10, 12), 4) as model:
        assert model.architecture == "conv(8,3) relu flatten dense"
        summary = model.summary()
        assert "conv(8,3)" in summary and "total" in summary
        assert len(model.normalization[0]) == 3


def test_long_texts_grow_the_buffer():
    spec = " ".join(["conv(2,3) relu"] * 60) + " flatten dense"
    with kcell.Model.create(spec, (1, 8, 8), 2) as model:
        assert model.architecture == spec and len(spec) > 256
        assert len(model.summary()) > 256


def test_save_and_load_by_path_keep_weights_names_and_training(trained_model, small_data,
                                                               tmp_path):
    path = tmp_path / "small.kcell"
    trained_model.save(path)
    images = small_data.arrays("test")[0]
    with kcell.Model.load(path) as loaded:
        assert np.array_equal(loaded.predict(images), trained_model.predict(images))
        assert loaded.class_names == ["top", "middle", "bottom"]
        assert loaded.info == trained_model.info
        assert loaded.normalization == trained_model.normalization
        assert loaded.architecture == trained_model.architecture == SMALL_SPEC
    with zipfile.ZipFile(path) as z:  # a model file numpy and zipfile can read
        meta = json.loads(z.read("kcell.json"))
    assert meta["class_names"] == ["top", "middle", "bottom"]
    with kcell.Model.load(str(path)) as loaded:  # str paths too
        assert loaded.num_classes == 3


def test_bytes_round_trip_equals_the_file(trained_model, small_data, tmp_path):
    data = trained_model.to_bytes()
    path = tmp_path / "m.kcell"
    trained_model.save(path)
    assert data == path.read_bytes()
    images = small_data.arrays("val")[0]
    for buffer in (data, bytearray(data), memoryview(data), np.frombuffer(data, np.uint8)):
        with kcell.Model.from_bytes(buffer) as loaded:
            assert np.array_equal(loaded.predict(images), trained_model.predict(images))
    assert set(np.load(io.BytesIO(data)).files) >= {"kcell.json", "0.conv.weight"}


def test_class_names_set_restore_and_reject(fresh_model):
    fresh_model.class_names = ["α-cells", "β", "γ"]
    assert fresh_model.class_names == ["α-cells", "β", "γ"]
    assert fresh_model.class_name(1) == "β"
    fresh_model.class_names = None
    assert fresh_model.class_names == ["0", "1", "2"]
    with pytest.raises(kcell.InvalidArgumentError):
        fresh_model.class_names = ["a", "b"]
    with pytest.raises(kcell.InvalidArgumentError):
        fresh_model.class_names = ["a", "", "c"]
    with pytest.raises(kcell.InvalidArgumentError, match="NUL"):
        fresh_model.class_names = ["a", "b\0", "c"]
    with pytest.raises(kcell.InvalidArgumentError):
        fresh_model.class_name(3)


def test_evaluation_details_agree_with_predictions(trained_model, small_data):
    details = trained_model.evaluate_details(small_data, "test")
    metrics = trained_model.evaluate(small_data, kcell.Split.TEST)
    assert details.metrics == metrics
    images, labels = small_data.arrays("test")
    predicted = trained_model.predict(images).argmax(axis=1)
    confusion = np.zeros((3, 3), np.uint64)
    for t, p in zip(labels, predicted):
        confusion[t, p] += 1
    assert np.array_equal(details.confusion, confusion)
    assert metrics.accuracy == pytest.approx(np.mean(predicted == labels))
    for c, per_class in enumerate(details.per_class):
        assert per_class.support == np.sum(labels == c)
        assert per_class.predicted == np.sum(predicted == c)
    recalls = [pc.recall for pc in details.per_class]
    assert metrics.balanced_accuracy == pytest.approx(np.mean(recalls))

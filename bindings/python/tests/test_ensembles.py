"""Ensembles: Model.ensemble averages its members' probabilities in predict and evaluate,
saves as one ensemble file that load and from_bytes read back, refuses training and
members that disagree; old single-model files still load; a newer or damaged ensemble
file is a clear format error."""
import io
import json
import os
import zipfile

import numpy as np
import pytest
from conftest import REPO, SMALL_SPEC

import kcell

OLD_FILE = os.path.join(REPO, "tests", "fixtures", "model_files", "single_format1.kcell")


@pytest.fixture(scope="module")
def members(small_npz):
    """Three models of the same recipe, seeds 3, 4, 5."""
    out = []
    with kcell.Dataset.open(small_npz) as data:
        for seed in (3, 4, 5):
            m = kcell.Model.create(SMALL_SPEC, data.shape, data.num_classes, seed=seed)
            m.train(data, data, epochs=2, batch_size=16, learning_rate=0.01, num_threads=1,
                    seed=seed)
            m.class_names = ["top", "middle", "bottom"]
            out.append(m)
    yield out
    for m in out:
        m.close()


def test_ensemble_predictions_are_the_mean_of_the_members(members, small_data):
    images = small_data.arrays("test")[0]
    each = [m.predict(images) for m in members]
    with kcell.Model.ensemble(members) as ensemble:
        assert ensemble.num_members == 3
        got = ensemble.predict(images)
        assert np.allclose(got, np.mean(each, axis=0), rtol=0, atol=1e-6)
        assert not np.allclose(each[0], each[1], atol=1e-4)  # the members really differ
        # Already-normalised input averages the same way.
        assert np.allclose(ensemble.predict_normalized(_normalised(ensemble, images)), got,
                           atol=1e-6)


def _normalised(model, images):
    mean, std = model.normalization
    return ((images.astype(np.float32) / 255 - mean[0]) / std[0]).astype(np.float32)


def test_ensemble_evaluation_scores_the_mean_probabilities(members, small_data):
    images, labels = small_data.arrays("test")
    mean = np.mean([m.predict(images) for m in members], axis=0)
    with kcell.Model.ensemble(members) as ensemble:
        metrics = ensemble.evaluate(small_data, "test")
    assert metrics.accuracy == pytest.approx(np.mean(mean.argmax(axis=1) == labels))
    loss = -np.mean(np.log(mean[np.arange(len(labels)), labels]))
    assert metrics.loss == pytest.approx(loss, rel=1e-5)


def test_ensemble_file_round_trips_through_path_and_bytes(members, small_data, tmp_path):
    images = small_data.arrays("test")[0]
    path = tmp_path / "ensemble.kcell"
    with kcell.Model.ensemble(members) as ensemble:
        expected = ensemble.predict(images)
        ensemble.save(path)
        data = ensemble.to_bytes()
    assert data == path.read_bytes()
    for loaded in (kcell.Model.load(path), kcell.Model.from_bytes(data)):
        with loaded:
            assert loaded.num_members == 3
            assert np.array_equal(loaded.predict(images), expected)
            assert loaded.class_names == ["top", "middle", "bottom"]
    with zipfile.ZipFile(path) as z:  # a manifest and one whole model file per member
        manifest = json.loads(z.read("kcell.json"))
        assert manifest["format"] == "kcell-ensemble" and manifest["format_version"] == 2
        assert manifest["members"] == [f"members/{i}.kcell" for i in range(3)]
        member = np.load(io.BytesIO(z.read("members/1.kcell")))
        assert member["0.conv.weight"].shape == (4, 1, 3, 3)
    with kcell.Model.from_bytes(zipfile.ZipFile(path).read("members/1.kcell")) as one:
        assert np.array_equal(one.predict(images), members[1].predict(images))


def test_a_one_model_ensemble_is_a_plain_model_file(members, tmp_path):
    with kcell.Model.ensemble(members[:1]) as one:
        assert one.num_members == 1
        assert one.to_bytes() == members[0].to_bytes()


def test_ensembles_of_ensembles_flatten(members):
    with kcell.Model.ensemble(members[:2]) as pair, \
            kcell.Model.ensemble([pair, members[2]]) as three:
        assert three.num_members == 3


def test_old_single_model_files_still_load():
    with kcell.Model.load(OLD_FILE) as model:
        assert model.num_members == 1
        assert model.input_shape == (1, 8, 8) and model.class_names == ["a", "b", "c"]
        p = model.predict(np.zeros((2, 1, 8, 8), np.uint8))
        assert p.shape == (2, 3) and np.allclose(p.sum(axis=1), 1, atol=1e-5)


def test_ensembles_cannot_be_trained(members, small_data):
    with kcell.Model.ensemble(members) as ensemble:
        with pytest.raises(kcell.InvalidArgumentError, match="ensemble of 3 members"):
            ensemble.train(small_data, small_data, epochs=1)


def test_members_must_agree(members, small_data):
    with pytest.raises(kcell.InvalidArgumentError, match="1 to 64"):
        kcell.Model.ensemble([])
    with kcell.Model.create(SMALL_SPEC, small_data.shape, 4) as other:
        with pytest.raises(kcell.InvalidArgumentError, match="member 1 has 4 classes"):
            kcell.Model.ensemble([members[0], other])
    with kcell.Model.create(SMALL_SPEC, small_data.shape, 3) as untrained:
        untrained.class_names = ["top", "middle", "bottom"]
        with pytest.raises(kcell.InvalidArgumentError, match="normalises"):
            kcell.Model.ensemble([members[0], untrained])


def _rewrite(data, change):
    """The ensemble file `data` with change(name, bytes) -> bytes or None (dropped)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for name in src.namelist():
            new = change(name, src.read(name))
            if new is not None:
                dst.writestr(name, new)
    return out.getvalue()


def test_newer_or_damaged_ensemble_files_are_clear_format_errors(members):
    with kcell.Model.ensemble(members[:2]) as ensemble:
        data = ensemble.to_bytes()

    def manifest(change):
        def edit(name, content):
            if name != "kcell.json":
                return content
            doc = json.loads(content)
            change(doc)
            return json.dumps(doc)
        return edit

    newer = _rewrite(data, manifest(lambda d: d.update(format_version=3)))
    with pytest.raises(kcell.FormatError, match="ensemble file format version 3 is not supported"):
        kcell.Model.from_bytes(newer)
    damaged = _rewrite(data, lambda n, c: c[:200] if n == "members/1.kcell" else c)
    with pytest.raises(kcell.FormatError, match="members/1.kcell"):
        kcell.Model.from_bytes(damaged)
    missing = _rewrite(data, lambda n, c: None if n == "members/1.kcell" else c)
    with pytest.raises(kcell.FormatError, match="members/1.kcell is missing"):
        kcell.Model.from_bytes(missing)
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("notes.txt", "hello")
    with pytest.raises(kcell.FormatError, match="unexpected member 'notes.txt'"):
        kcell.Model.from_bytes(buf.getvalue())

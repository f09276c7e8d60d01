"""The bindings behave as Python users expect: bad keywords and positions fail the way
Python's own functions do, History converts like Keras' history.history, verbose=True
prints epochs, error hints point the right way, and the version is the library's."""
import dataclasses
import os
import re
import tomllib

import numpy as np
import pytest
from conftest import BINDINGS, HEADER, REPO

import kcell


def test_an_unknown_training_keyword_is_a_type_error_naming_the_accepted_ones(small_data,
                                                                              fresh_model):
    with pytest.raises(TypeError) as caught:
        fresh_model.train(small_data, small_data, epochs=1, lr=0.01)
    message = str(caught.value)
    assert "unexpected keyword argument 'lr'" in message
    assert "did you mean 'learning_rate'?" in message
    assert "accepted: epochs, batch_size," in message and "weight_decay" in message
    assert not isinstance(caught.value, AttributeError)
    with pytest.raises(TypeError, match="'epoch'.*did you mean 'epochs'"):
        kcell.TrainParams(epoch=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'momentum_x'"):
        kcell.TrainParams().replace(momentum_x=0.9)


def test_epochs_given_by_position_get_a_message_saying_to_use_the_keyword(small_data,
                                                                          fresh_model):
    with pytest.raises(TypeError) as caught:
        fresh_model.train(small_data, small_data, 1)
    assert "the third argument is params" in str(caught.value)
    assert "model.train(data, data, epochs=1)" in str(caught.value)
    with pytest.raises(TypeError, match="params must be a kcell.TrainParams or None, not str"):
        fresh_model.train(small_data, small_data, "adam")
    assert fresh_model.info.epochs_trained == 0


def test_history_converts_to_a_dict_of_lists_like_keras(small_data, fresh_model):
    history = fresh_model.train(small_data, small_data, epochs=2, batch_size=16,
                                num_threads=1)
    as_dict = history.to_dict()
    assert list(as_dict) == [f.name for f in dataclasses.fields(kcell.EpochStats)]
    assert as_dict["epoch"] == [0, 1]
    assert as_dict["val_loss"] == [r.val_loss for r in history]
    assert all(len(values) == 2 for values in as_dict.values())
    assert history.history == as_dict


def test_verbose_prints_one_line_per_epoch(small_data, fresh_model, capsys):
    fresh_model.train(small_data, small_data, epochs=2, batch_size=16, num_threads=1)
    assert capsys.readouterr().out == ""
    history = fresh_model.train(small_data, small_data, epochs=2, batch_size=16,
                                num_threads=1, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2, lines
    for number, (line, record) in enumerate(zip(lines, history), 1):
        assert re.fullmatch(rf"epoch {number}/2: loss [0-9.]+, accuracy [0-9.]+, "
                            r"val_loss [0-9.]+, val_accuracy [0-9.]+ \([0-9.]+ s\)", line)
        assert f"val_accuracy {record.val_accuracy:.4f}" in line


def test_float_images_get_told_how_to_convert_0_1_data_not_sent_to_predict_normalized(
        trained_model):
    images = np.random.default_rng(1).random((2, 1, 12, 12))  # [0, 1] floats
    with pytest.raises(kcell.InvalidArgumentError) as caught:
        trained_model.predict(images)
    message = str(caught.value)
    assert "(images * 255).round().astype(numpy.uint8)" in message
    assert "use predict_normalized" not in message
    converted = (images * 255).round().astype(np.uint8)
    assert trained_model.predict(converted).shape == (2, 3)


def test_the_package_version_is_the_librarys_set_once_in_cmake():
    with open(os.path.join(REPO, "CMakeLists.txt"), encoding="utf-8") as f:
        cmake_version = re.search(r"project\(kcell VERSION (\S+)", f.read()).group(1)
    assert kcell.__version__ == kcell.version() == cmake_version
    major, minor, patch = (int(x) for x in cmake_version.split("."))
    assert kcell.version_number() == major * 10000 + minor * 100 + patch
    with open(os.path.join(BINDINGS, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert project["license"] == {"text": "Apache-2.0"}
    with open(HEADER, encoding="utf-8") as f:
        assert "#define KCELL_VERSION_MAJOR" not in f.read()  # generated: kcell/version.h


def test_recommended_architecture_follows_the_training_set_size():
    small = kcell.recommended_architecture()
    assert small in ("resnet8", "resnet8-slim")  # slim where the CPU trains 4x slower
    assert kcell.recommended_architecture(546) == small
    assert kcell.recommended_architecture(55000) == "resnet10"
    for bad in (-1, 1.5, "55000", True):
        with pytest.raises(ValueError):
            kcell.recommended_architecture(bad)

"""Shared fixtures of the binding tests.

CTest (bindings/python/CMakeLists.txt) sets KCELL_LIBRARY to the libkcell.so it built,
KCELL_TEST_STRUCT_LAYOUT / KCELL_TEST_PREDICT_REFERENCE to the C helper programs, and
KCELL_TEST_STRICT=1, under which a missing helper or any skipped test fails the run (so a
misconfigured run cannot pass by skipping). Run by hand, such tests skip instead.
"""
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
BINDINGS = os.path.dirname(HERE)
REPO = os.path.dirname(os.path.dirname(BINDINGS))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "data")
HEADER = os.path.join(REPO, "include", "kcell", "kcell.h")
STRICT = os.environ.get("KCELL_TEST_STRICT") == "1"

sys.path.insert(0, BINDINGS)  # the package under test is the source tree's

import kcell  # noqa: E402
import numpy as np  # noqa: E402  (the tests need it; test_without_numpy.py hides it)


def helper_program(variable: str) -> str:
    """The path of a C helper program CTest built, from the environment."""
    path = os.environ.get(variable)
    if not path or not os.access(path, os.X_OK):
        if STRICT:
            pytest.fail(f"{variable} does not name a program ({path!r})")
        pytest.skip(f"{variable} not set (CTest sets it)")
    return path


def run(args, **kwargs) -> str:
    """Runs a program, failing the test with its output if it fails."""
    done = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


def make_images(rng, labels, channels=1, side=12):
    """uint8 N×C×H×W images a small network can tell apart: class c is bright in band c."""
    n = len(labels)
    images = rng.integers(0, 60, size=(n, channels, side, side), dtype=np.uint8)
    band = side // 3
    for i, label in enumerate(labels):
        images[i, :, band * label:band * (label + 1), :] += 150
    return images


@pytest.fixture(scope="session")
def small_npz(tmp_path_factory):
    """A MedMNIST-style .npz written by numpy: 12×12 grayscale, 3 classes, (N, 1) uint8
    labels, splits of 60 / 15 / 15 images."""
    rng = np.random.default_rng(5)
    arrays = {}
    for split, n in (("train", 60), ("val", 15), ("test", 15)):
        labels = np.arange(n) % 3
        arrays[f"{split}_images"] = make_images(rng, labels)[:, 0]  # (N, H, W) as MedMNIST
        arrays[f"{split}_labels"] = labels.astype(np.uint8).reshape(n, 1)
    path = tmp_path_factory.mktemp("data") / "small.npz"
    np.savez_compressed(path, **arrays)
    return str(path)


@pytest.fixture(scope="session")
def small_data(small_npz):
    with kcell.Dataset.open(small_npz) as data:
        yield data


SMALL_SPEC = "conv(4,3) bn relu maxpool(2) flatten dense"


@pytest.fixture
def fresh_model(small_data):
    with kcell.Model.create(SMALL_SPEC, small_data.shape, small_data.num_classes,
                            seed=3) as model:
        yield model


@pytest.fixture(scope="session")
def trained_model(small_npz):
    """A model trained for two epochs on small_npz (with class names). Its augmentation is
    fixed here (the recipe's of 2026-12-07 morning) so that changes to the library's default
    recipe do not change the model the tests of saliency and predictions were written for."""
    fixed = {"hflip": 0.5, "vflip": 0.5, "rot90": 0.75, "brightness": 0.1, "contrast": 0.1}
    with kcell.Dataset.open(small_npz) as data:
        model = kcell.Model.create(SMALL_SPEC, data.shape, data.num_classes, seed=3)
        model.train(data, data, epochs=2, batch_size=16, learning_rate=0.01, num_threads=1,
                    augmentation=fixed)
    model.class_names = ["top", "middle", "bottom"]
    yield model
    model.close()


def pytest_sessionfinish(session, exitstatus):
    """Under CTest, a run that skipped anything fails: every test must really run."""
    if not STRICT or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.ensure_newline()
        reporter.write_line(f"KCELL_TEST_STRICT: {skipped} test(s) skipped; failing the run")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

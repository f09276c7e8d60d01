"""Misuse from Python gets an exception, never a crash or silent damage: closing a model or
dataset during training (from the progress callback or another thread), nested training and
prediction during training, Ctrl-C in train(), out-of-range integers and loose types."""
import os
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

import kcell

from conftest import SMALL_SPEC


def new_model(data):
    return kcell.Model.create(SMALL_SPEC, data.shape, data.num_classes, seed=3)


def test_closing_the_model_in_its_progress_callback_waits_for_train(small_npz):
    data = kcell.Dataset.open(small_npz)
    model = new_model(data)
    seen = []

    def progress(p):
        if not seen:
            model.close()
            data.close()
        seen.append(p.batch)

    history = model.train(data, data, epochs=2, batch_size=16, num_threads=1,
                          progress=progress)
    assert len(history) == 2 and len(seen) > 2
    assert model.closed and data.closed


def test_closing_the_model_from_another_thread_during_train_is_safe(small_npz):
    data = kcell.Dataset.open(small_npz)
    model = new_model(data)
    started, closed = threading.Event(), threading.Event()

    def progress(_p):
        if not started.is_set():
            started.set()
            closed.wait(30)

    def closer():
        started.wait(30)
        model.close()
        data.close()
        closed.set()

    thread = threading.Thread(target=closer)
    thread.start()
    history = model.train(data, data, epochs=2, batch_size=16, num_threads=1,
                          progress=progress)
    thread.join()
    assert len(history) == 2 and model.closed


def test_nested_train_and_predict_in_the_callback_raise_busy(small_data):
    model = new_model(small_data)
    errors = []

    def progress(_p):
        if errors:
            return
        for call in (lambda: model.train(small_data, epochs=1),
                     lambda: model.predict(np.zeros((1, 12, 12), np.uint8))):
            try:
                call()
                errors.append(None)
            except kcell.BusyError as e:
                errors.append(e)

    model.train(small_data, epochs=1, batch_size=16, num_threads=1, progress=progress)
    assert len(errors) == 2 and all(isinstance(e, kcell.BusyError) for e in errors)
    assert model.predict(np.zeros((1, 12, 12), np.uint8)).shape == (1, 3)
    model.close()


CTRL_C = r"""
import os, signal, sys
import numpy as np
import kcell
data = kcell.Dataset.open(sys.argv[1])
model = kcell.Model.create("conv(4,3) bn relu maxpool(2) flatten dense", data.shape, 3)
def progress(p):
    if p.batch == 1:
        os.kill(os.getpid(), signal.SIGINT)
try:
    model.train(data, epochs=50, batch_size=4, num_threads=1, progress=progress)
    print("no interrupt")
except KeyboardInterrupt:
    print("interrupted; predict", model.predict(np.zeros((1, 12, 12), np.uint8)).shape)
"""


def test_ctrl_c_in_train_raises_keyboard_interrupt_and_keeps_the_model(small_npz):
    result = subprocess.run([sys.executable, "-c", CTRL_C, small_npz], capture_output=True,
                            text=True, timeout=120, env=os.environ)
    assert result.stdout.strip() == "interrupted; predict (1, 3)", result.stderr
    assert "Exception ignored" not in result.stderr and "Cancelled" not in result.stderr


@pytest.mark.parametrize("field, value", [("epochs", 2**32 + 1), ("seed", 2**65 + 5),
                                          ("batch_size", -2**31 - 1)])
def test_train_params_outside_the_c_range_raise_instead_of_wrapping(field, value):
    with pytest.raises(kcell.InvalidArgumentError, match="outside"):
        kcell.TrainParams(**{field: value})


def test_create_arguments_outside_the_c_range_raise_instead_of_wrapping():
    with pytest.raises(kcell.InvalidArgumentError, match="outside"):
        kcell.Model.create("flatten dense", (1, 4, 4), 2**32 + 3)
    with pytest.raises(kcell.InvalidArgumentError, match="outside"):
        kcell.Model.create("flatten dense", (1, 4, 4), 3, seed=2**65 + 5)


def test_a_str_as_class_names_and_nul_in_paths_are_refused(fresh_model, tmp_path):
    with pytest.raises(kcell.InvalidArgumentError, match="sequence of str"):
        fresh_model.class_names = "abc"
    with pytest.raises(kcell.InvalidArgumentError, match="NUL"):
        fresh_model.save(str(tmp_path / "a\0b.kcell"))
    with pytest.raises(kcell.InvalidArgumentError, match="NUL"):
        kcell.TrainParams(checkpoint_path=str(tmp_path / "c\0d"))
    assert not (tmp_path / "a").exists()


def test_a_checkpoint_path_that_is_the_dataset_is_refused_before_training(small_npz, tmp_path):
    import shutil
    copy = str(tmp_path / "data.npz")
    shutil.copy(small_npz, copy)
    with open(copy, "rb") as f:
        before = f.read()
    with kcell.Dataset.open(copy) as data, new_model(data) as model:
        with pytest.raises(kcell.InvalidArgumentError, match="also an input"):
            model.train(data, epochs=1, checkpoint_path=copy)
        with pytest.raises(kcell.KcellIOError, match="character device"):
            model.train(data, epochs=1, checkpoint_path="/dev/full")
    with open(copy, "rb") as f:
        assert f.read() == before


def test_nan_input_to_predict_normalized_is_refused(trained_model):
    images = np.zeros((2, 1, 12, 12), np.float32)
    images[1, 0, 3, 4] = np.nan
    with pytest.raises(kcell.InvalidArgumentError, match="image 1 holds a NaN"):
        trained_model.predict_normalized(images)


def test_write_file_and_check_output_follow_the_library_rules(tmp_path):
    target = tmp_path / "out.bin"
    kcell.write_file(target, b"a\0b")
    assert target.read_bytes() == b"a\0b"
    kcell.check_output(tmp_path / "new.bin", [target])
    with pytest.raises(kcell.InvalidArgumentError):
        kcell.check_output(target, [target])
    with pytest.raises(kcell.KcellIOError):
        kcell.check_output(tmp_path / "missing" / "x.bin")
    with pytest.raises(kcell.KcellIOError):
        kcell.write_file("/dev/null", b"x")


def test_an_int_enum_argument_is_range_checked_like_an_int():
    import enum
    from ctypes import c_int
    from kcell._library import check_argument

    class Wide(enum.IntEnum):
        SMALL = 1
        HUGE = 2 ** 40

    check_argument(Wide.SMALL, c_int, "layout")  # in range: accepted
    with pytest.raises(kcell.InvalidArgumentError, match="outside"):
        check_argument(Wide.HUGE, c_int, "layout")

"""Every failure raises KcellError, of the subclass for its status, with the library's
message (kcell_last_error) and the C function's name."""
import ctypes
import pickle
import threading

import numpy as np
import pytest
from conftest import FIXTURES

import kcell
from kcell import _library


def raised(call):
    with pytest.raises(kcell.KcellError) as e:
        call()
    return e.value


def test_status_mirror_matches_the_librarys_names():
    for status in kcell.Status:
        assert kcell.status_string(status) not in ("", "unknown status")
    assert kcell.status_string(99) == "unknown status"
    assert len(kcell.Status) == 14


def test_the_error_carries_status_message_and_function():
    e = raised(lambda: kcell.Model.create("conv(3 relu", (1, 8, 8), 2))
    assert type(e) is kcell.SpecError and e.status is kcell.Status.SPEC
    assert e.function == "kcell_model_create"
    assert "conv" in e.message and e.message == kcell._last_error()
    assert str(e).startswith("kcell_model_create: ") and str(e).endswith("[SPEC]")


@pytest.mark.parametrize("call, status, error_type", [
    (lambda: kcell.set_num_threads(-1), kcell.Status.INVALID_ARGUMENT, ValueError),
    (lambda: kcell.Dataset.open(f"{FIXTURES}/no-such-file.npz"), kcell.Status.IO, OSError),
    (lambda: kcell.Dataset.open(f"{FIXTURES}/truncated.npz"), kcell.Status.FORMAT, None),
    (lambda: kcell.Dataset.open(f"{FIXTURES}/bad_crc.npz"), kcell.Status.FORMAT, None),
    (lambda: kcell.Dataset.open(f"{FIXTURES}/medmnist_compressed.npz", max_bytes=8),
     kcell.Status.LIMIT, None),
    (lambda: kcell.Model.load(f"{FIXTURES}/no-such-model.kcell"), kcell.Status.IO, OSError),
    (lambda: kcell.Model.load(f"{FIXTURES}/medmnist_compressed.npz"), kcell.Status.FORMAT,
     None),
    (lambda: kcell.Model.from_bytes(b"not a model"), kcell.Status.FORMAT, None),
    (lambda: kcell.Model.create("dense", (2, 8, 8), 2), kcell.Status.INVALID_ARGUMENT, None),
    (lambda: kcell.Model.create("dense", (1, 8, 8), 1), kcell.Status.INVALID_ARGUMENT, None),
    (lambda: kcell.Model.create("wibble", (1, 8, 8), 2), kcell.Status.SPEC, None),
])
def test_library_failures_raise_the_subclass_for_their_status(call, status, error_type):
    e = raised(call)
    assert e.status == status
    assert type(e) is kcell._errors.ERROR_CLASSES[status]
    assert e.message and e.function.startswith("kcell_")
    if error_type is not None:
        assert isinstance(e, error_type)


def test_bad_splits_and_io_on_save(small_data, fresh_model, tmp_path):
    e = raised(lambda: small_data.count(7))
    assert e.status == kcell.Status.INVALID_ARGUMENT and "split" in e.message
    e = raised(lambda: fresh_model.evaluate(small_data, 5))
    assert e.status == kcell.Status.INVALID_ARGUMENT
    e = raised(lambda: fresh_model.save(tmp_path / "missing" / "m.kcell"))
    assert e.status == kcell.Status.IO and "missing" in e.message
    e = raised(lambda: small_data.image("test", 99))
    assert e.status == kcell.Status.INVALID_ARGUMENT
    with pytest.raises(kcell.InvalidArgumentError):
        small_data.count("training")


def test_arrays_where_a_dataset_belongs_are_refused(fresh_model, small_data):
    images, labels = small_data.arrays("train")
    with pytest.raises(kcell.InvalidArgumentError, match="kcell.Dataset"):
        fresh_model.train((images, labels))
    with pytest.raises(kcell.InvalidArgumentError, match="kcell.Dataset"):
        fresh_model.evaluate(images)


def test_evaluating_an_unlabelled_or_mismatched_dataset_fails(fresh_model):
    with kcell.Dataset.from_arrays(test=(np.zeros((2, 5, 5), np.uint8), [0, 1])) as other:
        e = raised(lambda: fresh_model.evaluate(other, "test"))
        assert e.status == kcell.Status.INVALID_ARGUMENT
        e = raised(lambda: fresh_model.train(other, epochs=1))
        assert e.status == kcell.Status.INVALID_ARGUMENT


def test_buffer_too_small_maps_to_its_subclass(fresh_model):
    needed = ctypes.c_size_t()
    buffer = ctypes.create_string_buffer(4)
    e = raised(lambda: _library.lib().kcell_model_summary(fresh_model._handle(), buffer, 4,
                                                          ctypes.byref(needed)))
    assert isinstance(e, kcell.BufferTooSmallError) and needed.value > 4


def test_a_function_missing_from_an_older_library_raises_unsupported():
    missing = _library._Missing("kcell_model_set_inference_precision", "libkcell.so.0.1")
    e = raised(lambda: missing(None, 1))
    assert e.status == kcell.Status.UNSUPPORTED and "older" in e.message


def test_unknown_statuses_from_a_newer_library_stay_kcell_errors():
    e = kcell._errors.error_for(42, "from the future", "kcell_x")
    assert type(e) is kcell.KcellError and e.status == 42 and "[42]" in str(e)


def test_errors_pickle_with_their_status():
    e = raised(lambda: kcell.Model.create("wibble", (1, 8, 8), 2))
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is kcell.SpecError and copy.message == e.message
    assert copy.function == e.function


def test_the_message_is_the_failing_threads_own():
    messages = {}

    def fail_in_thread():
        try:
            kcell.Model.create("thread(", (1, 8, 8), 2)
        except kcell.KcellError as e:
            messages["thread"] = e.message

    e = raised(lambda: kcell.Model.from_bytes(b"main thread"))
    worker = threading.Thread(target=fail_in_thread)
    worker.start()
    worker.join()
    assert "thread" in messages["thread"]
    assert kcell._last_error() == e.message  # untouched by the other thread's failure


def test_missing_library_is_reported_with_what_was_tried(monkeypatch):
    monkeypatch.setenv("KCELL_LIBRARY", "/nonexistent/libkcell.so")
    with pytest.raises(kcell.LibraryNotFoundError, match="nonexistent"):
        _library._load()

"""C handles are released exactly once: by close(), by a with block, or by the garbage
collector; using a closed object raises instead of touching freed memory."""
import gc

import numpy as np
import pytest

import kcell
from kcell import _handle


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_close_is_idempotent_and_use_after_close_raises(small_npz):
    data = kcell.Dataset.open(small_npz)
    model = kcell.Model.create("flatten dense", data.shape, 3)
    history = kcell.History()
    for handle in (data, model, history):
        assert not handle.closed
        handle.close()
        handle.close()
        assert handle.closed
    for call in (lambda: data.count("train"), lambda: model.info, lambda: len(history),
                 lambda: model.predict(np.zeros((1, 12, 12), np.uint8))):
        with pytest.raises(kcell.InvalidArgumentError, match="closed"):
            call()
    assert "closed" in repr(data) and "closed" in repr(model) and "closed" in repr(history)


def test_with_blocks_release_and_gc_finalizes(small_npz):
    with kcell.Model.create("flatten dense", (1, 4, 4), 2) as model:
        finalizer = model._finalizer
        assert finalizer.alive
    assert model.closed and not finalizer.alive

    model = kcell.Model.create("flatten dense", (1, 4, 4), 2)
    finalizer = model._finalizer
    del model
    gc.collect()
    assert not finalizer.alive


def test_a_closed_handle_is_not_freed_again_by_the_collector(monkeypatch):
    frees = []
    handle = _handle.Handle(object(), frees.append)
    handle.close()
    del handle
    gc.collect()
    assert len(frees) == 1


def test_dropped_datasets_and_models_do_not_leak():
    images = np.zeros((1000, 1, 32, 32), np.uint8)  # 1 MiB per dataset
    labels = np.arange(1000) % 2
    for _ in range(20):  # warm up allocators
        kcell.Dataset.from_arrays(train=(images, labels))
    gc.collect()
    before = resident_bytes()
    for _ in range(300):  # 300 MiB if the datasets leaked
        kcell.Dataset.from_arrays(train=(images, labels))
        kcell.Model.create("conv(8,3) relu flatten dense", (1, 32, 32), 2)
        kcell.History()
    gc.collect()
    grown = resident_bytes() - before
    assert grown < 64 << 20, f"resident memory grew by {grown >> 20} MiB"


def test_handles_of_the_wrong_kind_are_refused_by_ctypes(small_data, fresh_model):
    import ctypes
    with pytest.raises(ctypes.ArgumentError):
        kcell._library.lib().kcell_model_num_params(small_data._handle(),
                                                    ctypes.byref(ctypes.c_size_t()))
    assert fresh_model.num_params > 0

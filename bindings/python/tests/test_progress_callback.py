"""A Python callable as the progress callback: called per batch, cancels on a true return
or an exception (re-raised once kcell_train has returned), and leaves a usable model."""
import numpy as np
import pytest

import kcell


def test_the_callback_sees_every_batch_and_each_epochs_validation(small_data, fresh_model):
    seen = []
    fresh_model.train(small_data, small_data, epochs=2, batch_size=16, num_threads=1,
                      progress=seen.append)
    assert all(isinstance(p, kcell.Progress) for p in seen)
    batches = [(p.epoch, p.batch) for p in seen if p.phase == 0]
    assert batches == [(e, b) for e in range(2) for b in range(1, 5)]  # 60 images / 16
    finals = [p for p in seen if p.phase == 1]
    assert [p.epoch for p in finals] == [0, 1]
    assert all(p.epochs == 2 and p.batches == 4 and 0 <= p.val_accuracy <= 1 for p in finals)


def test_returning_true_cancels_with_cancelled_error(small_data, fresh_model):
    calls = []
    with pytest.raises(kcell.CancelledError, match="cancelled") as e:
        fresh_model.train(small_data, epochs=5, batch_size=16,
                          progress=lambda p: calls.append(p) or len(calls) == 3)
    assert e.value.status == kcell.Status.CANCELLED
    assert len(calls) == 3


class Stop(Exception):
    pass


@pytest.mark.parametrize("error", [Stop("enough"), KeyboardInterrupt()])
def test_an_exception_in_the_callback_cancels_and_is_re_raised(small_data, fresh_model, error):
    calls = []

    def progress(p):
        calls.append(p)
        if len(calls) == 2:
            raise error

    history = kcell.History()
    with pytest.raises(type(error)) as raised:
        fresh_model.train(small_data, small_data, epochs=5, batch_size=16, progress=progress,
                          history=history, num_threads=1)
    assert raised.value is error
    assert len(calls) == 2 and len(history) == 0  # stopped inside the first epoch


def test_a_cancelled_model_stays_usable(small_data, fresh_model):
    images, labels = small_data.arrays("test")
    with pytest.raises(ValueError):
        fresh_model.train(small_data, epochs=3, batch_size=16,
                          progress=lambda p: (_ for _ in ()).throw(ValueError("x")))
    probs = fresh_model.predict(images)
    assert probs.shape == (15, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    history = fresh_model.train(small_data, small_data, epochs=2, batch_size=16,
                                learning_rate=0.01, num_threads=1)
    assert len(history) == 2
    assert fresh_model.evaluate(small_data, "test").count == 15


def test_without_a_callback_training_runs_to_the_end(small_data, fresh_model):
    assert len(fresh_model.train(small_data, epochs=2, batch_size=30)) == 2

"""Training through the bindings: every field of kcell_train_params reaches the library."""
import os

import numpy as np
import pytest
from conftest import SMALL_SPEC

import kcell
from kcell import _structs


def test_one_epoch_on_a_small_npz_learns_and_records_history(small_data, fresh_model):
    before = fresh_model.evaluate(small_data, "test")
    history = fresh_model.train(small_data, small_data, epochs=1, batch_size=8,
                                learning_rate=0.01, num_threads=1, schedule="constant",
                                monitor="none", fit_decision_bias=0, augmentation=None)
    assert len(history) == 1
    record = history[0]
    assert record.epoch == 0 and record.learning_rate == pytest.approx(0.01)
    assert 0 <= record.val_accuracy <= 1 and record.seconds > 0
    assert record.train_val_gap == pytest.approx(record.train_accuracy - record.val_accuracy)
    after = fresh_model.evaluate(small_data, "val")
    assert after.count == 15
    assert after.loss == pytest.approx(record.val_loss)  # the same numbers, as documented
    assert after.accuracy == pytest.approx(record.val_accuracy)
    assert fresh_model.evaluate(small_data, "test").loss < before.loss
    info = fresh_model.info
    assert info.epochs_trained == 1 and info.val_loss == pytest.approx(record.val_loss)
    mean, std = fresh_model.normalization
    assert len(mean) == 1 and 0 < mean[0] < 1 and std[0] > 0


def test_history_appends_over_calls_and_names_the_best_epoch(small_data, fresh_model):
    history = kcell.History()
    fresh_model.train(small_data, small_data, epochs=2, batch_size=16, history=history,
                      num_threads=1, monitor="none")
    assert history.best_epoch is None  # no monitor
    returned = fresh_model.train(small_data, small_data, epochs=3, batch_size=16,
                                 history=history, monitor="val_loss", num_threads=1)
    assert returned is history and len(history) == 5
    assert [r.epoch for r in history] == [0, 1, 0, 1, 2]  # epochs count per call
    losses = [r.val_loss for r in history.to_list()[2:]]
    assert history.best_epoch == 2 + losses.index(min(losses))
    assert history[-1] == history[4]
    with pytest.raises(IndexError):
        history[5]


def test_params_start_from_the_library_defaults_and_take_every_kind_of_value():
    p = kcell.TrainParams()
    # The recommended recipe, as kcell_train_params_default() and the kcell program have it.
    assert (p.epochs, p.batch_size, p.optimizer, p.seed) == (0, 128, kcell.Optimizer.ADAMW, 42)
    assert (p.schedule, p.monitor, p.patience) == (kcell.Schedule.COSINE, kcell.Monitor.AUTO, -1)
    assert p.auto_class_weights == 2 and p.fit_decision_bias == 1 and p.validate_every == 0
    assert p.augmentation.erase_max_area == 0.25 and p.class_weights is None
    # The recipe's augmentation (flips and quarter turns) and automatic precision, as in C.
    assert (p.augmentation.hflip, p.augmentation.vflip, p.augmentation.rot90) == (0.5, 0.5, 0.75)
    assert p.precision == kcell.Precision.AUTO
    assert p.ema_decay < 0 and p.mixup_alpha == 0 and p.cutmix_alpha == 0  # EMA automatic
    p = kcell.TrainParams(optimizer="adamw", schedule=kcell.Schedule.COSINE, monitor=2,
                          precision="fp32", class_weights=np.array([1, 2, 3]),
                          checkpoint_path=os.path.join("a", "b"), augmentation={"shift": 2})
    assert p.optimizer == kcell.Optimizer.ADAMW and p.monitor == kcell.Monitor.VAL_ACCURACY
    assert p.class_weights == (1.0, 2.0, 3.0) and p.checkpoint_path == "a/b"
    assert p.augmentation.shift == 2 and p.augmentation.erase_max_area == 0.25
    q = p.replace(epochs=4, augmentation=kcell.Augmentation(hflip=1.0))
    assert q.epochs == 4 and p.epochs == 0 and q.class_weights == p.class_weights
    assert q.augmentation.hflip == 1.0 and q.augmentation.erase_max_area == 0.0
    assert set(p.to_dict()) == set(kcell.TrainParams.field_names())
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        kcell.TrainParams(epoch=3)
    with pytest.raises(AttributeError, match="no field 'epoch'"):
        p.epoch = 3
    with pytest.raises(AttributeError):
        kcell.TrainParams(augmentation={"flip": 1})
    with pytest.raises(kcell.InvalidArgumentError, match="unknown optimizer"):
        kcell.TrainParams(optimizer="rmsprop")
    with pytest.raises(TypeError):
        kcell.TrainParams(epochs=1.5)


@pytest.mark.parametrize("field, value, message", [
    ("optimizer", 7, "unknown optimizer 7"),
    ("schedule", 9, "unknown schedule 9"),
    ("monitor", 11, "unknown monitor 11"),
    ("label_smoothing", 1.5, "label smoothing"),
    ("num_threads", -2, "num_threads"),
    ("epochs", -1, "epoch"),
    ("batch_size", -1, "batch"),
    ("augmentation", {"hflip": 2.0}, "hflip"),
    ("augmentation", {"erase": 0.5, "erase_max_area": 0.0}, "erase"),
])
def test_each_field_reaches_the_library_which_rejects_bad_values(small_data, fresh_model,
                                                                 field, value, message):
    with pytest.raises(kcell.InvalidArgumentError, match=message) as e:
        fresh_model.train(small_data, **{field: value})
    assert e.value.function == "kcell_train"


def test_class_weights_need_one_weight_per_class(small_data, fresh_model):
    with pytest.raises(kcell.InvalidArgumentError, match="class_weights has 2"):
        fresh_model.train(small_data, class_weights=[1.0, 2.0])
    with pytest.raises(kcell.InvalidArgumentError) as e:
        fresh_model.train(small_data, epochs=1, class_weights=[1.0, 2.0, 3.0],
                          auto_class_weights=7)
    assert e.value.function == "kcell_train"  # the library saw both fields


def weights_after(small_data, seed=3, **fields):
    with kcell.Model.create(SMALL_SPEC, small_data.shape, 3, seed=seed) as model:
        model.train(small_data, epochs=1, batch_size=16, num_threads=1, **fields)
        return model.to_bytes()


def test_settings_change_training_and_the_same_settings_repeat_it(small_data):
    base = weights_after(small_data)
    assert weights_after(small_data) == base  # reproducible
    for fields in ({"seed": 7}, {"learning_rate": 0.05}, {"optimizer": "sgd"},
                   {"weight_decay": 0.1, "optimizer": "adamw"},
                   {"class_weights": [1.0, 5.0, 1.0]}, {"label_smoothing": 0.2},
                   {"auto_class_weights": 0}, {"balanced_sampler": 1},
                   {"augmentation": {"hflip": 1.0}}, {"augmentation": {"brightness": 0.3}},
                   {"schedule": "cosine", "warmup_epochs": 0.5},
                   {"optimizer": "sgd", "nesterov": 1}, {"beta1": 0.5},
                   {"optimizer": "sgd", "momentum": 0.1}, {"epsilon": 0.5},
                   {"decay_bias_and_norm": 1, "weight_decay": 0.5, "optimizer": "adamw"}):
        assert weights_after(small_data, **fields) != base, fields


def test_patience_stops_early_and_min_delta_counts(small_data, fresh_model):
    history = fresh_model.train(small_data, small_data, epochs=8, batch_size=16,
                                learning_rate=1e-6, monitor="val_accuracy", patience=1,
                                min_delta=0.5, num_threads=1)
    assert len(history) == 2  # nothing can improve accuracy by 0.5 at this rate
    with pytest.raises(kcell.InvalidArgumentError):
        fresh_model.train(small_data, None, epochs=1, monitor="val_loss")  # needs val data


def outcome(call):
    try:
        call()
        return kcell.Status.OK
    except kcell.KcellError as e:
        return e.status


def test_checkpoint_resume_and_precision_fields_reach_the_library(small_data, fresh_model,
                                                                  tmp_path):
    # Until checkpoints and bf16 training land the library rejects them as UNSUPPORTED; then
    # they must work. Either way the library saw the fields (a dropped field would train).
    path = tmp_path / "run.ckpt"
    status = outcome(lambda: fresh_model.train(small_data, epochs=1, batch_size=16,
                                               checkpoint_path=path))
    assert status == kcell.Status.UNSUPPORTED or (status == kcell.Status.OK and path.exists())
    status = outcome(lambda: fresh_model.train(small_data, epochs=1, batch_size=16,
                                               checkpoint_path=path, resume=1))
    assert status in (kcell.Status.UNSUPPORTED, kcell.Status.OK)
    status = outcome(lambda: fresh_model.train(small_data, epochs=1, batch_size=16,
                                               precision="int8"))
    assert status in (kcell.Status.UNSUPPORTED, kcell.Status.INVALID_ARGUMENT)
    status = outcome(lambda: fresh_model.train(small_data, epochs=1, batch_size=16,
                                               precision="bf16"))
    assert status in (kcell.Status.UNSUPPORTED, kcell.Status.OK)


def test_a_diverging_run_raises_not_finite(small_data, fresh_model):
    with pytest.raises(kcell.NotFiniteError, match="NaN or infinite") as e:
        fresh_model.train(small_data, epochs=3, batch_size=8, optimizer="sgd",
                          learning_rate=1e30, num_threads=1)
    assert e.value.function == "kcell_train"
    assert fresh_model.predict(small_data.arrays("test")[0]).shape == (15, 3)


def test_fields_past_an_older_librarys_struct_are_refused(small_data, fresh_model):
    # Pretend the library knew only the fields up to `augmentation` (an older header): a
    # field it would silently ignore must not be set.
    older = _structs.TrainParamsC.checkpoint_path.offset
    params = kcell.TrainParams(epochs=1, batch_size=16, precision="bf16")
    object.__setattr__(params, "_library_size", older)
    with pytest.raises(kcell.UnsupportedError, match="precision"):
        fresh_model.train(small_data, params=params)
    # An older library fills only its prefix: the newer fields stay zero.
    params = kcell.TrainParams(epochs=1, batch_size=16, num_threads=1, fit_decision_bias=0,
                               ema_decay=0, precision="fp32")
    object.__setattr__(params, "_library_size", older)
    assert len(fresh_model.train(small_data, params=params)) == 1  # defaults pass

"""Calibration from Python: the metrics against scikit-learn and numpy, temperature scaling
and conformal sets on a trained model, and their place in model files."""
import math

import numpy as np
import pytest
from conftest import SMALL_SPEC
from sklearn.metrics import brier_score_loss, log_loss

import kcell


def numpy_ece(p, y, bins=15):
    """Top-label ECE with equal-width bins ((b-1)/B, b/B], the reference of the C code."""
    conf = p.max(axis=1).astype(np.float64)
    right = (p.argmax(axis=1) == y).astype(np.float64)
    index = np.clip(np.ceil(conf * bins) - 1, 0, bins - 1).astype(int)
    ece = 0.0
    for b in range(bins):
        inside = index == b
        if inside.any():
            ece += inside.sum() / len(y) * abs(right[inside].mean() - conf[inside].mean())
    return ece


def numpy_classwise_ece(p, y, bins=15):
    k = p.shape[1]
    total = 0.0
    for c in range(k):
        pc = p[:, c].astype(np.float64)
        yc = (y == c).astype(np.float64)
        index = np.clip(np.ceil(pc * bins) - 1, 0, bins - 1).astype(int)
        for b in range(bins):
            inside = index == b
            if inside.any():
                total += abs(yc[inside].sum() - pc[inside].sum()) / len(y)
    return total / k


def random_rows(rng, n, k):
    logits = rng.normal(0.0, 2.0, size=(n, k))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
    y = np.array([rng.choice(k, p=row / row.sum()) for row in p.astype(np.float64)])
    return p, y


@pytest.mark.parametrize("k", [2, 5])
def test_nll_brier_and_ece_match_scikit_learn_and_numpy(k):
    rng = np.random.default_rng(k)
    p, y = random_rows(rng, 700, k)
    c = kcell.calibration_metrics(p, y)
    p64 = p.astype(np.float64)
    assert c.nll == pytest.approx(log_loss(y, p64, labels=list(range(k))), rel=1e-5)
    onehot = np.eye(k)[y]
    assert c.brier == pytest.approx(np.mean(np.sum((p64 - onehot) ** 2, axis=1)), rel=1e-9)
    if k == 2:  # scikit-learn's binary Brier score is half the two-class sum
        assert c.brier == pytest.approx(2 * brier_score_loss(y, p64[:, 1]), rel=1e-6)
    assert c.ece == pytest.approx(numpy_ece(p, y), abs=1e-9)
    assert c.classwise_ece == pytest.approx(numpy_classwise_ece(p, y), abs=1e-9)
    assert sum(b.count for b in c.bins) == 700
    # The curve: accuracy of the most confident share, ending at plain accuracy.
    order = np.argsort(-p.max(axis=1), kind="stable")
    right = p.argmax(axis=1)[order] == y[order]
    for point in c.risk_coverage:
        m = round(point.coverage * 700)
        assert point.accuracy == pytest.approx(right[:m].mean())
    assert c.risk_coverage[-1].accuracy == pytest.approx((p.argmax(axis=1) == y).mean())
    assert math.isnan(c.conformal_alpha) and c.temperature == 1.0


def test_calibration_metrics_refuse_bad_input():
    with pytest.raises(kcell.InvalidArgumentError, match="label 3"):
        kcell.calibration_metrics(np.full((2, 3), 1 / 3, np.float32), [0, 3])
    with pytest.raises(kcell.NotFiniteError):
        kcell.calibration_metrics(np.array([[np.nan, 1.0]], np.float32), [0])


@pytest.fixture
def calibrated(small_npz, tmp_path):
    with kcell.Dataset.open(small_npz) as data:
        model = kcell.Model.create(SMALL_SPEC, data.shape, data.num_classes, seed=4)
        model.train(data, data, epochs=2, batch_size=16, learning_rate=0.01, num_threads=1)
        yield model, data
        model.close()


def test_evaluation_reports_the_calibration_of_what_predict_gives(calibrated, small_npz):
    model, data = calibrated
    arrays = np.load(small_npz)
    images, labels = arrays["test_images"], arrays["test_labels"].reshape(-1)
    probs = model.predict(images)
    expected = kcell.calibration_metrics(probs, labels)
    metrics = model.evaluate(data, "test")
    assert metrics.ece == pytest.approx(expected.ece, abs=1e-5)
    assert metrics.nll == pytest.approx(expected.nll, rel=1e-4)
    assert metrics.brier == pytest.approx(expected.brier, rel=1e-4)
    details = model.evaluate_details(data, "test")
    assert details.metrics.classwise_ece == pytest.approx(expected.classwise_ece, abs=1e-5)
    assert model.evaluate_calibration(data, "test").ece == pytest.approx(expected.ece, abs=1e-5)
    together = model.evaluate_details(data, "test", calibration=True)
    apart = model.evaluate_calibration(data, "test")
    assert together.metrics.accuracy == details.metrics.accuracy
    assert together.metrics.auc == details.metrics.auc
    assert (together.calibration.ece, together.calibration.nll, together.calibration.bins) == \
        (apart.ece, apart.nll, apart.bins)
    assert details.calibration is None


def test_temperature_scaling_and_conformal_sets(calibrated, small_npz, tmp_path):
    model, data = calibrated
    assert model.temperature == 1.0 and model.conformal is None
    arrays = np.load(small_npz)
    images, labels = arrays["test_images"], arrays["test_labels"].reshape(-1)
    with pytest.raises(kcell.InvalidArgumentError, match="conformal"):
        model.prediction_sets(model.predict(images))

    fit = model.calibrate(data, "val", alpha=0.2)
    assert fit.count == 15
    assert fit.temperature == model.temperature
    assert fit.nll <= fit.nll_before + 1e-9
    alpha, quantile = model.conformal
    assert alpha == 0.2 and quantile == fit.conformal_quantile

    # The temperature divides the logits: predictions are softmax(log p_before / T + b).
    probs = model.predict(images)
    sets = model.prediction_sets(probs)
    assert sets.shape == probs.shape and sets.dtype == bool
    assert np.array_equal(sets, 1.0 - probs.astype(np.float64) <= quantile)
    c = model.evaluate_calibration(data, "test")
    assert c.temperature == model.temperature and c.conformal_alpha == 0.2
    assert c.conformal_coverage == pytest.approx(sets[np.arange(len(labels)), labels].mean())
    assert c.conformal_mean_set_size == pytest.approx(sets.sum(axis=1).mean())
    for k in range(3):
        rows = labels == k
        assert c.class_coverage[k] == pytest.approx(sets[rows, k].mean())

    # Saved and loaded: the same temperature, sets and probabilities.
    path = str(tmp_path / "calibrated.kcell")
    model.save(path)
    with kcell.Model.load(path) as loaded:
        assert loaded.temperature == model.temperature
        assert loaded.conformal == model.conformal
        assert np.array_equal(loaded.predict(images), probs)

    # Setting the temperature by hand: T = 2 halves every logit.
    model.calibrate(data, "val")  # no alpha: the sets go
    assert model.conformal is None
    with pytest.raises(kcell.InvalidArgumentError, match="temperature"):
        model.temperature = 0.0
    with pytest.raises(kcell.InvalidArgumentError, match="alpha"):
        model.calibrate(data, "val", alpha=1.5)

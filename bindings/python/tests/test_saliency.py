"""Saliency maps from Python: Model.explain returns numpy maps of the input's size for the
predicted or a chosen class, Grad-CAM of a trained model looks at the band that defines
each class, and bad requests raise."""
import numpy as np
import pytest
from conftest import make_images

import kcell


def test_explain_returns_one_nonnegative_map_per_image_for_the_predicted_class(trained_model):
    rng = np.random.default_rng(1)
    images = make_images(rng, np.arange(9) % 3)
    maps, classes = trained_model.explain(images)
    assert maps.shape == (9, 12, 12) and maps.dtype == np.float32
    assert (maps >= 0).all() and np.isfinite(maps).all()
    assert (classes == trained_model.predict(images).argmax(axis=1)).all()
    maps2, classes2 = trained_model.explain(images, target_class=1, method="gradient")
    assert (classes2 == 1).all() and maps2.shape == (9, 12, 12)
    assert (maps2 > 0).any()
    # NHWC arrays and (N, H, W) arrays of one-channel images are the same images.
    same, _ = trained_model.explain(images[:, 0])
    np.testing.assert_array_equal(same, maps)


def test_grad_cam_of_a_trained_model_lies_on_the_band_of_its_class(trained_model):
    # Class c is bright in rows 4c .. 4c + 3 (conftest.make_images).
    rng = np.random.default_rng(2)
    labels = np.arange(30) % 3
    images = make_images(rng, labels)
    maps, classes = trained_model.explain(images, method="gradcam")
    shares = []
    for m, c, y in zip(maps, classes, labels):
        if c != y or m.sum() == 0:
            continue
        shares.append(m[4 * y:4 * y + 4].sum() / m.sum())
    assert len(shares) >= 15
    assert np.mean(shares) > 0.5, shares  # a third for a map that ignored the bands


def test_explain_refuses_bad_requests(trained_model):
    images = make_images(np.random.default_rng(3), [0, 1])
    with pytest.raises(kcell.InvalidArgumentError):
        trained_model.explain(images, method="saliency")
    with pytest.raises(kcell.InvalidArgumentError):
        trained_model.explain(images, target_class=3)
    with pytest.raises(kcell.InvalidArgumentError):
        trained_model.explain(images, layer=4)  # flatten: no feature maps
    with kcell.Model.create("flatten dense", (1, 12, 12), 3) as plain:
        with pytest.raises(kcell.KcellError) as error:
            plain.explain(images)  # Grad-CAM needs a convolution
        assert "convolution" in str(error.value)
        maps, _ = plain.explain(images, method="gradient")
        assert maps.shape == (2, 12, 12)

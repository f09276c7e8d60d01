"""Predictions from Python equal the C program's bit for bit, for NCHW and NHWC input, and
predict_normalized agrees with predict."""
import os

import numpy as np
import pytest
from conftest import helper_program, make_images, run

import kcell


@pytest.fixture(scope="module")
def rgb_model(tmp_path_factory):
    """A trained three-channel model saved to a file, and a batch of images."""
    rng = np.random.default_rng(11)
    labels = np.arange(48) % 3
    images = make_images(rng, labels, channels=3, side=9)
    with kcell.Dataset.from_arrays(train=(images, labels)) as data, \
            kcell.Model.create("conv(6,3) bn relu maxpool(2) flatten dense(8) relu dense",
                               (3, 9, 9), 3, seed=4) as model:
        model.train(data, epochs=2, batch_size=12, learning_rate=0.02, num_threads=1)
        path = tmp_path_factory.mktemp("model") / "rgb.kcell"
        model.save(path)
    return str(path), make_images(rng, np.arange(10) % 3, channels=3, side=9)


def c_predictions(model_path, images, layout, tmp_path):
    images_path = tmp_path / f"images.{layout}.u8"
    out = tmp_path / f"probs.{layout}.f32"
    images_path.write_bytes(np.ascontiguousarray(images).tobytes())
    run([helper_program("KCELL_TEST_PREDICT_REFERENCE"), model_path, str(images_path),
         str(len(images)), layout, str(out)])
    return np.fromfile(out, dtype=np.float32).reshape(len(images), -1)


@pytest.fixture
def one_thread():
    kcell.set_num_threads(1)  # as the C program; per calling thread
    yield
    kcell.set_num_threads(0)


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_python_predictions_equal_the_c_programs_exactly(rgb_model, tmp_path, layout,
                                                         one_thread):
    path, images = rgb_model
    batch = images if layout == "nchw" else images.transpose(0, 2, 3, 1)
    expected = c_predictions(path, batch, layout, tmp_path)
    with kcell.Model.load(path) as model:
        got = model.predict(batch)  # layout read from the shape
        assert got.dtype == np.float32 and got.shape == (10, 3)
        assert np.array_equal(got, expected)
        assert np.array_equal(model.predict(np.ascontiguousarray(batch), layout=layout),
                              expected)


def test_nhwc_views_and_nchw_give_the_same_probabilities(rgb_model, one_thread):
    path, images = rgb_model
    with kcell.Model.load(path) as model:
        nchw = model.predict(images)
        assert np.array_equal(model.predict(images.transpose(0, 2, 3, 1)), nchw)  # a view
        assert np.array_equal(model.predict(images[::-1])[::-1], nchw)  # not contiguous
        assert np.array_equal(model.predict(images[:0]), np.zeros((0, 3), np.float32))


def test_predict_normalized_matches_predict(rgb_model, one_thread):
    path, images = rgb_model
    with kcell.Model.load(path) as model:
        mean, std = (np.array(v, np.float32)[None, :, None, None] for v in model.normalization)
        x = (images.astype(np.float32) / np.float32(255) - mean) / std
        np.testing.assert_allclose(model.predict_normalized(x), model.predict(images),
                                   rtol=1e-5, atol=1e-6)
        with pytest.raises(kcell.InvalidArgumentError, match="normalised images"):
            model.predict_normalized(x[:, :2])


@pytest.mark.parametrize("images, message", [
    (np.zeros((2, 3, 8, 9), np.uint8), "not"),
    (np.zeros((2, 9, 9), np.uint8), "not"),
    (np.zeros((2, 3, 9, 9), np.float32), "uint8"),
    (np.zeros((3, 9, 9), np.uint8), "not"),
    (np.zeros((2, 3, 9, 9, 1), np.uint8), "shape"),
])
def test_images_of_the_wrong_shape_or_type_are_refused(rgb_model, images, message):
    with kcell.Model.load(rgb_model[0]) as model:
        with pytest.raises(kcell.InvalidArgumentError, match=message):
            model.predict(images)
        with pytest.raises(kcell.InvalidArgumentError):
            model.predict(images.tobytes()[:-1] if images.size else b"x", layout="nchw")


def test_predictions_from_threads_equal_the_single_threaded_ones(rgb_model):
    from concurrent.futures import ThreadPoolExecutor
    path, images = rgb_model
    with kcell.Model.load(path) as model:
        expected = model.predict(images)
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: model.predict(images), range(8)))
    for r in results:
        np.testing.assert_allclose(r, expected, rtol=1e-6, atol=1e-7)


def test_bytes_input_gives_the_same_rows(rgb_model, one_thread):
    path, images = rgb_model
    with kcell.Model.load(path) as model:
        assert np.array_equal(model.predict(images.tobytes(), layout="nchw"),
                              model.predict(images))
        assert os.path.exists(path)


def test_inference_precision_bf16_is_close_to_fp32_or_unsupported(rgb_model, one_thread):
    path, images = rgb_model
    with kcell.Model.load(path) as model:
        fp32 = model.predict(images)
        try:
            model.set_inference_precision("bf16")
        except kcell.UnsupportedError:
            return  # a CPU without AVX-512 BF16
        np.testing.assert_allclose(model.predict(images), fp32, atol=2e-2)
        model.set_inference_precision(kcell.Precision.FP32)
        assert np.array_equal(model.predict(images), fp32)
        with pytest.raises(kcell.InvalidArgumentError):
            model.set_inference_precision(17)


def test_int8_needs_a_calibration_then_predicts_the_fp32_classes(rgb_model, one_thread):
    path, images = rgb_model
    with kcell.Model.load(path) as model, \
            kcell.Dataset.from_arrays(train=(images, np.arange(len(images)) % 3)) as data:
        fp32 = model.predict(images)
        with pytest.raises(kcell.InvalidArgumentError, match="calibrate"):
            model.set_inference_precision("int8")
        model.calibrate_int8(data, "train")
        model.set_inference_precision("int8")
        int8 = model.predict(images)
        assert not np.array_equal(int8, fp32)
        assert np.array_equal(int8.argmax(axis=1), fp32.argmax(axis=1))
        np.testing.assert_allclose(int8, fp32, atol=0.05)
        with pytest.raises(kcell.InvalidArgumentError):
            model.calibrate_int8(data, "val")  # no validation split


def test_tta_predictions_are_the_mean_over_numpy_flips_and_turns(rgb_model, one_thread):
    path, images = rgb_model
    with kcell.Model.load(path) as model:
        model.tta = "dihedral"
        assert model.tta == "dihedral"
        got = model.predict(images)
        model.tta = "none"
        turns = [np.rot90(images, k, axes=(2, 3)) for k in range(4)]
        views = turns + [np.flip(t, axis=3) for t in turns]
        mean = np.mean([model.predict(np.ascontiguousarray(v)) for v in views], axis=0)
        assert np.allclose(got, mean, atol=2e-6)

        model.tta = kcell.Tta.FLIPS4
        assert model.tta == "flips4"
        flips = [images, images[:, :, :, ::-1], images[:, :, ::-1, :], images[:, :, ::-1, ::-1]]
        model.tta = "FLIPS4"
        got = model.predict(images)
        model.tta = 0
        mean = np.mean([model.predict(np.ascontiguousarray(v)) for v in flips], axis=0)
        assert np.allclose(got, mean, atol=2e-6)
        with pytest.raises(kcell.InvalidArgumentError):
            model.tta = "rot90"
        with pytest.raises(kcell.InvalidArgumentError):
            model.tta = 4
        assert model.tta == "none"

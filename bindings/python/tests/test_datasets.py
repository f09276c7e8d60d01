"""Datasets from files and from arrays: shapes, counts, histograms and images round-trip."""
import numpy as np
import pytest
from conftest import FIXTURES, make_images

import kcell
from kcell import _arrays


def test_open_reads_a_medmnist_npz(small_data, small_npz):
    assert small_data.shape == (1, 12, 12)
    assert small_data.num_classes == 3
    assert [small_data.count(s) for s in ("train", "val", "test")] == [60, 15, 15]
    assert small_data.count(kcell.Split.VAL) == 15
    assert small_data.class_histogram("train") == [20, 20, 20]
    npz = np.load(small_npz)
    image, label = small_data.image("test", 4)
    assert np.array_equal(image[0], npz["test_images"][4])
    assert label == npz["test_labels"][4, 0]
    images, labels = small_data.arrays("val")
    assert np.array_equal(images[:, 0], npz["val_images"])
    assert np.array_equal(labels, npz["val_labels"][:, 0])


def test_open_options_reach_the_library():
    path = f"{FIXTURES}/medmnist_compressed.npz"
    with kcell.Dataset.open(path, num_classes=7) as data:
        assert data.num_classes == 7
    with pytest.raises(kcell.LimitError):
        kcell.Dataset.open(path, max_bytes=16)
    with kcell.Dataset.open(f"{FIXTURES}/idx_plain", val_fraction=0.5) as data:
        total = data.count("train") + data.count("val")
        assert data.count("val") == total // 2


def test_rgb_nhwc_arrays_become_nchw():
    rng = np.random.default_rng(1)
    nhwc = rng.integers(0, 256, size=(5, 6, 7, 3), dtype=np.uint8)
    labels = np.array([0, 1, 0, 1, 1], dtype=np.uint8).reshape(5, 1)
    with kcell.Dataset.from_arrays(train=(nhwc, labels)) as data:
        assert data.shape == (3, 6, 7)
        images, got_labels = data.arrays("train")
        assert np.array_equal(images, nhwc.transpose(0, 3, 1, 2))
        assert list(got_labels) == [0, 1, 0, 1, 1]
        assert data.count("test") == 0


def test_arrays_of_every_split_and_layout_round_trip():
    rng = np.random.default_rng(2)
    splits = {}
    for name, n in (("train", 9), ("val", 4), ("test", 3)):
        labels = np.arange(n) % 3
        splits[name] = (make_images(rng, labels, channels=3, side=9), labels)
    with kcell.Dataset.from_arrays(**splits, layout="nchw", num_classes=4) as data:
        assert data.num_classes == 4
        assert data.class_histogram("val") == [2, 1, 1, 0]
        for name, (images, labels) in splits.items():
            got, got_labels = data.arrays(name)
            assert np.array_equal(got, images)
            assert np.array_equal(got_labels, labels)


def test_contiguous_uint8_and_int32_arrays_reach_c_without_a_copy():
    images = np.zeros((4, 1, 5, 5), dtype=np.uint8)
    labels = np.zeros(4, dtype=np.int32)
    buffer, count, shape, layout = _arrays.uint8_images(images, None, None, want_nchw=True)
    assert buffer is images and count == 4 and shape == (1, 5, 5)
    assert _arrays.int32_labels(labels, 4) is labels
    gray = np.zeros((4, 5, 5), dtype=np.uint8)
    assert _arrays.uint8_images(gray, None, None, want_nchw=True)[0] is gray


def test_bytes_buffers_need_a_shape_and_labels_may_be_lists():
    pixels = bytes(range(2 * 3 * 4))  # two 1x3x4 images
    with kcell.Dataset.from_arrays(test=(pixels, [1, 0]), shape=(1, 3, 4)) as data:
        assert data.count("test") == 2
        image, label = data.image("test", 1)
        assert image.tobytes() == pixels[12:] and label == 0
    with pytest.raises(kcell.InvalidArgumentError, match="shape"):
        kcell.Dataset.from_arrays(test=(pixels, [1, 0]))


@pytest.mark.parametrize("bad, message", [
    (dict(train=(np.zeros((2, 4, 4), np.float32), [0, 1])), "uint8"),
    (dict(train=(np.zeros((2, 4, 4), np.uint8), [0, 1, 1])), "labels"),
    (dict(train=(np.zeros((2, 4, 4), np.uint8), np.zeros(2, np.float64))), "integers"),
    (dict(train=(np.zeros((2, 4, 4), np.uint8), [0, 1]),
          val=(np.zeros((2, 5, 5), np.uint8), [0, 1])), "not"),
    (dict(train=(np.zeros((2, 3, 5, 3), np.uint8), [0, 1])), "layout"),
    (dict(), "at least one"),
])
def test_inconsistent_arrays_are_rejected_before_c_sees_them(bad, message):
    with pytest.raises(kcell.InvalidArgumentError, match=message):
        kcell.Dataset.from_arrays(**bad)


def test_labels_out_of_range_are_rejected_by_the_library():
    with pytest.raises(kcell.InvalidArgumentError, match="label"):
        kcell.Dataset.from_arrays(train=(np.zeros((2, 4, 4), np.uint8), [0, -1]))
    with pytest.raises(kcell.KcellError) as e:
        kcell.Dataset.from_arrays(train=(np.zeros((2, 4, 4), np.uint8), [0, 5]),
                                  num_classes=2)
    assert e.value.function == "kcell_dataset_create"


def test_an_image_folder_opens_names_its_classes_and_saves_as_npz(tmp_path):
    from PIL import Image
    rng = np.random.default_rng(3)
    labels = np.arange(12) % 3
    images = make_images(rng, labels)
    names = ["c_top", "a_middle", "b_bottom"]  # label order of make_images
    for i, (pixels, label) in enumerate(zip(images, labels)):
        folder = tmp_path / "cells" / "train" / names[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels[0], "L").save(folder / f"{i:02d}.png")
    with kcell.Dataset.open(tmp_path / "cells", val_fraction=0.25) as data:
        assert data.class_names == sorted(names)
        assert data.shape == (1, 12, 12)
        assert [data.count(s) for s in ("train", "val", "test")] == [9, 3, 0]
        data.save_npz(tmp_path / "cells.npz")
        with np.load(tmp_path / "cells.npz") as npz:
            assert npz["train_images"].shape == (9, 12, 12)
            assert npz["val_labels"].ravel().tolist() == [0, 1, 2]
        with kcell.Model.create("conv(4,3) relu flatten dense", data.shape, 3, seed=1) as m:
            m.train(data, epochs=1, batch_size=4, num_threads=1)
            assert m.class_names == sorted(names)
    with pytest.raises(kcell.LimitError, match="max_files"):
        kcell.Dataset.open(tmp_path / "cells", max_files=5)
    with kcell.Dataset.open(f"{FIXTURES}/medmnist_compressed.npz") as data:
        assert data.class_names == ["0", "1", "2"]

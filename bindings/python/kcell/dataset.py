"""Datasets: opened from a file or folder, or made from arrays in memory."""
from __future__ import annotations

import ctypes
import enum
import os
from ctypes import byref, c_int, c_size_t
from typing import Any, List, Optional, Tuple, Union

from . import _arrays
from . import _structs as s
from ._errors import invalid_argument
from ._handle import Handle, read_text
from ._library import DatasetPtr, lib


class Split(enum.IntEnum):
    """Mirror of ``kcell_split``: which part of a dataset."""

    TRAIN = 0
    VAL = 1
    TEST = 2


class Task(enum.IntEnum):
    """Mirror of ``kcell_task``: what labels and outputs mean (``Dataset.task``,
    ``Model.task``)."""

    MULTI_CLASS = 0  #: one class per image; softmax outputs
    MULTI_LABEL = 1  #: L binary labels per image (ChestMNIST); L sigmoid outputs


SplitLike = Union[Split, int, str]
_SPLIT_NAMES = {"train": Split.TRAIN, "val": Split.VAL, "validation": Split.VAL,
                "test": Split.TEST}


def parse_split(split: SplitLike) -> int:
    """A split from a :class:`Split`, its name ("train", "val", "test") or a number (passed
    on unchecked: the library rejects unknown numbers)."""
    if isinstance(split, str):
        try:
            return _SPLIT_NAMES[split.lower()]
        except KeyError:
            raise invalid_argument(f"split must be 'train', 'val' or 'test', not {split!r}") \
                from None
    return int(split)


ArraysLike = Tuple[Any, Any]  # (images, labels)


class Dataset(Handle):
    """A ``kcell_dataset``: up to three splits of uint8 images of one shape, with labels.

    Immutable once made; may be read by many threads at once. Release it with
    :meth:`close` or a ``with`` block (the garbage collector also does).
    """

    _kind = "dataset"

    def __init__(self, raw: Any) -> None:
        """Wraps a ``kcell_dataset *`` the caller owned; use :meth:`open` or
        :meth:`from_arrays` instead."""
        super().__init__(raw, lib().kcell_dataset_free)

    @classmethod
    def open(cls, path: Union[str, "os.PathLike[str]"], *, num_classes: Optional[int] = None,
             val_fraction: Optional[float] = None,
             max_bytes: Optional[int] = None,
             max_files: Optional[int] = None) -> "Dataset":
        """Opens a MedMNIST ``.npz``, a folder of IDX files, an image folder
        (``train/CLASS/*.png``, ``val/...``, ``test/...``) or a ``.npy`` stack
        (``kcell_dataset_open``); the format is read from the content.

        Args:
            path:         File or folder.
            num_classes:  Class count; ``None`` or 0 infers it as the largest label + 1.
            val_fraction: IDX folders, and image folders without ``val/``: fraction of
                          train kept as validation (1/12).
            max_bytes:    Largest array a file may declare (8 GiB); for an image folder,
                          the most bytes of pixels in one split.
            max_files:    Image folders: the most entries listed in all (500,000).
        """
        library = lib()
        options = s.OpenOptions()
        library.kcell_open_options_init(byref(options), ctypes.sizeof(options))
        if num_classes is not None:
            options.num_classes = num_classes
        if val_fraction is not None:
            options.val_fraction = val_fraction
        if max_bytes is not None:
            options.max_bytes = max_bytes
        if max_files is not None:
            options.max_files = max_files
        out = DatasetPtr()
        library.kcell_dataset_open(os.fsencode(path), byref(options), byref(out))
        return cls(out)

    @classmethod
    def from_arrays(cls, train: Optional[ArraysLike] = None, val: Optional[ArraysLike] = None,
                    test: Optional[ArraysLike] = None, *, num_classes: int = 0,
                    layout: Any = None,
                    shape: Optional[Tuple[int, int, int]] = None) -> "Dataset":
        """Makes a dataset from ``(images, labels)`` pairs (``kcell_dataset_create``).

        Images are uint8: numpy arrays (N, H, W), (N, C, H, W) or (N, H, W, C) as MedMNIST
        stores RGB, or, without numpy, ``bytes``-like N×C×H×W buffers with ``shape=(C, H,
        W)``. Labels are integers, (N,) or (N, 1). The library copies everything; NCHW
        uint8 and int32 arrays reach it without another copy (NHWC is transposed once).

        Args:
            train, val, test: The splits; ``None`` for an absent one.
            num_classes:      0 infers the class count as the largest label + 1.
            layout:           ``'nchw'``/``'nhwc'`` for 4-D arrays whose order the shape
                              does not tell.
            shape:            (C, H, W); needed for buffers that are not numpy arrays.
        """
        splits = [train, val, test]
        if all(split is None for split in splits):
            raise invalid_argument("give at least one of train, val and test")
        buffers: List[Optional[s.SplitBuffers]] = []
        keep: List[Any] = []
        chw = tuple(shape) if shape is not None else None
        for name, split in zip(("train", "val", "test"), splits):
            if split is None:
                buffers.append(None)
                continue
            if not isinstance(split, (tuple, list)) or len(split) != 2:
                raise invalid_argument(f"{name} must be an (images, labels) pair")
            images, count, found, _ = _arrays.uint8_images(split[0], chw, layout,
                                                           want_nchw=True)
            chw = found
            labels = _arrays.int32_labels(split[1], count)
            image_ptr, image_keep = _arrays.pointer_to(images, ctypes.c_uint8)
            label_ptr, label_keep = _arrays.pointer_to(labels, ctypes.c_int32)
            keep += [image_keep, label_keep]
            buffers.append(s.SplitBuffers(ctypes.cast(image_ptr, ctypes.c_void_p),
                                          ctypes.cast(label_ptr, ctypes.c_void_p), count))
        assert chw is not None
        out = DatasetPtr()
        lib().kcell_dataset_create(chw[0], chw[1], chw[2], num_classes,
                                   *[byref(b) if b is not None else None for b in buffers],
                                   byref(out))
        del keep  # the library copied the buffers
        return cls(out)

    def count(self, split: SplitLike = Split.TRAIN) -> int:
        """Number of images in ``split``; 0 when it is absent."""
        n = c_size_t()
        lib().kcell_dataset_count(self._handle(), parse_split(split), byref(n))
        return n.value

    @property
    def shape(self) -> Tuple[int, int, int]:
        """The image shape (channels, height, width) shared by all splits."""
        c, h, w = c_int(), c_int(), c_int()
        lib().kcell_dataset_shape(self._handle(), byref(c), byref(h), byref(w))
        return (c.value, h.value, w.value)

    @property
    def num_classes(self) -> int:
        """Number of classes (0 for an unlabelled ``.npy`` stack)."""
        k = c_int()
        lib().kcell_dataset_num_classes(self._handle(), byref(k))
        return k.value

    @property
    def class_names(self) -> List[str]:
        """The class names in label order: an image folder's class folder names, else
        "0" .. "k-1" (``kcell_dataset_class_name``). Training gives them to a model whose
        names were not set."""
        return [read_text(lib().kcell_dataset_class_name, self._handle(), i)
                for i in range(self.num_classes)]

    def save_npz(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the dataset as a MedMNIST-layout ``.npz`` that ``numpy.load`` reads
        (``kcell_dataset_save_npz``): ``train_images``, ``train_labels``, ... for the splits
        present, images uint8 (N, H, W) or (N, H, W, 3), labels uint8 (N, 1), or a
        multi-label dataset's (N, L) of 0 / 1."""
        lib().kcell_dataset_save_npz(self._handle(), os.fsencode(path))

    @property
    def task(self) -> Task:
        """``Task.MULTI_LABEL`` for a ``.npz`` whose labels are (N, L) of 0 / 1 (then
        :attr:`num_classes` is L), else ``Task.MULTI_CLASS`` (``kcell_dataset_task``)."""
        task = ctypes.c_int32()
        lib().kcell_dataset_task(self._handle(), byref(task))
        return Task(task.value)

    def labels(self, split: SplitLike, index: int) -> List[int]:
        """The labels of image ``index`` of ``split``: ``[class]``, or a multi-label image's
        L values of 0 / 1 (``kcell_dataset_labels``)."""
        width = self.num_classes if self.task == Task.MULTI_LABEL else 1
        out = (ctypes.c_int32 * width)()
        lib().kcell_dataset_labels(self._handle(), parse_split(split), index, out, width)
        return list(out)

    def class_histogram(self, split: SplitLike = Split.TRAIN) -> List[int]:
        """Images per class in ``split``, in label order (multi-label: the images that have
        each label)."""
        k = self.num_classes
        counts = (c_size_t * max(k, 1))()
        lib().kcell_dataset_class_histogram(self._handle(), parse_split(split), counts, k)
        return list(counts[:k])

    def image(self, split: SplitLike, index: int) -> Tuple[Any, Any]:
        """A copy of image ``index`` of ``split`` and its label (-1 when unlabelled): a
        (C, H, W) uint8 numpy array, or ``bytes`` without numpy. A multi-label image's label
        is the list of its L values (:meth:`labels`)."""
        c, h, w = self.shape
        if self.task == Task.MULTI_LABEL:
            pixels = bytearray(c * h * w)
            buffer, _keep = _arrays.pointer_to(pixels, ctypes.c_uint8)
            lib().kcell_dataset_image(self._handle(), parse_split(split), index,
                                      ctypes.cast(buffer, ctypes.c_void_p), len(pixels), None)
            image = (_arrays.np.frombuffer(pixels, dtype=_arrays.np.uint8).reshape(c, h, w)
                     if _arrays.has_numpy() else bytes(pixels))
            return image, self.labels(split, index)
        pixels = bytearray(c * h * w)
        label = ctypes.c_int32()
        buffer, _keep = _arrays.pointer_to(pixels, ctypes.c_uint8)
        lib().kcell_dataset_image(self._handle(), parse_split(split), index,
                                  ctypes.cast(buffer, ctypes.c_void_p), len(pixels),
                                  byref(label))
        if _arrays.has_numpy():
            return _arrays.np.frombuffer(pixels, dtype=_arrays.np.uint8).reshape(c, h, w), \
                label.value
        return bytes(pixels), label.value

    def arrays(self, split: SplitLike = Split.TRAIN) -> Tuple[Any, Any]:
        """All images (N, C, H, W uint8) and labels (N, int32; multi-label: N, L) of
        ``split``, copied out as numpy arrays (as ``bytes`` and a list of ints, or of lists,
        without numpy)."""
        which = parse_split(split)
        n = self.count(which)
        c, h, w = self.shape
        per_image = c * h * w
        if self.task == Task.MULTI_LABEL:
            images = bytearray(n * per_image)
            base, _keep = _arrays.pointer_to(images, ctypes.c_uint8)
            for i in range(n):
                lib().kcell_dataset_image(self._handle(), which, i,
                                          ctypes.cast(base, ctypes.c_void_p).value +
                                          i * per_image, per_image, None)
            rows = [self.labels(which, i) for i in range(n)]
            if _arrays.has_numpy():
                np = _arrays.np
                return (np.frombuffer(images, dtype=np.uint8).reshape(n, c, h, w).copy(),
                        np.array(rows, dtype=np.int32).reshape(n, self.num_classes))
            return bytes(images), rows
        if _arrays.has_numpy():
            np = _arrays.np
            images = np.empty((n, c, h, w), dtype=np.uint8)
            labels = np.empty(n, dtype=np.int32)
            base = images.ctypes.data
            label_base = labels.ctypes.data
        else:
            images = (ctypes.c_uint8 * max(n * per_image, 1))()
            labels = (ctypes.c_int32 * max(n, 1))()
            base = ctypes.addressof(images)
            label_base = ctypes.addressof(labels)
        image_fn = lib().kcell_dataset_image
        handle = self._handle()
        for i in range(n):
            image_fn(handle, which, i, base + i * per_image, per_image,
                     ctypes.cast(label_base + 4 * i, ctypes.POINTER(ctypes.c_int32)))
        if _arrays.has_numpy():
            return images, labels
        return bytes(images)[:n * per_image], list(labels[:n])

    def __repr__(self) -> str:
        if self.closed:
            return "<kcell.Dataset closed>"
        counts = ", ".join(f"{sp.name.lower()}={self.count(sp)}" for sp in Split)
        return f"<kcell.Dataset {self.shape} classes={self.num_classes} {counts}>"

"""Bridges between Python buffers and C pointers; numpy when present, plain buffers without.

Nothing here copies unless the C API needs another layout or type: a C-contiguous numpy
array of the right dtype, a ``bytes`` or a writable buffer is handed to C as it is.
"""
from __future__ import annotations

import ctypes
import enum
from typing import Any, List, Optional, Sequence, Tuple

from ._errors import invalid_argument

try:  # numpy is optional: used when installed
    import numpy as np
except ImportError:  # pragma: no cover - exercised by test_without_numpy.py in a subprocess
    np = None  # type: ignore[assignment]


class Layout(enum.IntEnum):
    """Mirror of ``kcell_layout``: pixel order of a batch of images."""

    NCHW = 0
    NHWC = 1


def has_numpy() -> bool:
    """Whether numpy is importable (results are numpy arrays then)."""
    return np is not None


def is_ndarray(obj: Any) -> bool:
    return np is not None and isinstance(obj, np.ndarray)


def pointer_to(obj: Any, ctype: Any) -> Tuple[Any, Any]:
    """A ``POINTER(ctype)`` to the memory of ``obj`` without copying it, and the object that
    must stay alive while C uses the pointer. ``obj`` is a C-contiguous numpy array, a
    ``bytes`` or any object with a buffer (read-only ones other than bytes are copied once).
    """
    target = ctypes.POINTER(ctype)
    if is_ndarray(obj):
        return ctypes.cast(obj.ctypes.data, target), obj
    if isinstance(obj, bytes):
        return ctypes.cast(ctypes.c_char_p(obj), target), obj
    if isinstance(obj, ctypes.Array):
        return ctypes.cast(obj, target), obj
    view = memoryview(obj)
    if view.readonly:
        copy = bytes(view)
        return ctypes.cast(ctypes.c_char_p(copy), target), copy
    array = (ctypes.c_char * view.nbytes).from_buffer(view.cast("B"))
    return ctypes.cast(array, target), (array, view)


def buffer_nbytes(obj: Any) -> int:
    if is_ndarray(obj):
        return int(obj.nbytes)
    return memoryview(obj).nbytes


def parse_layout(value: Any) -> Layout:
    if isinstance(value, str):
        try:
            return Layout[value.upper()]
        except KeyError:
            raise invalid_argument(f"layout must be 'nchw' or 'nhwc', not {value!r}") from None
    return Layout(value)


def uint8_images(images: Any, shape: Optional[Tuple[int, int, int]], layout: Any,
                 want_nchw: bool) -> Tuple[Any, int, Tuple[int, int, int], Layout]:
    """Checks a batch of uint8 images and returns (buffer, count, (C, H, W), layout).

    numpy arrays may be (N, H, W) for one channel, or (N, C, H, W) / (N, H, W, C); with
    ``layout=None`` the layout is read from the shape (``shape``, when known, decides; C is
    1 or 3). Other buffers hold N×C×H×W bytes (or N×H×W×C with ``layout='nhwc'``) and need
    ``shape``. With ``want_nchw`` an NHWC array is transposed (the one copy C cannot avoid).
    """
    if is_ndarray(images):
        if images.dtype != np.uint8:
            raise invalid_argument(
                f"images must be uint8 pixels 0-255, not {images.dtype}: for images scaled "
                f"to [0, 1] pass (images * 255).round().astype(numpy.uint8) (predict_"
                f"normalized is only for images already standardised with the model's "
                f"normalization mean and std)")
        chw, found = _shape_of(images.shape, shape, layout)
        if found == Layout.NHWC and want_nchw:
            images = images.transpose(0, 3, 1, 2)
            found = Layout.NCHW
        return np.ascontiguousarray(images), int(images.shape[0]), chw, found
    if shape is None:
        raise invalid_argument("images that are not a numpy array need shape=(C, H, W)")
    found = Layout.NCHW if layout is None else parse_layout(layout)
    if found == Layout.NHWC and want_nchw:
        raise invalid_argument("NHWC images need numpy (to transpose them); give NCHW bytes")
    per_image = shape[0] * shape[1] * shape[2]
    nbytes = buffer_nbytes(images)
    if per_image <= 0 or nbytes % per_image:
        raise invalid_argument(f"{nbytes} bytes are not a whole number of {shape} images")
    return images, nbytes // per_image, tuple(shape), found  # type: ignore[return-value]


def _shape_of(dims: Tuple[int, ...], shape: Optional[Tuple[int, int, int]],
              layout: Any) -> Tuple[Tuple[int, int, int], Layout]:
    wanted = None if layout is None else parse_layout(layout)
    if len(dims) == 3 and (wanted in (None, Layout.NCHW)):
        chw = (1, dims[1], dims[2])
        if shape is not None and tuple(shape) != chw:
            raise invalid_argument(f"images of shape {dims} are not {tuple(shape)} images")
        return chw, Layout.NCHW
    if len(dims) != 4:
        raise invalid_argument(f"images must be (N, H, W), (N, C, H, W) or (N, H, W, C); got "
                               f"shape {dims}")
    as_nchw = (dims[1], dims[2], dims[3])
    as_nhwc = (dims[3], dims[1], dims[2])
    if wanted is None:
        if shape is not None:
            wanted = (Layout.NCHW if as_nchw == tuple(shape) else
                      Layout.NHWC if as_nhwc == tuple(shape) else None)
            if wanted is None:
                raise invalid_argument(f"images of shape {dims} are not {tuple(shape)} images "
                                       f"in NCHW or NHWC order")
        elif dims[1] in (1, 3) and dims[3] not in (1, 3):
            wanted = Layout.NCHW
        elif dims[3] in (1, 3) and dims[1] not in (1, 3):
            wanted = Layout.NHWC
        else:
            raise invalid_argument(f"cannot tell the layout of shape {dims}; pass layout=")
    chw = as_nchw if wanted == Layout.NCHW else as_nhwc
    if shape is not None and chw != tuple(shape):
        raise invalid_argument(f"images of shape {dims} ({wanted.name}) are not "
                               f"{tuple(shape)} images")
    return chw, wanted


def int32_labels(labels: Any, count: int) -> Any:
    """Labels as a C-contiguous int32 buffer of ``count`` entries ((N,) or (N, 1))."""
    if is_ndarray(labels):
        if labels.dtype.kind not in "iu":
            raise invalid_argument(f"labels must be integers, not {labels.dtype}")
        flat = labels.reshape(-1) if labels.ndim == 2 and labels.shape[1] == 1 else labels
        if flat.ndim != 1 or flat.shape[0] != count:
            raise invalid_argument(f"{count} images need {count} labels of shape (N,) or "
                                   f"(N, 1); got shape {labels.shape}")
        if flat.dtype != np.int32:
            too_big = flat.size and (flat.max() > 2**31 - 1 or flat.min() < -2**31)
            if too_big:
                raise invalid_argument("a label does not fit in int32")
        return np.ascontiguousarray(flat, dtype=np.int32)
    values = list(labels)
    if len(values) != count:
        raise invalid_argument(f"{count} images need {count} labels, got {len(values)}")
    return (ctypes.c_int32 * count)(*values)


def float32_array(values: Any) -> Any:
    """A C-contiguous float32 buffer of ``values`` (numpy array, array('f') or a sequence)."""
    if is_ndarray(values):
        return np.ascontiguousarray(values, dtype=np.float32)
    if isinstance(values, (bytes, bytearray, memoryview)) or hasattr(values, "buffer_info"):
        view = memoryview(values)
        if view.format == "f":
            return values
    items = list(values)
    return (ctypes.c_float * len(items))(*items)


def float32_output(rows: int, cols: int) -> Any:
    """A zeroed rows × cols float32 result buffer: numpy when present, else a ctypes array."""
    if np is not None:
        return np.zeros((rows, cols), dtype=np.float32)
    return (ctypes.c_float * (rows * cols))()


def rows_of(buffer: Any, rows: int, cols: int) -> Any:
    """The result as a numpy (rows, cols) array, or a list of lists without numpy."""
    if is_ndarray(buffer):
        return buffer
    flat: Sequence[float] = list(buffer)
    return [list(flat[r * cols:(r + 1) * cols]) for r in range(rows)]


def uint64_matrix(flat: Any, k: int) -> Any:
    """A k × k uint64 matrix from a flat ctypes array: numpy or a list of lists."""
    if np is not None:
        return np.ctypeslib.as_array(flat).reshape(k, k).copy()
    values: List[int] = list(flat)
    return [values[r * k:(r + 1) * k] for r in range(k)]

"""Calibration metrics of any probabilities (``kcell_calibration_metrics``)."""
from __future__ import annotations

import ctypes
from ctypes import byref
from typing import Any

from . import _arrays
from . import _structs as s
from ._errors import invalid_argument
from ._library import lib
from .records import Calibration, calibration_from_struct


def calibration_metrics(probabilities: Any, labels: Any) -> Calibration:
    """ECE (top-label and classwise, 15 equal-width bins), negative log-likelihood, Brier
    score (sum over classes, mean over rows), the reliability bins and the risk-coverage
    curve of ``probabilities`` (an (N, k) array or N rows of k) against ``labels`` (N
    integers in [0, k)), as the library computes them for evaluations."""
    if _arrays.is_ndarray(probabilities):
        if probabilities.ndim != 2:
            raise invalid_argument(f"probabilities must be (N, k); got {probabilities.shape}")
        count, k = probabilities.shape
        values = _arrays.float32_array(probabilities)
    else:
        rows = [list(r) for r in probabilities]
        count, k = len(rows), len(rows[0]) if rows else 0
        if any(len(r) != k for r in rows):
            raise invalid_argument("every row of probabilities must have k values")
        values = _arrays.float32_array([v for r in rows for v in r])
    label_buffer = _arrays.int32_labels(labels, count)
    c = s.CalibrationC()
    c.struct_size = ctypes.sizeof(c)
    pointer, keep = _arrays.pointer_to(values, ctypes.c_float)
    label_pointer, label_keep = _arrays.pointer_to(label_buffer, ctypes.c_int32)
    lib().kcell_calibration_metrics(pointer, label_pointer, count, k, byref(c))
    del keep, label_keep
    return calibration_from_struct(c, [])

"""Finds libkcell and declares every C function of include/kcell/kcell.h.

The library is searched, in order:

1. the file named by the environment variable ``KCELL_LIBRARY`` (and only that file);
2. ``libkcell.so.0.1`` / ``libkcell.so`` next to this package (copied in by the user);
3. the dynamic loader's own search (``LD_LIBRARY_PATH``, ``/etc/ld.so.cache``, the system
   folders), as ``libkcell.so.0.1`` then ``libkcell.so``; then ``ctypes.util.find_library``.

``0.1`` is the library's ABI version (its SONAME): ``MAJOR.MINOR`` while the major version
is 0, since a 0.x minor may change struct layouts, then ``MAJOR``. A library of another ABI
version is refused.

It is loaded on first use, so ``import kcell`` works without it.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from ctypes import (POINTER, c_char, c_char_p, c_float, c_int, c_size_t, c_uint8, c_uint64,
                    c_void_p)
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Sequence

from . import _structs as s
from ._errors import Status, error_for

# The ABI these bindings mirror: the version of kcell.h's structs and functions. While the
# major version is 0 a minor version may change layouts, so the ABI is MAJOR.MINOR (the
# SONAME libkcell.so.0.MINOR, cmake/KcellAbi.cmake); from 1.0 it is MAJOR. A library of
# another ABI is refused. Not the package's version, which is the library's own
# (kcell.version(), kcell.__version__).
ABI_MAJOR = 0
ABI_MINOR = 1
ABI_VERSION = f"{ABI_MAJOR}.{ABI_MINOR}" if ABI_MAJOR == 0 else f"{ABI_MAJOR}"
ENV_VAR = "KCELL_LIBRARY"


# Opaque handle types: distinct pointer types, so that passing a model where a dataset is
# expected fails in ctypes instead of in C.
class DatasetStruct(ctypes.Structure):
    """Opaque ``kcell_dataset``."""


class ModelStruct(ctypes.Structure):
    """Opaque ``kcell_model``."""


class HistoryStruct(ctypes.Structure):
    """Opaque ``kcell_history``."""


DatasetPtr = POINTER(DatasetStruct)
ModelPtr = POINTER(ModelStruct)
HistoryPtr = POINTER(HistoryStruct)

STATUS = "status"  # restype marker: returns kcell_status, checked after every call


class Prototype(NamedTuple):
    restype: Any
    argtypes: Sequence[Any]
    required: bool = True  # False: added after 0.1; absent from an older library


# Every exported function of kcell.h. A function added to the header is one line here
# (required=False if the bindings must still work with libraries that predate it).
PROTOTYPES: Dict[str, Prototype] = {
    "kcell_version": Prototype(c_char_p, []),
    "kcell_recommended_architecture": Prototype(c_char_p, []),
    "kcell_recommended_architecture_for": Prototype(c_char_p, [c_size_t]),
    "kcell_version_number": Prototype(c_int, []),
    "kcell_status_string": Prototype(c_char_p, [s.c_enum]),
    "kcell_last_error": Prototype(c_char_p, []),
    "kcell_set_num_threads": Prototype(STATUS, [c_int]),
    # Datasets
    "kcell_open_options_init": Prototype(STATUS, [POINTER(s.OpenOptions), c_size_t]),
    "kcell_dataset_open": Prototype(STATUS, [c_char_p, POINTER(s.OpenOptions),
                                             POINTER(DatasetPtr)]),
    "kcell_dataset_create": Prototype(STATUS, [c_int, c_int, c_int, c_int,
                                               POINTER(s.SplitBuffers), POINTER(s.SplitBuffers),
                                               POINTER(s.SplitBuffers), POINTER(DatasetPtr)]),
    "kcell_dataset_free": Prototype(None, [DatasetPtr]),
    "kcell_dataset_count": Prototype(STATUS, [DatasetPtr, s.c_enum, POINTER(c_size_t)]),
    "kcell_dataset_shape": Prototype(STATUS, [DatasetPtr, POINTER(c_int), POINTER(c_int),
                                              POINTER(c_int)]),
    "kcell_dataset_num_classes": Prototype(STATUS, [DatasetPtr, POINTER(c_int)]),
    "kcell_dataset_class_histogram": Prototype(STATUS, [DatasetPtr, s.c_enum,
                                                        POINTER(c_size_t), c_size_t]),
    "kcell_dataset_image": Prototype(STATUS, [DatasetPtr, s.c_enum, c_size_t, c_void_p,
                                              c_size_t, POINTER(ctypes.c_int32)]),
    "kcell_dataset_class_name": Prototype(STATUS, [DatasetPtr, c_int, POINTER(c_char), c_size_t,
                                                   POINTER(c_size_t)]),
    "kcell_dataset_save_npz": Prototype(STATUS, [DatasetPtr, c_char_p]),
    "kcell_dataset_task": Prototype(STATUS, [DatasetPtr, POINTER(ctypes.c_int32)]),
    "kcell_dataset_labels": Prototype(STATUS, [DatasetPtr, s.c_enum, c_size_t,
                                               POINTER(ctypes.c_int32), c_size_t]),
    # Models
    "kcell_model_create": Prototype(STATUS, [c_char_p, c_int, c_int, c_int, c_int, c_uint64,
                                             POINTER(ModelPtr)]),
    "kcell_model_free": Prototype(None, [ModelPtr]),
    "kcell_model_num_params": Prototype(STATUS, [ModelPtr, POINTER(c_size_t)]),
    # Training
    "kcell_train_params_init": Prototype(STATUS, [POINTER(s.TrainParamsC), c_size_t]),
    "kcell_augmentation_init": Prototype(STATUS, [POINTER(s.Augmentation), c_size_t]),
    "kcell_history_create": Prototype(STATUS, [POINTER(HistoryPtr)]),
    "kcell_history_free": Prototype(None, [HistoryPtr]),
    "kcell_history_count": Prototype(STATUS, [HistoryPtr, POINTER(c_size_t)]),
    "kcell_history_epoch": Prototype(STATUS, [HistoryPtr, c_size_t, POINTER(s.EpochStatsC)]),
    "kcell_history_best_epoch": Prototype(STATUS, [HistoryPtr, POINTER(c_int)]),
    "kcell_train": Prototype(STATUS, [ModelPtr, DatasetPtr, DatasetPtr,
                                      POINTER(s.TrainParamsC), HistoryPtr]),
    "kcell_model_training_memory": Prototype(STATUS, [ModelPtr, c_int, POINTER(c_uint64),
                                                      POINTER(c_uint64), POINTER(c_uint64)]),
    # Evaluation
    "kcell_evaluate": Prototype(STATUS, [ModelPtr, DatasetPtr, s.c_enum, POINTER(s.MetricsC)]),
    "kcell_evaluate_details": Prototype(STATUS, [ModelPtr, DatasetPtr, s.c_enum,
                                                 POINTER(s.MetricsC), POINTER(s.ClassMetricsC),
                                                 c_size_t, POINTER(c_uint64), c_size_t]),
    # Model files
    "kcell_model_save": Prototype(STATUS, [ModelPtr, c_char_p]),
    "kcell_model_export_onnx": Prototype(STATUS, [ModelPtr, c_char_p]),
    "kcell_model_save_to_memory": Prototype(STATUS, [ModelPtr, POINTER(c_void_p),
                                                     POINTER(c_size_t)]),
    "kcell_model_load": Prototype(STATUS, [c_char_p, POINTER(ModelPtr)]),
    "kcell_model_load_from_memory": Prototype(STATUS, [c_void_p, c_size_t, POINTER(ModelPtr)]),
    "kcell_free": Prototype(None, [c_void_p]),
    "kcell_model_ensemble_create": Prototype(STATUS, [POINTER(ModelPtr), c_size_t,
                                                      POINTER(ModelPtr)]),
    "kcell_model_member_count": Prototype(STATUS, [ModelPtr, POINTER(c_size_t)]),
    # Output files
    "kcell_write_file": Prototype(STATUS, [c_char_p, c_void_p, c_size_t]),
    "kcell_check_output": Prototype(STATUS, [c_char_p, POINTER(c_char_p), c_size_t]),
    "kcell_model_get_info": Prototype(STATUS, [ModelPtr, POINTER(s.ModelInfoC)]),
    "kcell_model_architecture": Prototype(STATUS, [ModelPtr, POINTER(c_char), c_size_t,
                                                   POINTER(c_size_t)]),
    "kcell_model_summary": Prototype(STATUS, [ModelPtr, POINTER(c_char), c_size_t,
                                              POINTER(c_size_t)]),
    "kcell_model_normalization": Prototype(STATUS, [ModelPtr, POINTER(c_float),
                                                    POINTER(c_float), c_size_t]),
    "kcell_model_set_class_names": Prototype(STATUS, [ModelPtr, POINTER(c_char_p), c_size_t]),
    "kcell_model_class_name": Prototype(STATUS, [ModelPtr, c_int, POINTER(c_char), c_size_t,
                                                 POINTER(c_size_t)]),
    "kcell_model_decision_rule": Prototype(STATUS, [ModelPtr, POINTER(ctypes.c_int32)]),
    "kcell_model_decision_bias": Prototype(STATUS, [ModelPtr, POINTER(c_float), c_size_t,
                                                    POINTER(c_size_t)]),
    "kcell_model_set_decision_bias": Prototype(STATUS, [ModelPtr, POINTER(c_float), c_size_t]),
    "kcell_model_tta": Prototype(STATUS, [ModelPtr, POINTER(ctypes.c_int32)]),
    "kcell_model_set_tta": Prototype(STATUS, [ModelPtr, ctypes.c_int32]),
    "kcell_model_task": Prototype(STATUS, [ModelPtr, POINTER(ctypes.c_int32)]),
    "kcell_model_set_task": Prototype(STATUS, [ModelPtr, ctypes.c_int32]),
    # Prediction
    "kcell_predict": Prototype(STATUS, [ModelPtr, POINTER(c_uint8), c_size_t, s.c_enum,
                                        POINTER(c_float), c_size_t]),
    "kcell_predict_normalized": Prototype(STATUS, [ModelPtr, POINTER(c_float), c_size_t,
                                                   POINTER(c_float), c_size_t]),
    "kcell_model_set_inference_precision": Prototype(STATUS, [ModelPtr, s.c_enum],
                                                     required=False),
    "kcell_model_calibrate_int8": Prototype(STATUS, [ModelPtr, DatasetPtr, s.c_enum, c_size_t],
                                            required=False),
    # Calibration and uncertainty
    "kcell_calibration_metrics": Prototype(STATUS, [POINTER(c_float), POINTER(ctypes.c_int32),
                                                    c_size_t, c_int, POINTER(s.CalibrationC)],
                                           required=False),
    "kcell_evaluate_calibration": Prototype(STATUS, [ModelPtr, DatasetPtr, s.c_enum,
                                                     POINTER(s.CalibrationC),
                                                     POINTER(ctypes.c_double), c_size_t],
                                            required=False),
    "kcell_evaluate_full": Prototype(STATUS, [ModelPtr, DatasetPtr, s.c_enum, POINTER(s.MetricsC),
                                              POINTER(s.ClassMetricsC), c_size_t,
                                              POINTER(c_uint64), c_size_t, POINTER(s.CalibrationC),
                                              POINTER(ctypes.c_double), c_size_t],
                                     required=False),
    "kcell_model_calibrate": Prototype(STATUS, [ModelPtr, DatasetPtr, s.c_enum, ctypes.c_double,
                                                POINTER(s.CalibrationFitC)], required=False),
    "kcell_model_temperature": Prototype(STATUS, [ModelPtr, POINTER(ctypes.c_double)],
                                         required=False),
    "kcell_model_set_temperature": Prototype(STATUS, [ModelPtr, ctypes.c_double],
                                             required=False),
    "kcell_model_conformal": Prototype(STATUS, [ModelPtr, POINTER(ctypes.c_double),
                                                POINTER(ctypes.c_double)], required=False),
    "kcell_prediction_sets": Prototype(STATUS, [ModelPtr, POINTER(c_float), c_size_t,
                                                POINTER(c_uint8), c_size_t], required=False),
    # Saliency
    "kcell_explain_options_init": Prototype(STATUS, [POINTER(s.ExplainOptionsC), c_size_t],
                                            required=False),
    "kcell_explain": Prototype(STATUS, [ModelPtr, POINTER(c_uint8), c_size_t, s.c_enum,
                                        ctypes.c_int32, POINTER(s.ExplainOptionsC),
                                        POINTER(c_float), c_size_t, POINTER(ctypes.c_int32)],
                               required=False),
}


class LibraryNotFoundError(OSError):
    """libkcell could not be found or loaded, or its ABI version differs."""


def _platform_names() -> List[str]:
    if sys.platform == "darwin":
        return [f"libkcell.{ABI_VERSION}.dylib", "libkcell.dylib"]
    if sys.platform.startswith("win"):
        return ["kcell.dll"]
    return [f"libkcell.so.{ABI_VERSION}", "libkcell.so"]


def candidates() -> Iterator[str]:
    """Where the library is looked for, in order (see the module docstring)."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        yield explicit
        return
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _platform_names():
        path = os.path.join(here, name)
        if os.path.exists(path):
            yield path
    yield from _platform_names()
    found = ctypes.util.find_library("kcell")
    if found:
        yield found


_INTEGER_TYPES = (ctypes.c_int8, ctypes.c_int16, ctypes.c_int32, ctypes.c_int64,
                  ctypes.c_uint8, ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64,
                  ctypes.c_int, ctypes.c_uint, ctypes.c_long, ctypes.c_ulong,
                  ctypes.c_size_t, ctypes.c_ssize_t)


def integer_range(ctype: Any) -> Optional[range]:
    """The values a C integer type holds, or None for a type that is no integer."""
    if ctype not in _INTEGER_TYPES:
        return None
    bits = 8 * ctypes.sizeof(ctype)
    signed = ctype(-1).value == -1
    return range(-(1 << (bits - 1)), 1 << (bits - 1)) if signed else range(0, 1 << bits)


def check_argument(value: Any, ctype: Any, what: str) -> None:
    """Refuses what ctypes would silently change: an integer outside the C type's range
    (ctypes keeps the low bits: 2**32 + 1 becomes 1) and a NUL inside a C string (C would
    read only up to it)."""
    if ctype is c_char_p:
        if isinstance(value, (bytes, bytearray)) and b"\0" in value:
            raise error_for(Status.INVALID_ARGUMENT, f"{what} contains a NUL character")
        return
    valid = integer_range(ctype)
    if valid is None or isinstance(value, bool) or not isinstance(value, int):
        return
    # Bounds, not `in`: range's fast membership test is for exact ints only; an IntEnum
    # (Layout, Split) would make it count through the whole C range.
    if not valid.start <= value < valid.stop:
        raise error_for(Status.INVALID_ARGUMENT,
                        f"{what} is {value}, outside [{valid.start}, {valid.stop - 1}] "
                        f"(the range of the C type {ctype.__name__})")


def _checked(fn: Any, name: str, argtypes: Sequence[Any]) -> Callable[..., Any]:
    """fn with check_argument applied to its integer and string arguments."""
    checks = [(i, t) for i, t in enumerate(argtypes)
              if t is c_char_p or integer_range(t) is not None]
    if not checks:
        return fn

    def call(*args: Any) -> Any:
        for i, ctype in checks:
            if i < len(args):
                check_argument(args[i], ctype, f"{name}: argument {i + 1}")
        return fn(*args)

    call.__name__ = name
    return call


class _Missing:
    """Stands in for a function an older library lacks; calling it raises UNSUPPORTED."""

    def __init__(self, name: str, path: str) -> None:
        self.name, self.path = name, path

    def __call__(self, *args: Any) -> Any:
        raise error_for(Status.UNSUPPORTED,
                        f"{self.path} has no {self.name}: the library is older than these "
                        f"bindings", self.name)


class Library:
    """The loaded libkcell: one attribute per C function of :data:`PROTOTYPES`.

    Functions returning ``kcell_status`` raise :class:`kcell.KcellError` (the subclass for
    the status) with ``kcell_last_error()`` when they fail.
    """

    def __init__(self, cdll: ctypes.CDLL, path: str) -> None:
        self.cdll = cdll
        self.path = path
        last_error = cdll.kcell_last_error
        last_error.restype, last_error.argtypes = c_char_p, []

        def check(result: int, func: Any, _args: Any) -> int:
            # Runs on the calling thread right after the call: the thread-local message is
            # still the one of this failure.
            if result != Status.OK:
                message = (last_error() or b"").decode("utf-8", "replace")
                raise error_for(result, message, func.__name__)
            return result

        for name, proto in PROTOTYPES.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                if proto.required:
                    raise LibraryNotFoundError(f"{path} lacks {name}; is it libkcell?") from None
                setattr(self, name, _Missing(name, path))
                continue
            fn.argtypes = list(proto.argtypes)
            if proto.restype == STATUS:
                fn.restype = c_int
                fn.errcheck = check
            else:
                fn.restype = proto.restype
            setattr(self, name, _checked(fn, name, proto.argtypes))

    def __getattr__(self, name: str) -> Callable[..., Any]:  # for type checkers only
        raise AttributeError(name)


_lock = threading.Lock()
_loaded: Optional[Library] = None


def _load() -> Library:
    errors = []
    for path in candidates():
        try:
            cdll = ctypes.CDLL(path)
        except OSError as e:
            errors.append(f"  {path}: {e}")
            continue
        if not hasattr(cdll, "kcell_version_number"):
            errors.append(f"  {path}: not libkcell (no kcell_version_number)")
            continue
        cdll.kcell_version_number.restype = c_int
        number = cdll.kcell_version_number()
        major, minor = number // 10000, number // 100 % 100
        abi = f"{major}.{minor}" if major == 0 else f"{major}"
        if abi != ABI_VERSION:
            raise LibraryNotFoundError(
                f"{path} is kcell {major}.{minor}; these bindings need {ABI_VERSION}.x")
        return Library(cdll, getattr(cdll, "_name", path))
    tried = "\n".join(errors) or "  (nothing)"
    raise LibraryNotFoundError(
        f"libkcell not found. Set {ENV_VAR} to the path of libkcell.so (built with "
        f"-DKCELL_BUILD_SHARED=ON), put it next to the kcell package, or install it where "
        f"the dynamic loader looks (e.g. cmake --install; ldconfig). Tried:\n{tried}")


def lib() -> Library:
    """The loaded library, loading it on the first call."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded

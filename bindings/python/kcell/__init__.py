"""kcell: train and run CNN classifiers for small biomedical images on CPUs.

Python bindings over the C ABI of libkcell (include/kcell/kcell.h), through ctypes from
the standard library; numpy is used when installed. The library is found through the
environment variable ``KCELL_LIBRARY``, next to this package, or on the system's library
path (see ``kcell._library``).

    import kcell
    data = kcell.Dataset.open("tissuemnist.npz")
    with kcell.Model.create("reference", data.shape, data.num_classes) as model:
        history = model.train(data, data, epochs=3, augmentation={"hflip": 0.5})
        print(model.evaluate(data, "test"))
        probabilities = model.predict(images)        # numpy uint8 (N, H, W) or (N, C, H, W)
        model.save("tissue.kcell")
"""
from __future__ import annotations

from typing import Optional, Union

from ._arrays import Layout
from ._errors import (BufferTooSmallError, BusyError, CancelledError, CommunicationError,
                      FormatError, InternalError,
                      InvalidArgumentError, KcellError, KcellIOError, KcellMemoryError,
                      LimitError, NotFiniteError, SpecError, Status, UnsupportedError)
from ._library import ABI_MAJOR, LibraryNotFoundError, lib
from ._structs import Augmentation
from .calibration import calibration_metrics
from .dataset import Dataset, Split, Task
from .files import check_output, write_file
from .model import Model
from .records import (Calibration, CalibrationFit, ClassMetrics, EpochStats, EvaluationDetails,
                      Metrics, ModelInfo, Progress, ReliabilityBin, RiskCoveragePoint)
from .training import History, Monitor, Optimizer, Precision, Schedule, TrainParams, Tta



def __getattr__(name: str) -> str:
    # kcell.__version__ is the loaded library's version, read when first asked for (so that
    # importing kcell does not need the library yet): one version number, set in CMake.
    if name == "__version__":
        return version()
    raise AttributeError(f"module 'kcell' has no attribute {name!r}")


__all__ = [
    "Augmentation", "BufferTooSmallError", "BusyError", "Calibration", "CalibrationFit",
    "CancelledError", "ClassMetrics", "CommunicationError", "Dataset",
    "EpochStats", "EvaluationDetails", "FormatError", "History", "InternalError",
    "InvalidArgumentError", "KcellError", "KcellIOError", "KcellMemoryError", "Layout",
    "LibraryNotFoundError", "LimitError", "Metrics", "Model", "ModelInfo", "Monitor",
    "NotFiniteError", "Optimizer", "Precision", "Progress", "ReliabilityBin", "RiskCoveragePoint",
    "Schedule", "SpecError", "Split",
    "Status", "Task", "TrainParams", "Tta", "UnsupportedError", "calibration_metrics", "check_output", "library_path", "recommended_architecture",
    "set_num_threads", "status_string", "version", "version_number", "write_file",
]


def version() -> str:
    """The linked library's version, "MAJOR.MINOR.PATCH" (``kcell_version``)."""
    return lib().kcell_version().decode("ascii")


def recommended_architecture(training_images: Optional[int] = None) -> str:
    """The recommended network's preset name, the kcell program's default: pass it to
    :meth:`Model.create`. With ``training_images`` (the training split's size) the one for
    a set that large (``kcell_recommended_architecture_for``: ``resnet10`` from 20,000
    images), otherwise the one for small and mid-size sets
    (``kcell_recommended_architecture``: ``resnet8``, or ``resnet8-slim`` on CPUs that train
    at a quarter of the AVX-512 BF16 rate or less, such as AVX2 ones)."""
    if training_images is None:
        return lib().kcell_recommended_architecture().decode("ascii")
    if isinstance(training_images, bool) or not isinstance(training_images, int) or training_images < 0:
        raise ValueError("training_images must be a non-negative int, got %r" % (training_images,))
    return lib().kcell_recommended_architecture_for(training_images).decode("ascii")


def version_number() -> int:
    """The linked library's version as major * 10000 + minor * 100 + patch."""
    return int(lib().kcell_version_number())


def status_string(status: Union[Status, int]) -> str:
    """The library's short static description of a status (``kcell_status_string``)."""
    return lib().kcell_status_string(int(status)).decode("utf-8")


def set_num_threads(threads: int) -> None:
    """Compute threads for kcell calls made from the calling thread; 0 restores the default
    (all cores) (``kcell_set_num_threads``)."""
    lib().kcell_set_num_threads(threads)


def library_path() -> str:
    """The path of the loaded libkcell."""
    return lib().path


def _last_error() -> str:
    """``kcell_last_error()`` of the calling thread (tests use it)."""
    return lib().kcell_last_error().decode("utf-8", "replace")


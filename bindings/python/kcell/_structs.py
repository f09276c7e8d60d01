"""ctypes mirrors of the structs in include/kcell/kcell.h, field for field.

Each ``_fields_`` list must match the header exactly: same order, same C types. The test
``test_struct_layout.py`` compares every size and offset with a C program compiled against
the header, so a mirror that drifts fails the tests. When the header appends a field to a
growing struct (``kcell_train_params``, ``kcell_metrics``, ...), append one line here.
"""
from __future__ import annotations

import ctypes
from ctypes import (POINTER, c_char_p, c_double, c_float, c_int, c_int32, c_int64, c_size_t,
                    c_uint64, c_void_p)
from typing import Any, Dict

# C enums are int-sized on every ABI kcell supports (the library static_asserts it); they
# appear only as function parameters. Struct fields that hold an enum's value are int32_t.
c_enum = c_int


class _Mirror(ctypes.Structure):
    """A struct mirror that prints and converts to a dict by field name."""

    _c_name_ = ""  # the C typedef this class mirrors

    def to_dict(self) -> Dict[str, Any]:
        """The fields by name; nested structs become dicts too."""
        out: Dict[str, Any] = {}
        for name, *_ in self._fields_:
            value = getattr(self, name)
            out[name] = value.to_dict() if isinstance(value, _Mirror) else value
        return out

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        return f"{type(self).__name__}({fields})"


class OpenOptions(_Mirror):
    _c_name_ = "kcell_open_options"
    _fields_ = [
        ("struct_size", c_size_t),
        ("num_classes", c_int32),
        ("val_fraction", c_double),
        ("max_bytes", c_uint64),
        ("max_files", c_uint64),
    ]


class SplitBuffers(_Mirror):
    _c_name_ = "kcell_split_buffers"
    _fields_ = [
        ("images", c_void_p),
        ("labels", c_void_p),
        ("count", c_size_t),
    ]


class Augmentation(_Mirror):
    """Mirror of ``kcell_augmentation``: training augmentation, all off by default.

    A fresh ``Augmentation()`` is all zero; the library's defaults (``struct_size`` set,
    ``erase_max_area`` 0.25) are what :class:`kcell.TrainParams` starts from. The struct
    reaches the library by pointer (``kcell_train_params.augmentation``), so it can grow.
    """

    _c_name_ = "kcell_augmentation"
    _fields_ = [
        ("struct_size", c_size_t),
        ("hflip", c_double),
        ("vflip", c_double),
        ("rot90", c_double),
        ("rotate", c_double),
        ("rotate_degrees", c_double),
        ("shift", c_int32),
        ("brightness", c_double),
        ("contrast", c_double),
        ("erase", c_double),
        ("erase_max_area", c_double),
    ]


class ProgressC(_Mirror):
    _c_name_ = "kcell_progress"
    _fields_ = [
        ("epoch", c_int),
        ("epochs", c_int),
        ("batch", c_size_t),
        ("batches", c_size_t),
        ("loss", c_double),
        ("accuracy", c_double),
        ("seconds", c_double),
        ("phase", c_int),
        ("val_loss", c_double),
        ("val_accuracy", c_double),
    ]


ProgressFn = ctypes.CFUNCTYPE(c_int, POINTER(ProgressC), c_void_p)


class CommunicatorC(_Mirror):
    """kcell_communicator: the ranks of a data-parallel run (docs/scaling.md). The bindings
    only mirror it; a Python caller may fill it with ctypes callbacks of its transport."""
    _c_name_ = "kcell_communicator"
    _fields_ = [
        ("struct_size", c_size_t),
        ("user_data", c_void_p),
        ("rank", ctypes.CFUNCTYPE(c_int, c_void_p)),
        ("size", ctypes.CFUNCTYPE(c_int, c_void_p)),
        ("allreduce_sum", ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(c_float), c_size_t)),
        ("broadcast", ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t, c_int)),
        ("abort", ctypes.CFUNCTYPE(None, c_void_p, c_char_p)),
        ("allreduce_sum_start", ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(c_float), c_size_t,
                                                 POINTER(c_void_p))),
        ("allreduce_wait", ctypes.CFUNCTYPE(c_int, c_void_p, c_void_p)),
        ("progress", ctypes.CFUNCTYPE(c_int, c_void_p)),
    ]


class TrainParamsC(_Mirror):
    _c_name_ = "kcell_train_params"
    _fields_ = [
        ("struct_size", c_size_t),
        ("epochs", c_int),
        ("batch_size", c_int),
        ("optimizer", c_int32),
        ("learning_rate", c_double),
        ("momentum", c_double),
        ("nesterov", c_int),
        ("beta1", c_double),
        ("beta2", c_double),
        ("epsilon", c_double),
        ("weight_decay", c_double),
        ("decay_bias_and_norm", c_int),
        ("schedule", c_int32),
        ("warmup_epochs", c_double),
        ("class_weights", POINTER(c_float)),
        ("label_smoothing", c_double),
        ("seed", c_uint64),
        ("num_threads", c_int),
        ("progress", ProgressFn),
        ("progress_user_data", c_void_p),
        ("monitor", c_int32),
        ("patience", c_int),
        ("min_delta", c_double),
        ("auto_class_weights", c_int),
        ("balanced_sampler", c_int),
        ("augmentation", POINTER(Augmentation)),
        ("checkpoint_path", c_char_p),
        ("resume", c_int),
        ("precision", c_int32),
        ("validate_every", c_int),
        ("fit_decision_bias", c_int),
        ("ema_decay", c_double),
        ("mixup_alpha", c_double),
        ("cutmix_alpha", c_double),
        ("pos_weights", POINTER(c_float)),
        ("auto_pos_weights", c_int),
        ("communicator", POINTER(CommunicatorC)),
        ("sync_batch_norm", c_int),
    ]


class EpochStatsC(_Mirror):
    _c_name_ = "kcell_epoch_stats"
    _fields_ = [
        ("struct_size", c_size_t),
        ("epoch", c_int),
        ("train_loss", c_double),
        ("train_accuracy", c_double),
        ("val_loss", c_double),
        ("val_accuracy", c_double),
        ("learning_rate", c_double),
        ("seconds", c_double),
        ("val_balanced_accuracy", c_double),
        ("val_auc", c_double),
        ("train_val_gap", c_double),
    ]


class MetricsC(_Mirror):
    _c_name_ = "kcell_metrics"
    _fields_ = [
        ("struct_size", c_size_t),
        ("count", c_size_t),
        ("loss", c_double),
        ("accuracy", c_double),
        ("balanced_accuracy", c_double),
        ("auc", c_double),
        ("argmax_accuracy", c_double),
        ("argmax_balanced_accuracy", c_double),
        ("ece", c_double),
        ("classwise_ece", c_double),
        ("nll", c_double),
        ("brier", c_double),
    ]


CALIBRATION_BINS = 15  # KCELL_CALIBRATION_BINS
RISK_COVERAGE_POINTS = 20  # KCELL_RISK_COVERAGE_POINTS


class ReliabilityBinC(_Mirror):
    _c_name_ = "kcell_reliability_bin"
    _fields_ = [
        ("count", c_int64),
        ("confidence", c_double),
        ("accuracy", c_double),
    ]


class RiskCoveragePointC(_Mirror):
    _c_name_ = "kcell_risk_coverage_point"
    _fields_ = [
        ("coverage", c_double),
        ("accuracy", c_double),
        ("threshold", c_double),
    ]


class CalibrationC(_Mirror):
    _c_name_ = "kcell_calibration"
    _fields_ = [
        ("struct_size", c_size_t),
        ("count", c_size_t),
        ("ece", c_double),
        ("classwise_ece", c_double),
        ("nll", c_double),
        ("brier", c_double),
        ("aurc", c_double),
        ("bins", ReliabilityBinC * CALIBRATION_BINS),
        ("risk_coverage", RiskCoveragePointC * RISK_COVERAGE_POINTS),
        ("temperature", c_double),
        ("conformal_alpha", c_double),
        ("conformal_coverage", c_double),
        ("conformal_mean_set_size", c_double),
        ("conformal_empty_sets", c_int64),
    ]


class CalibrationFitC(_Mirror):
    _c_name_ = "kcell_calibration_fit"
    _fields_ = [
        ("struct_size", c_size_t),
        ("count", c_size_t),
        ("temperature_before", c_double),
        ("temperature", c_double),
        ("nll_before", c_double),
        ("nll", c_double),
        ("ece_before", c_double),
        ("ece", c_double),
        ("bias_refitted", c_int),
        ("conformal_quantile", c_double),
    ]


class ClassMetricsC(_Mirror):
    _c_name_ = "kcell_class_metrics"
    _fields_ = [
        ("support", c_int64),
        ("predicted", c_int64),
        ("precision", c_double),
        ("recall", c_double),
        ("f1", c_double),
        ("auc", c_double),
    ]


class ModelInfoC(_Mirror):
    _c_name_ = "kcell_model_info"
    _fields_ = [
        ("struct_size", c_size_t),
        ("channels", c_int),
        ("height", c_int),
        ("width", c_int),
        ("num_classes", c_int),
        ("num_params", c_size_t),
        ("epochs_trained", c_int),
        ("best_epoch", c_int),
        ("val_loss", c_double),
        ("val_accuracy", c_double),
        ("task", c_int32),
    ]


class ExplainOptionsC(_Mirror):
    _c_name_ = "kcell_explain_options"
    _fields_ = [
        ("struct_size", c_size_t),
        ("method", ctypes.c_int32),
        ("layer", ctypes.c_int32),
    ]


# Every mirror, for the layout test.
ALL_MIRRORS = (OpenOptions, SplitBuffers, Augmentation, ProgressC, CommunicatorC, TrainParamsC,
               EpochStatsC,
               MetricsC, ClassMetricsC, ModelInfoC, ReliabilityBinC, RiskCoveragePointC,
               CalibrationC, CalibrationFitC, ExplainOptionsC)


def field_names(struct: type) -> list:
    """The field names of a mirror, in declaration order."""
    return [f[0] for f in struct._fields_]

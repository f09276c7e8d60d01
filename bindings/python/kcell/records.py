"""Plain result records (dataclasses) copied out of the C structs.

Each record has the fields of its C struct, less ``struct_size``; ``test_struct_layout.py``
checks that they stay in step with the mirrors in ``_structs.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Dict, List, Optional, Type, TypeVar

from . import _structs as s

R = TypeVar("R")


@dataclass(frozen=True)
class Progress:
    """What the progress callback is told after every batch (``kcell_progress``)."""

    epoch: int          #: 0-based epoch.
    epochs: int         #: Total epochs planned.
    batch: int          #: Batches done in this epoch (1-based).
    batches: int        #: Batches per epoch.
    loss: float         #: Mean training loss over this epoch so far.
    accuracy: float     #: Training accuracy over this epoch so far.
    seconds: float      #: Seconds since the epoch started.
    phase: int          #: 0 while training, 1 after the epoch's validation.
    val_loss: float     #: Phase 1: validation loss; NaN without validation.
    val_accuracy: float  #: Phase 1: validation accuracy; NaN without validation.


@dataclass(frozen=True)
class EpochStats:
    """Statistics of one training epoch (``kcell_epoch_stats``)."""

    epoch: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    learning_rate: float
    seconds: float
    val_balanced_accuracy: float
    val_auc: float
    train_val_gap: float


@dataclass(frozen=True)
class Metrics:
    """Summary metrics of a model on one split (``kcell_metrics``)."""

    count: int                #: Images evaluated.
    loss: float               #: Mean softmax cross-entropy.
    accuracy: float           #: Fraction classified correctly.
    balanced_accuracy: float  #: Mean recall over the classes present.
    auc: float                #: Macro one-vs-rest ROC AUC (as MedMNIST); NaN if undefined.
    argmax_accuracy: float    #: ``accuracy`` by plain argmax, without the decision bias.
    argmax_balanced_accuracy: float  #: ``balanced_accuracy`` by plain argmax.
    ece: float            #: Top-label expected calibration error, 15 equal-width bins.
    classwise_ece: float  #: Mean over classes of each class probability's binned error.
    nll: float            #: Mean negative log-likelihood of the probabilities.
    brier: float          #: Mean over images of sum over classes (p - one-hot)², in [0, 2].


@dataclass(frozen=True)
class ClassMetrics:
    """Metrics of one class (``kcell_class_metrics``)."""

    support: int      #: Images whose label is this class.
    predicted: int    #: Images predicted as this class.
    precision: float
    recall: float
    f1: float
    auc: float        #: One-vs-rest ROC AUC; NaN when undefined.


@dataclass(frozen=True)
class EvaluationDetails:
    """Everything ``kcell_evaluate_details`` gives, and with ``calibration=True`` what
    ``kcell_evaluate_calibration`` gives, from one pass (``kcell_evaluate_full``)."""

    metrics: Metrics
    per_class: List[ClassMetrics]
    #: k × k counts, [true][predicted]: a uint64 numpy array, or lists without numpy;
    #: None for a multi-label model (per_class then has one record per label).
    confusion: Any
    #: The calibration record when asked for (None otherwise, and for a multi-label model).
    calibration: Optional["Calibration"] = None


@dataclass(frozen=True)
class ModelInfo:
    """What a model is (``kcell_model_info``)."""

    channels: int
    height: int
    width: int
    num_classes: int
    num_params: int
    epochs_trained: int  #: Over all training runs.
    best_epoch: int      #: 0-based epoch whose weights the model holds; -1 if unknown.
    val_loss: float      #: After the last epoch; NaN if unknown.
    val_accuracy: float  #: After the last epoch; NaN if unknown.
    task: int = 0        #: 0 multi-class (softmax), 1 multi-label (sigmoids): ``kcell.Task``.


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of the reliability diagram (``kcell_reliability_bin``)."""

    count: int         #: Images whose confidence lies in the bin.
    confidence: float  #: Their mean top-label probability (0 when empty).
    accuracy: float    #: The share of them classified correctly (0 when empty).


@dataclass(frozen=True)
class RiskCoveragePoint:
    """Answering only the most confident images (``kcell_risk_coverage_point``)."""

    coverage: float   #: Share of images answered.
    accuracy: float   #: Accuracy on them.
    threshold: float  #: The smallest top-label probability answered.


@dataclass(frozen=True)
class Calibration:
    """Calibration of probabilities on labelled images (``kcell_calibration``), with the
    per-class conformal coverage of ``kcell_evaluate_calibration``."""

    count: int
    ece: float
    classwise_ece: float
    nll: float
    brier: float
    aurc: float  #: Area under the risk-coverage curve (mean error of the m most confident).
    bins: List[ReliabilityBin]  #: 15 equal-width confidence bins.
    risk_coverage: List[RiskCoveragePoint]  #: Coverage 1/20, 2/20, ..., 1.
    temperature: float
    conformal_alpha: float  #: NaN without conformal sets (then the fields below are NaN/0).
    conformal_coverage: float
    conformal_mean_set_size: float
    conformal_empty_sets: int
    class_coverage: List[float]  #: Per true class; empty from calibration_metrics().


@dataclass(frozen=True)
class CalibrationFit:
    """What ``Model.calibrate`` fitted, measured on its split (``kcell_calibration_fit``)."""

    count: int
    temperature_before: float
    temperature: float
    nll_before: float
    nll: float
    ece_before: float
    ece: float
    bias_refitted: int        #: 1 when the decision bias was refitted with the temperature.
    conformal_quantile: float  #: The LAC quantile; inf: every class; NaN without alpha.


def calibration_from_struct(c: Any, class_coverage: List[float]) -> Calibration:
    """A :class:`Calibration` from a ``kcell_calibration`` mirror."""
    return Calibration(
        count=c.count, ece=c.ece, classwise_ece=c.classwise_ece, nll=c.nll, brier=c.brier,
        aurc=c.aurc,
        bins=[ReliabilityBin(b.count, b.confidence, b.accuracy) for b in c.bins],
        risk_coverage=[RiskCoveragePoint(p.coverage, p.accuracy, p.threshold)
                       for p in c.risk_coverage],
        temperature=c.temperature, conformal_alpha=c.conformal_alpha,
        conformal_coverage=c.conformal_coverage,
        conformal_mean_set_size=c.conformal_mean_set_size,
        conformal_empty_sets=c.conformal_empty_sets, class_coverage=list(class_coverage))


# Which C struct mirror fills which record.
RECORD_MIRRORS: Dict[type, type] = {
    Progress: s.ProgressC,
    EpochStats: s.EpochStatsC,
    Metrics: s.MetricsC,
    ClassMetrics: s.ClassMetricsC,
    ModelInfo: s.ModelInfoC,
    ReliabilityBin: s.ReliabilityBinC,
    RiskCoveragePoint: s.RiskCoveragePointC,
    CalibrationFit: s.CalibrationFitC,
}


def from_struct(record: Type[R], struct: Any) -> R:
    """Copies the fields of ``record`` out of a C struct mirror."""
    return record(**{f.name: getattr(struct, f.name) for f in fields(record)})  # type: ignore

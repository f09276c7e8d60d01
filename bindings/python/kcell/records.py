"""Plain result records (dataclasses) copied out of the C structs.

Each record has the fields of its C struct, less ``struct_size``; ``test_struct_layout.py``
checks that they stay in step with the mirrors in ``_structs.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Dict, List, Type, TypeVar

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
    """Everything ``kcell_evaluate_details`` gives."""

    metrics: Metrics
    per_class: List[ClassMetrics]
    #: k × k counts, [true][predicted]: a uint64 numpy array, or lists without numpy.
    confusion: Any


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


# Which C struct mirror fills which record.
RECORD_MIRRORS: Dict[type, type] = {
    Progress: s.ProgressC,
    EpochStats: s.EpochStatsC,
    Metrics: s.MetricsC,
    ClassMetrics: s.ClassMetricsC,
    ModelInfo: s.ModelInfoC,
}


def from_struct(record: Type[R], struct: Any) -> R:
    """Copies the fields of ``record`` out of a C struct mirror."""
    return record(**{f.name: getattr(struct, f.name) for f in fields(record)})  # type: ignore

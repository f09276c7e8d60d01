"""Training settings, the progress callback bridge and the per-epoch history."""
from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import difflib
import enum
import math
import os
import signal
import sys
import threading
from ctypes import byref, c_char_p, c_int, c_size_t
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional

from . import _arrays
from . import _structs as s
from ._errors import CancelledError, Status, error_for, invalid_argument
from ._handle import Handle
from ._library import HistoryPtr, check_argument, lib
from .records import EpochStats, Progress, from_struct


class Optimizer(enum.IntEnum):
    """Mirror of ``kcell_optimizer``."""

    SGD = 0
    ADAM = 1
    ADAMW = 2


class Schedule(enum.IntEnum):
    """Mirror of ``kcell_schedule``."""

    CONSTANT = 0
    MULTISTEP = 1
    COSINE = 2


class Precision(enum.IntEnum):
    """Mirror of ``kcell_precision``."""

    FP32 = 0
    BF16 = 1
    INT8 = 2
    AUTO = 3


class Tta(enum.IntEnum):
    """Mirror of ``kcell_tta`` (``Model.tta``)."""

    NONE = 0
    FLIPS = 1
    FLIPS4 = 2
    DIHEDRAL = 3


class Monitor(enum.IntEnum):
    """Mirror of ``kcell_monitor``."""

    NONE = 0
    VAL_LOSS = 1
    VAL_ACCURACY = 2
    VAL_BALANCED_ACCURACY = 3
    VAL_AUC = 4
    AUTO = 5  #: val balanced accuracy with validation data, none without (the default)


# Enum-typed fields of kcell_train_params: they accept the enum, its name as a string, or a
# bare number (passed on unchecked, so a newer library's values work).
ENUM_FIELDS: Dict[str, type] = {
    "optimizer": Optimizer,
    "schedule": Schedule,
    "monitor": Monitor,
    "precision": Precision,
}
# Fields the bindings fill themselves.
_INTERNAL_FIELDS = ("struct_size", "progress", "progress_user_data")


def enum_value(enum_type: Any, value: Any) -> int:
    if isinstance(value, str):
        try:
            return int(enum_type[value.upper().replace("-", "_")])
        except KeyError:
            names = ", ".join(m.name.lower() for m in enum_type)
            raise invalid_argument(f"unknown {enum_type.__name__.lower()} {value!r}; one of "
                                   f"{names}") from None
    return int(value)


# Names people bring from other libraries, and the field they mean.
_FAMILIAR_NAMES = {"lr": "learning_rate", "batch": "batch_size", "n_epochs": "epochs",
                   "num_epochs": "epochs", "decay": "weight_decay", "seed": "seed"}


def check_keywords(where: str, names: Iterable[str], accepted: List[str]) -> None:
    """Raises TypeError, as Python does for a bad keyword, naming the accepted ones."""
    for name in names:
        if name in accepted:
            continue
        guess = _FAMILIAR_NAMES.get(name)
        close = [guess] if guess in accepted else difflib.get_close_matches(name, accepted, 1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise TypeError(f"{where} got an unexpected keyword argument {name!r}{hint}; "
                        f"accepted: {', '.join(accepted)}")


class TrainParams:
    """Settings of one training run: every field of ``kcell_train_params``.

    Starts from the library's defaults (``kcell_train_params_init``: the recipe, including
    its augmentation, as in C); keyword arguments set
    fields by their C name, e.g. ``TrainParams(epochs=5, optimizer="sgd",
    augmentation={"hflip": 0.5}, class_weights=[1, 2, 1])``. Fields read and write as
    attributes. The field list comes from the struct mirror, so a field appended to the
    header needs only its line in ``_structs.TrainParamsC``.

    Conversions: enum fields take the enum, its name or a number; ``class_weights`` takes
    ``None`` or one float per class (kept alive here, copied by the library), and
    ``pos_weights`` (multi-label models) ``None`` or one float per label;
    ``checkpoint_path`` a path or ``None``; ``augmentation`` a mapping of its fields
    (the whole augmentation: fields not named are off), a :class:`kcell.Augmentation`, or
    ``None`` for no augmentation. ``progress`` is a
    parameter of :meth:`kcell.Model.train`, not a field.
    """

    __slots__ = ("_c", "_keep", "_library_size")

    def __init__(self, **fields: Any) -> None:
        c = s.TrainParamsC()
        lib().kcell_train_params_init(byref(c), ctypes.sizeof(c))
        augmentation = s.Augmentation()
        lib().kcell_augmentation_init(byref(augmentation), ctypes.sizeof(augmentation))
        if c.augmentation:  # the recipe's (library-owned): start from a copy, as C callers do
            size = min(ctypes.sizeof(augmentation), int(c.augmentation.contents.struct_size))
            ctypes.memmove(byref(augmentation), c.augmentation, size)
            augmentation.struct_size = ctypes.sizeof(augmentation)
        object.__setattr__(self, "_c", c)
        object.__setattr__(self, "_keep", {})
        # A library older than these bindings fills (and reads) only its own prefix.
        object.__setattr__(self, "_library_size", int(c.struct_size))
        self._point_to_augmentation(augmentation)
        check_keywords("TrainParams()", fields, self.field_names())
        for name, value in fields.items():
            setattr(self, name, value)

    def _point_to_augmentation(self, augmentation: s.Augmentation) -> None:
        """Keeps ``augmentation`` (this object's own) and points the C struct at it."""
        self._keep["augmentation"] = augmentation
        self._c.augmentation = ctypes.pointer(augmentation)

    @staticmethod
    def field_names() -> List[str]:
        """The settable fields, in header order."""
        return [n for n in s.field_names(s.TrainParamsC) if n not in _INTERNAL_FIELDS]

    def __getattr__(self, name: str) -> Any:
        if name not in self.field_names():
            raise AttributeError(f"TrainParams has no field {name!r}")
        if name in ("class_weights", "pos_weights", "checkpoint_path", "augmentation"):
            return self._keep.get(name)
        value = getattr(self._c, name)
        if name in ENUM_FIELDS:
            try:
                return ENUM_FIELDS[name](value)
            except ValueError:
                return value
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self.field_names():
            raise AttributeError(f"TrainParams has no field {name!r}; fields: "
                                 f"{', '.join(self.field_names())}")
        c = self._c
        if name in ENUM_FIELDS:
            setattr(c, name, enum_value(ENUM_FIELDS[name], value))
        elif name in ("class_weights", "pos_weights"):
            if value is None:
                setattr(c, name, None)
                self._keep.pop(name, None)
                self._keep.pop(f"_{name}_buffer", None)
            else:
                # A private copy (a few floats): later changes to the caller's sequence
                # cannot change what these params say.
                if _arrays.is_ndarray(value):
                    value = value.reshape(-1).tolist()
                weights = tuple(float(w) for w in value)
                buffer = (ctypes.c_float * max(len(weights), 1))(*weights)
                setattr(c, name, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_float)))
                self._keep[name] = weights
                self._keep[f"_{name}_buffer"] = buffer  # C reads it in kcell_train
        elif name == "checkpoint_path":
            if value is not None and not isinstance(value, (str, bytes, os.PathLike)):
                raise invalid_argument(f"checkpoint_path must be a path, not "
                                       f"{type(value).__name__}")
            check_argument(None if value is None else os.fsencode(value), c_char_p, name)
            c.checkpoint_path = None if value is None else os.fsencode(value)
            self._keep[name] = None if value is None else os.fspath(value)
        elif name == "augmentation":
            kept = self._keep["augmentation"]
            if isinstance(value, s.Augmentation):
                size = kept.struct_size  # the library's, whatever the caller's says
                ctypes.pointer(kept)[0] = value
                kept.struct_size = size
            elif isinstance(value, Mapping) or value is None:
                # The whole augmentation: the named fields on top of none (None: no
                # augmentation, as NULL in C), not on top of the recipe's.
                names = [n for n in s.field_names(s.Augmentation) if n != "struct_size"]
                for key in value or {}:
                    if key not in names:
                        raise AttributeError(f"augmentation has no field {key!r}; fields: "
                                             f"{', '.join(names)}")
                lib().kcell_augmentation_init(byref(kept), ctypes.sizeof(kept))
                for key, v in (value or {}).items():
                    setattr(kept, key, v)
            else:
                raise invalid_argument("augmentation must be a mapping, kcell.Augmentation or "
                                       "None")
        else:
            check_argument(value, dict(s.TrainParamsC._fields_)[name], name)
            setattr(c, name, value)

    def replace(self, **fields: Any) -> "TrainParams":
        """A copy with some fields changed."""
        copy = TrainParams.__new__(TrainParams)
        object.__setattr__(copy, "_c", s.TrainParamsC.from_buffer_copy(self._c))
        object.__setattr__(copy, "_keep", dict(self._keep))
        object.__setattr__(copy, "_library_size", self._library_size)
        copy._point_to_augmentation(s.Augmentation.from_buffer_copy(self._keep["augmentation"]))
        check_keywords("TrainParams.replace()", fields, self.field_names())
        for name, value in fields.items():
            setattr(copy, name, value)
        return copy

    def to_dict(self) -> Dict[str, Any]:
        """The fields by name (augmentation as a dict of its fields)."""
        out = {}
        for name in self.field_names():
            value = getattr(self, name)
            if isinstance(value, s.Augmentation):
                value = {k: v for k, v in value.to_dict().items() if k != "struct_size"}
            out[name] = value
        return out

    def __repr__(self) -> str:
        return "TrainParams(" + ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items()) + ")"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrainParams) and self.to_dict() == other.to_dict()

    def _struct_for_call(self, num_classes: int) -> s.TrainParamsC:
        """A copy of the C struct, checked, for one kcell_train call."""
        for name in ("class_weights", "pos_weights"):
            weights = self._keep.get(name)
            if weights is not None and len(weights) != num_classes:
                raise invalid_argument(f"{name} has {len(weights)} entries; the model has "
                                       f"{num_classes} {'classes' if name[0] == 'c' else 'labels'}")
        c = s.TrainParamsC.from_buffer_copy(self._c)
        # Fields past the library's struct_size would be ignored by it: refuse any that was
        # changed rather than train with settings it never saw.
        blank = s.TrainParamsC()
        for name in self.field_names():
            field = getattr(s.TrainParamsC, name)
            if field.offset + field.size > self._library_size and (
                    ctypes.string_at(ctypes.addressof(c) + field.offset, field.size) !=
                    ctypes.string_at(ctypes.addressof(blank) + field.offset, field.size)):
                raise error_for(Status.UNSUPPORTED,
                                f"this libkcell predates the train parameter {name!r}")
        augmentation = self._keep["augmentation"]
        blank_augmentation = s.Augmentation()
        for name in s.field_names(s.Augmentation):
            field = getattr(s.Augmentation, name)
            if field.offset + field.size > augmentation.struct_size and (
                    getattr(augmentation, name) != getattr(blank_augmentation, name)):
                raise error_for(Status.UNSUPPORTED,
                                f"this libkcell predates the augmentation field {name!r}")
        return c


ProgressCallback = Callable[[Progress], Any]


class _CallbackBridge:
    """Calls a Python progress callback from C. A truthy return value cancels training; an
    exception (KeyboardInterrupt too) cancels it and is kept to re-raise after kcell_train
    returns, since nothing may propagate through C frames."""

    def __init__(self, callback: Optional[ProgressCallback], verbose: bool = False) -> None:
        self.callback = callback
        self.verbose = verbose
        self.error: Optional[BaseException] = None
        self.interrupted = False
        self.function = s.ProgressFn(self._call)

    def _call(self, progress: Any, _user_data: Any) -> int:
        if self.interrupted:
            return 1
        try:
            record = from_struct(Progress, progress.contents)
            if self.verbose and record.phase == 1:
                print(epoch_line(record), file=sys.stdout, flush=True)
            if self.callback is not None and self.callback(record):
                return 1
            return 0
        except BaseException as e:  # noqa: B902 - re-raised by train()
            self.error = e
            return 1


def epoch_line(p: Progress) -> str:
    """One line per epoch for ``verbose=True``, as the ``kcell`` program prints them."""
    line = (f"epoch {p.epoch + 1}/{p.epochs}: loss {p.loss:.4f}, accuracy {p.accuracy:.4f}")
    if not math.isnan(p.val_loss):
        line += f", val_loss {p.val_loss:.4f}, val_accuracy {p.val_accuracy:.4f}"
    return line + f" ({p.seconds:.1f} s)"


class History(Handle):
    """A ``kcell_history``: one :class:`EpochStats` per completed epoch, appended by each
    :meth:`kcell.Model.train` it is passed to. Not thread-safe."""

    _kind = "history"

    def __init__(self) -> None:
        out = HistoryPtr()
        lib().kcell_history_create(byref(out))
        super().__init__(out, lib().kcell_history_free)

    def __len__(self) -> int:
        n = c_size_t()
        lib().kcell_history_count(self._handle(), byref(n))
        return n.value

    def __getitem__(self, index: int) -> EpochStats:
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"epoch record {index} of {n}")
        stats = s.EpochStatsC()
        stats.struct_size = ctypes.sizeof(stats)
        lib().kcell_history_epoch(self._handle(), index, byref(stats))
        return from_struct(EpochStats, stats)

    def __iter__(self) -> Iterator[EpochStats]:
        return (self[i] for i in range(len(self)))

    def to_list(self) -> List[EpochStats]:
        """Every record."""
        return list(self)

    def to_dict(self) -> Dict[str, List[Any]]:
        """The records as a dict of lists, one list per field of :class:`kcell.EpochStats`
        (``{"train_loss": [...], "val_accuracy": [...], ...}``), as Keras'
        ``history.history``: ready for ``pandas.DataFrame`` or plotting."""
        records = list(self)
        return {f.name: [getattr(r, f.name) for r in records] for f in dataclasses.fields(EpochStats)}

    @property
    def history(self) -> Dict[str, List[Any]]:
        """The same as :meth:`to_dict` (the name Keras uses)."""
        return self.to_dict()

    @property
    def best_epoch(self) -> Optional[int]:
        """Index of the record whose weights the model kept after the latest training call
        with a monitor; ``None`` without one (or when no epoch was finite)."""
        best = c_int()
        lib().kcell_history_best_epoch(self._handle(), byref(best))
        return None if best.value < 0 else best.value

    def __repr__(self) -> str:
        return "<kcell.History closed>" if self.closed else f"<kcell.History {len(self)} epochs>"


@contextlib.contextmanager
def _sigint_cancels(bridge: _CallbackBridge) -> Iterator[None]:
    """During kcell_train, Ctrl-C only sets a flag that the next progress call turns into a
    cancel: a KeyboardInterrupt raised at an arbitrary point of a ctypes callback would be
    reported as "Exception ignored" and lost. Only on the main thread with Python's own
    handler installed (other handlers are the application's business)."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return

    def on_sigint(_signum: int, _frame: Any) -> None:
        bridge.interrupted = True

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def run_training(model: Any, num_classes: int, train: Any, val: Any,
                 params: Optional[TrainParams], progress: Optional[ProgressCallback],
                 history: Optional[History], fields: Mapping[str, Any],
                 verbose: bool = False) -> History:
    """Runs kcell_train; see :meth:`kcell.Model.train`."""
    if params is not None and not isinstance(params, TrainParams):
        raise TypeError(
            f"Model.train(train, val=None, params=None, *, ...): the third argument is "
            f"params, a kcell.TrainParams, not {type(params).__name__} {params!r}; give "
            f"settings as keywords, e.g. model.train(data, data, epochs={params!r})"
            if isinstance(params, int) and not isinstance(params, bool) else
            f"Model.train(train, val=None, params=None, *, ...): params must be a "
            f"kcell.TrainParams or None, not {type(params).__name__}; give settings as "
            f"keywords, e.g. model.train(data, data, epochs=3)")
    if history is not None and not isinstance(history, History):
        raise TypeError(f"history must be a kcell.History or None, not {type(history).__name__}")
    if params is None:
        params = TrainParams(**fields)
    elif fields:
        params = params.replace(**fields)
    c = params._struct_for_call(num_classes)
    # Always bridged, so that Ctrl-C (KeyboardInterrupt, raised in the callback) stops
    # training cleanly even without a user callback.
    bridge = _CallbackBridge(progress, verbose)
    c.progress = bridge.function
    if history is None:
        history = History()
    try:
        with _sigint_cancels(bridge):
            lib().kcell_train(model, train._handle(), None if val is None else val._handle(),
                              byref(c), history._handle())
    except CancelledError:
        if bridge.error is None and not bridge.interrupted:
            raise
    if bridge.interrupted and bridge.error is None:
        # Ctrl-C: the library stopped at the next batch and the model is usable.
        raise KeyboardInterrupt
    if bridge.error is not None:
        error, bridge.error = bridge.error, None
        raise error
    return history

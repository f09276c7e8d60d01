"""Models: creation, training, evaluation, prediction, files and description."""
from __future__ import annotations

import ctypes
import os
from ctypes import byref, c_size_t, c_void_p
from typing import Any, List, Optional, Sequence, Tuple, Union

from . import _arrays
from . import _structs as s
from ._errors import invalid_argument
from ._handle import Handle, read_text
from ._library import ModelPtr, lib
from .dataset import Dataset, Split, SplitLike, Task, parse_split
from .records import (Calibration, CalibrationFit, ClassMetrics, EvaluationDetails, Metrics,
                      ModelInfo, calibration_from_struct, from_struct)
from .training import (History, Precision, ProgressCallback, TrainParams, Tta, enum_value,
                       run_training)

PathLike = Union[str, "os.PathLike[str]"]



def _dataset_handle(data: Any, what: str) -> Any:
    if not isinstance(data, Dataset):
        raise invalid_argument(f"{what} must be a kcell.Dataset (Dataset.open or "
                               f"Dataset.from_arrays make one), not {type(data).__name__}")
    return data._handle()


class Model(Handle):
    """A ``kcell_model``: a network with its weights, input normalisation and class names.

    Make one with :meth:`create`, :meth:`load` or :meth:`from_bytes`. Release it with
    :meth:`close` or a ``with`` block (the garbage collector also does).

    Threads: training is exclusive; predictions on one model may come from several threads
    (the library serialises them); evaluation needs one model per thread.
    """

    _kind = "model"

    def __init__(self, raw: Any) -> None:
        """Wraps a ``kcell_model *`` the caller owned; use the class methods instead."""
        super().__init__(raw, lib().kcell_model_free)

    # ---- making and storing -------------------------------------------------------------

    @classmethod
    def create(cls, architecture: str, input_shape: Sequence[int], num_classes: int,
               seed: int = 0) -> "Model":
        """A model with fresh weights (``kcell_model_create``).

        Args:
            architecture: A preset name (``"reference"``, ``"resnet18"``) or a spec such as
                          ``"conv(32,3) bn relu maxpool(2) flatten dense"``.
            input_shape:  (channels, height, width) of the images.
            num_classes:  Number of classes (2 or more).
            seed:         Seed of the weight initialisation.
        """
        if len(input_shape) != 3:
            raise invalid_argument(f"input_shape must be (channels, height, width), not "
                                   f"{tuple(input_shape)}")
        channels, height, width = (int(v) for v in input_shape)
        out = ModelPtr()
        lib().kcell_model_create(architecture.encode("utf-8"), channels, height, width,
                                 num_classes, seed, byref(out))
        return cls(out)

    @classmethod
    def load(cls, path: PathLike) -> "Model":
        """Loads a model file written by :meth:`save` (``kcell_model_load``)."""
        out = ModelPtr()
        lib().kcell_model_load(os.fsencode(path), byref(out))
        return cls(out)

    @classmethod
    def from_bytes(cls, data: Any) -> "Model":
        """Loads a model from the bytes of a model file (``kcell_model_load_from_memory``);
        ``data`` is any buffer, e.g. what :meth:`to_bytes` returned."""
        pointer, keep = _arrays.pointer_to(data, ctypes.c_uint8)
        out = ModelPtr()
        lib().kcell_model_load_from_memory(ctypes.cast(pointer, c_void_p),
                                           _arrays.buffer_nbytes(data), byref(out))
        del keep
        return cls(out)

    @classmethod
    def ensemble(cls, models: Sequence["Model"]) -> "Model":
        """An ensemble of copies of ``models`` whose predictions and evaluations average
        their probabilities (``kcell_model_ensemble_create``); :meth:`save` writes it as one
        ensemble file that :meth:`load` reads back."""
        models = list(models)
        for m in models:
            if not isinstance(m, Model):
                raise invalid_argument(f"ensemble members must be kcell.Model, not "
                                       f"{type(m).__name__}")
        array = (ModelPtr * max(1, len(models)))(*[m._handle() for m in models])
        out = ModelPtr()
        lib().kcell_model_ensemble_create(array, len(models), byref(out))
        return cls(out)

    @property
    def num_members(self) -> int:
        """1 for a single model, N for an ensemble of N (``kcell_model_member_count``)."""
        count = c_size_t()
        lib().kcell_model_member_count(self._handle(), byref(count))
        return count.value

    def save(self, path: PathLike) -> None:
        """Writes the model file ``path`` atomically (``kcell_model_save``)."""
        lib().kcell_model_save(self._handle(), os.fsencode(path))

    def export_onnx(self, path: PathLike) -> None:
        """Writes the model as an ONNX file ``path`` atomically (``kcell_model_export_onnx``).

        The graph (opset 11) takes raw pixel values 0-255 as float32, shape (N, C, H, W), and
        returns the probabilities :meth:`predict` returns (normalisation, test-time
        augmentation and decision bias inside). Raises :class:`UnsupportedError` when kcell
        was built without protobuf (docs/onnx.md)."""
        lib().kcell_model_export_onnx(self._handle(), os.fsencode(path))

    def to_bytes(self) -> bytes:
        """The bytes of a model file (``kcell_model_save_to_memory``)."""
        library = lib()
        data = c_void_p()
        size = c_size_t()
        library.kcell_model_save_to_memory(self._handle(), byref(data), byref(size))
        try:
            return ctypes.string_at(data, size.value)
        finally:
            library.kcell_free(data)

    # ---- description --------------------------------------------------------------------

    @property
    def info(self) -> ModelInfo:
        """Input shape, classes, parameters and training so far (``kcell_model_get_info``)."""
        c = s.ModelInfoC()
        c.struct_size = ctypes.sizeof(c)
        lib().kcell_model_get_info(self._handle(), byref(c))
        return from_struct(ModelInfo, c)

    @property
    def input_shape(self) -> Tuple[int, int, int]:
        """(channels, height, width) of the images the model takes."""
        i = self.info
        return (i.channels, i.height, i.width)

    @property
    def num_classes(self) -> int:
        """Number of classes."""
        return self.info.num_classes

    @property
    def num_params(self) -> int:
        """Trainable parameters (``kcell_model_num_params``)."""
        n = c_size_t()
        lib().kcell_model_num_params(self._handle(), byref(n))
        return n.value

    @property
    def architecture(self) -> str:
        """The architecture as canonical spec text (``kcell_model_architecture``)."""
        return read_text(lib().kcell_model_architecture, self._handle())

    def summary(self) -> str:
        """A Keras-style table of the layers (``kcell_model_summary``)."""
        return read_text(lib().kcell_model_summary, self._handle())

    def training_memory(self, batch_size: int = 128) -> Tuple[int, int, int]:
        """Estimated bytes training needs besides the dataset's pixels, as (parameters,
        activations, runtime) (``kcell_model_training_memory``; docs/data-formats.md)."""
        values = [ctypes.c_uint64() for _ in range(3)]
        lib().kcell_model_training_memory(self._handle(), batch_size, *map(byref, values))
        return (values[0].value, values[1].value, values[2].value)

    @property
    def normalization(self) -> Tuple[Tuple[float, ...], Tuple[float, ...]]:
        """(mean, std) per channel: x = (pixel / 255 - mean) / std
        (``kcell_model_normalization``)."""
        channels = self.info.channels
        mean = (ctypes.c_float * channels)()
        std = (ctypes.c_float * channels)()
        lib().kcell_model_normalization(self._handle(), mean, std, channels)
        return tuple(mean), tuple(std)

    def class_name(self, index: int) -> str:
        """The name of class ``index`` (``kcell_model_class_name``)."""
        return read_text(lib().kcell_model_class_name, self._handle(), index)

    @property
    def class_names(self) -> List[str]:
        """The class names in label order ("0" .. "k-1" until set); model files keep them.
        Assign a list of names to set them, or ``None`` to restore the defaults."""
        return [self.class_name(i) for i in range(self.num_classes)]

    @class_names.setter
    def class_names(self, names: Optional[Sequence[str]]) -> None:
        if names is None:
            lib().kcell_model_set_class_names(self._handle(), None, 0)
            return
        if isinstance(names, (str, bytes)):  # a str is a sequence of one-letter names
            raise invalid_argument(f"class names must be a sequence of str, not one "
                                   f"{type(names).__name__}")
        encoded = []
        for name in names:
            if not isinstance(name, str):
                raise invalid_argument(f"class names must be str, not {type(name).__name__}")
            if "\0" in name:
                raise invalid_argument(f"class name {name!r} contains a NUL character")
            encoded.append(name.encode("utf-8", "surrogatepass"))
        array = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
        lib().kcell_model_set_class_names(self._handle(), array, len(encoded))

    @property
    def decision_bias(self) -> Optional[Tuple[float, ...]]:
        """The per-class logit bias that predict and evaluate add before the softmax (fitted
        on validation by :meth:`train`; ``kcell_model_decision_bias``), or ``None`` for
        plain argmax. Assign a sequence of one float per class, or ``None`` to remove it."""
        k = self.num_classes
        values = (ctypes.c_float * k)()
        count = ctypes.c_size_t()
        lib().kcell_model_decision_bias(self._handle(), values, k, byref(count))
        return tuple(values[:count.value]) if count.value else None

    @property
    def decision_rule(self) -> str:
        """How :attr:`decision_bias` came to be (``kcell_model_decision_rule``): ``"argmax"``
        (no bias), ``"validation_priors"``, ``"balanced"`` or ``"given"`` (set by hand)."""
        rule = ctypes.c_int32()
        lib().kcell_model_decision_rule(self._handle(), byref(rule))
        return ("argmax", "auto", "validation_priors", "balanced", "given")[rule.value]

    @decision_bias.setter
    def decision_bias(self, bias: Optional[Sequence[float]]) -> None:
        values = [float(b) for b in bias] if bias is not None else []
        array = (ctypes.c_float * max(len(values), 1))(*values)
        lib().kcell_model_set_decision_bias(self._handle(), array, len(values))

    @property
    def tta(self) -> str:
        """The test-time augmentation of predictions and evaluations (``kcell_model_tta``):
        ``"none"``, ``"flips"`` (left-right mirror), ``"flips4"`` (both mirrors) or
        ``"dihedral"`` (the 8 flips and quarter turns; square images only), whose
        probabilities are averaged before the decision bias. Training chooses it from its
        augmentation unless it was assigned; assign a :class:`Tta`, its name or its number
        (``kcell_model_set_tta``)."""
        tta = ctypes.c_int32()
        lib().kcell_model_tta(self._handle(), byref(tta))
        return Tta(tta.value).name.lower()

    @tta.setter
    def tta(self, tta: Any) -> None:
        lib().kcell_model_set_tta(self._handle(), enum_value(Tta, tta))

    @property
    def task(self) -> Task:
        """``Task.MULTI_CLASS`` (softmax over the classes, the default) or
        ``Task.MULTI_LABEL`` (one sigmoid per label, for data whose labels are (N, L) of
        0 / 1): ``kcell_model_task``. Assign a :class:`Task`, its name or its number before
        training on multi-label data (``kcell_model_set_task``); changing it drops the
        decision bias and calibration. Model files keep it."""
        task = ctypes.c_int32()
        lib().kcell_model_task(self._handle(), byref(task))
        return Task(task.value)

    @task.setter
    def task(self, task: Any) -> None:
        lib().kcell_model_set_task(self._handle(), enum_value(Task, task))

    # ---- training and evaluation --------------------------------------------------------

    def train(self, train: Dataset, val: Optional[Dataset] = None,
              params: Optional[TrainParams] = None, *,
              progress: Optional[ProgressCallback] = None,
              history: Optional[History] = None, verbose: bool = False,
              **fields: Any) -> History:
        """Trains on the train split of ``train``, validating on the val split of ``val``
        after every epoch (``kcell_train``). ``val`` may be ``train`` itself.

        Args:
            params:   Settings; ``None`` for the defaults. Keyword arguments set fields of
                      it (on a copy), e.g. ``epochs=3, learning_rate=0.01``.
            progress: Called after every batch with a :class:`kcell.Progress`. Return a true
                      value to cancel (raises :class:`kcell.CancelledError`); an exception it
                      raises cancels too and is re-raised here once the library has
                      stopped. The model keeps the weights of the last completed batch.
            history:  A :class:`kcell.History` to append to; a new one otherwise.
            verbose:  Print one line per epoch (losses, accuracies, seconds) to stdout.

        Unknown keywords raise ``TypeError`` naming the accepted ones; settings go as
        keywords, not positions (``train(data, data, epochs=3)``).

        Returns:
            The history with one record per completed epoch.
        """
        _dataset_handle(train, "train")
        if val is not None:
            _dataset_handle(val, "val")
        return run_training(self._handle(), self.num_classes, train, val, params, progress,
                            history, fields, verbose)

    def evaluate(self, dataset: Dataset, split: SplitLike = Split.TEST) -> Metrics:
        """Loss, accuracy, balanced accuracy and AUC on a labelled split
        (``kcell_evaluate``)."""
        c = s.MetricsC()
        c.struct_size = ctypes.sizeof(c)
        lib().kcell_evaluate(self._handle(), _dataset_handle(dataset, "dataset"),
                             parse_split(split), byref(c))
        return from_struct(Metrics, c)

    def evaluate_details(self, dataset: Dataset, split: SplitLike = Split.TEST,
                         calibration: bool = False) -> EvaluationDetails:
        """Metrics with per-class numbers and the confusion matrix
        (``kcell_evaluate_details``); with ``calibration=True`` also the calibration record
        of :meth:`evaluate_calibration`, from the same single pass over the split
        (``kcell_evaluate_full``: with test-time augmentation, half the time of two calls)."""
        k = self.num_classes
        c = s.MetricsC()
        c.struct_size = ctypes.sizeof(c)
        per_class = (s.ClassMetricsC * k)()
        # A multi-label model has no confusion matrix or calibration: per_class holds each
        # label's numbers.
        multi_label = self.task == Task.MULTI_LABEL
        confusion = None if multi_label else (ctypes.c_uint64 * (k * k))()
        handle, data = self._handle(), _dataset_handle(dataset, "dataset")
        record = None
        if calibration and not multi_label:
            cal = s.CalibrationC()
            cal.struct_size = ctypes.sizeof(cal)
            coverage = (ctypes.c_double * k)()
            lib().kcell_evaluate_full(handle, data, parse_split(split), byref(c), per_class, k,
                                      confusion, k * k, byref(cal), coverage, k)
            record = calibration_from_struct(cal, list(coverage))
        else:
            lib().kcell_evaluate_details(handle, data, parse_split(split), byref(c), per_class,
                                         k, confusion, 0 if multi_label else k * k)
        return EvaluationDetails(
            metrics=from_struct(Metrics, c),
            per_class=[from_struct(ClassMetrics, pc) for pc in per_class],
            confusion=None if confusion is None else _arrays.uint64_matrix(confusion, k),
            calibration=record)

    # ---- prediction ---------------------------------------------------------------------

    def predict(self, images: Any, layout: Any = None) -> Any:
        """Class probabilities of a batch of uint8 images (``kcell_predict``).

        Args:
            images: A uint8 numpy array (N, C, H, W), (N, H, W, C) (passed to C as it is,
                    without a copy), or (N, H, W) for one-channel models; or, without numpy,
                    a ``bytes``-like buffer of N images in ``layout`` order.
            layout: ``'nchw'`` / ``'nhwc'``; ``None`` reads it from the array's shape (NCHW
                    for plain buffers).

        Returns:
            (N, num_classes) float32 probabilities: a numpy array when numpy is installed,
            otherwise a list of N lists.
        """
        info = self.info
        shape = (info.channels, info.height, info.width)
        buffer, count, _, found = _arrays.uint8_images(images, shape, layout, want_nchw=False)
        k = info.num_classes
        out = _arrays.float32_output(count, k)
        pointer, keep = _arrays.pointer_to(buffer, ctypes.c_uint8)
        out_pointer, out_keep = _arrays.pointer_to(out, ctypes.c_float)
        lib().kcell_predict(self._handle(), pointer, count, int(found), out_pointer, count * k)
        del keep, out_keep
        return _arrays.rows_of(out, count, k)

    def predict_labels(self, images: Any, layout: Any = None) -> Any:
        """A multi-label model's decisions: which labels of each image have a probability
        above 0.5 (MedMNIST's threshold), from :meth:`predict`. Returns an (N, L) bool numpy
        array, or a list of N lists of label indices without numpy. Raises
        :class:`kcell.InvalidArgumentError` for a multi-class model (take the argmax)."""
        if self.task != Task.MULTI_LABEL:
            raise invalid_argument("predict_labels is for multi-label models; a multi-class "
                                   "model's answer is the argmax of predict()")
        p = self.predict(images, layout)
        if _arrays.is_ndarray(p):
            return p > 0.5
        return [[j for j, v in enumerate(row) if v > 0.5] for row in p]

    def predict_normalized(self, images: Any) -> Any:
        """Class probabilities of float32 images already normalised with
        :attr:`normalization`, N×C×H×W (``kcell_predict_normalized``).

        ``images`` is a numpy array (N, C, H, W) (converted to float32 if needed), or a
        flat float sequence / ``array('f')`` of N×C×H×W values without numpy.
        """
        info = self.info
        per_image = info.channels * info.height * info.width
        values = _arrays.float32_array(images)
        if _arrays.is_ndarray(values):
            if values.ndim != 4 or values.shape[1:] != (info.channels, info.height,
                                                        info.width):
                raise invalid_argument(f"normalised images must be (N, {info.channels}, "
                                       f"{info.height}, {info.width}); got {values.shape}")
            count = values.shape[0]
        else:
            total = _arrays.buffer_nbytes(values) // 4
            if total % per_image:
                raise invalid_argument(f"{total} floats are not a whole number of "
                                       f"{per_image}-value images")
            count = total // per_image
        k = info.num_classes
        out = _arrays.float32_output(count, k)
        pointer, keep = _arrays.pointer_to(values, ctypes.c_float)
        out_pointer, out_keep = _arrays.pointer_to(out, ctypes.c_float)
        lib().kcell_predict_normalized(self._handle(), pointer, count, out_pointer, count * k)
        del keep, out_keep
        return _arrays.rows_of(out, count, k)

    def set_inference_precision(self, precision: Any) -> None:
        """Arithmetic of later predictions and evaluations: ``"fp32"`` (the default),
        ``"bf16"`` (UNSUPPORTED where the CPU has no AVX-512 BF16) or ``"int8"`` (after
        :meth:`calibrate_int8` on the current weights, else INVALID_ARGUMENT)
        (``kcell_model_set_inference_precision``). Training sets an int8 model back to
        fp32. Not saved in model files."""
        lib().kcell_model_set_inference_precision(self._handle(),
                                                  enum_value(Precision, precision))

    def calibrate_int8(self, dataset: Dataset, split: SplitLike = Split.VAL,
                       max_images: int = 0) -> None:
        """Records the range of every activation on the first ``max_images`` images of
        ``split`` (all for 0), which int8 inference quantises with
        (``kcell_model_calibrate_int8``). Use images like those the model will see; a few
        thousand validation images are plenty."""
        if max_images < 0:
            raise invalid_argument(f"max_images must be 0 or more, got {max_images}")
        lib().kcell_model_calibrate_int8(self._handle(), _dataset_handle(dataset, "dataset"),
                                         parse_split(split), max_images)

    # ---- calibration and uncertainty ----------------------------------------------------

    def calibrate(self, dataset: Dataset, split: SplitLike = Split.VAL,
                  alpha: float = 0.0) -> CalibrationFit:
        """Fits the temperature on a labelled split (the validation split) by minimising
        the negative log-likelihood, refitting a validation-fitted decision bias with it;
        with ``alpha`` in (0, 1) also the split-conformal (LAC) prediction sets that hold
        the true class for at least 1 - alpha of the images; ``alpha=0`` removes any
        (``kcell_model_calibrate``). Both are saved in model files."""
        fit = s.CalibrationFitC()
        fit.struct_size = ctypes.sizeof(fit)
        lib().kcell_model_calibrate(self._handle(), _dataset_handle(dataset, "dataset"),
                                    parse_split(split), float(alpha), byref(fit))
        return from_struct(CalibrationFit, fit)

    def evaluate_calibration(self, dataset: Dataset,
                             split: SplitLike = Split.TEST) -> Calibration:
        """ECE, NLL, Brier score, reliability bins, risk-coverage curve and the conformal
        sets' coverage on a labelled split (``kcell_evaluate_calibration``)."""
        k = self.num_classes
        c = s.CalibrationC()
        c.struct_size = ctypes.sizeof(c)
        coverage = (ctypes.c_double * k)()
        lib().kcell_evaluate_calibration(self._handle(), _dataset_handle(dataset, "dataset"),
                                         parse_split(split), byref(c), coverage, k)
        return calibration_from_struct(c, list(coverage))

    @property
    def temperature(self) -> float:
        """The temperature T of softmax(z / T + bias) (``kcell_model_temperature``): 1 until
        calibrated. Assign a value in [0.01, 100] (``kcell_model_set_temperature``)."""
        t = ctypes.c_double()
        lib().kcell_model_temperature(self._handle(), byref(t))
        return t.value

    @temperature.setter
    def temperature(self, value: float) -> None:
        lib().kcell_model_set_temperature(self._handle(), float(value))

    @property
    def conformal(self) -> Optional[Tuple[float, float]]:
        """``(alpha, quantile)`` of the conformal calibration, or ``None`` without one
        (``kcell_model_conformal``). A class is in an image's set when 1 - p <= quantile."""
        alpha, quantile = ctypes.c_double(), ctypes.c_double()
        lib().kcell_model_conformal(self._handle(), byref(alpha), byref(quantile))
        return None if alpha.value == 0.0 else (alpha.value, quantile.value)

    def prediction_sets(self, probabilities: Any) -> Any:
        """The conformal prediction set of each row of :meth:`predict`'s probabilities
        (``kcell_prediction_sets``): an (N, k) bool numpy array (lists of bools without
        numpy), True for the classes in the set. Needs :meth:`calibrate` with an alpha."""
        k = self.num_classes
        if not _arrays.is_ndarray(probabilities) and not hasattr(probabilities, "buffer_info"):
            rows = list(probabilities)  # rows of k, as predict() returns without numpy
            if rows and isinstance(rows[0], (list, tuple)):
                probabilities = [v for row in rows for v in row]
        values = _arrays.float32_array(probabilities)
        total = values.size if _arrays.is_ndarray(values) else _arrays.buffer_nbytes(values) // 4
        if total % k:
            raise invalid_argument(f"{total} probabilities are not whole rows of {k} classes")
        count = total // k
        flags = (ctypes.c_uint8 * max(total, 1))()
        pointer, keep = _arrays.pointer_to(values, ctypes.c_float)
        lib().kcell_prediction_sets(self._handle(), pointer, count, flags, total)
        del keep
        if _arrays.has_numpy():
            import numpy as np
            return np.ctypeslib.as_array(flags)[:total].reshape(count, k).astype(bool)
        bits = [bool(f) for f in flags[:total]]
        return [bits[r * k:(r + 1) * k] for r in range(count)]

    # ---- saliency -------------------------------------------------------------------------

    def explain(self, images: Any, target_class: int = -1, method: str = "gradcam",
                layer: int = -1, layout: Any = None) -> Tuple[Any, Any]:
        """Saliency maps of a batch of uint8 images (``kcell_explain``): where the model
        found the evidence for a class.

        Args:
            images: As for :meth:`predict`.
            target_class: The class to explain, or -1 for each image's predicted class.
            method: ``'gradcam'`` (Grad-CAM at the last convolutional block, or at
                    ``layer``) or ``'gradient'`` (the largest absolute gradient of the class
                    logit over the channels of each pixel).
            layer: Grad-CAM's layer, an index into the architecture; -1 for the last
                   convolution or residual block.
            layout: As for :meth:`predict`.

        Returns:
            ``(maps, classes)``: (N, H, W) float32 maps (>= 0) and the N classes explained;
            numpy arrays when numpy is installed, otherwise lists.
        """
        methods = {"gradcam": 0, "gradient": 1}
        if method not in methods:
            raise invalid_argument(f"method must be 'gradcam' or 'gradient', not {method!r}")
        info = self.info
        shape = (info.channels, info.height, info.width)
        buffer, count, _, found = _arrays.uint8_images(images, shape, layout, want_nchw=False)
        options = s.ExplainOptionsC()
        lib().kcell_explain_options_init(byref(options), ctypes.sizeof(options))
        options.method = methods[method]
        options.layer = layer
        plane = info.height * info.width
        out = _arrays.float32_output(count, plane)
        classes = (ctypes.c_int32 * max(count, 1))()
        pointer, keep = _arrays.pointer_to(buffer, ctypes.c_uint8)
        out_pointer, out_keep = _arrays.pointer_to(out, ctypes.c_float)
        lib().kcell_explain(self._handle(), pointer, count, int(found), target_class,
                            byref(options), out_pointer, count * plane, classes)
        del keep, out_keep
        if _arrays.has_numpy():
            import numpy as np
            return (out.reshape(count, info.height, info.width),
                    np.ctypeslib.as_array(classes)[:count].astype(np.int64))
        rows = _arrays.rows_of(out, count, plane)
        maps = [[row[y * info.width:(y + 1) * info.width] for y in range(info.height)]
                for row in rows]
        return maps, list(classes[:count])

    def __repr__(self) -> str:
        if self.closed:
            return "<kcell.Model closed>"
        i = self.info
        return (f"<kcell.Model {self.architecture!r} input={(i.channels, i.height, i.width)} "
                f"classes={i.num_classes} params={i.num_params}>")

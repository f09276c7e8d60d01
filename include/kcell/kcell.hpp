/**
 * @file kcell.hpp
 * @brief Header-only C++17 wrapper over kcell.h: RAII handles, exceptions, std types.
 *
 * It covers every function of kcell.h and adds no behaviour of its own: every method calls
 * C functions, and a status other than ::KCELL_OK becomes a kcell::Error carrying the
 * status and kcell_last_error(). The thread-safety rules of the C handles apply unchanged
 * (a `const` method calls only functions that take a `const` handle).
 */
#ifndef KCELL_KCELL_HPP
#define KCELL_KCELL_HPP

#include <kcell/kcell.h>

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kcell {

/** A failed kcell call: the status and the library's message. */
class Error : public std::runtime_error {
 public:
  /** Makes an error from a status and message. */
  Error(kcell_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  /** The status the C call returned. */
  kcell_status status() const noexcept { return status_; }

 private:
  kcell_status status_;
};

/** Throws kcell::Error with kcell_last_error() (or, if empty, kcell_status_string())
 *  unless @p status is ::KCELL_OK. */
inline void check(kcell_status status) {
  if (status == KCELL_OK) return;
  std::string message = kcell_last_error();
  if (message.empty()) message = kcell_status_string(status);
  throw Error(status, message);
}

/** The linked library's version, "MAJOR.MINOR.PATCH" (kcell_version()). */
inline std::string version() { return kcell_version(); }

/** The recommended network's preset name (kcell_recommended_architecture()). */
inline std::string recommended_architecture() { return kcell_recommended_architecture(); }
/** The recommended network for a training set of that size
 *  (kcell_recommended_architecture_for()). */
inline std::string recommended_architecture(size_t training_images) {
  return kcell_recommended_architecture_for(training_images);
}

/** The linked library's version as KCELL_VERSION_NUMBER computes it (kcell_version_number()). */
inline int version_number() { return kcell_version_number(); }

/** A static description of @p status (kcell_status_string()). */
inline std::string status_string(kcell_status status) { return kcell_status_string(status); }

/** The message of the last failed call on this thread (kcell_last_error()). */
inline std::string last_error() { return kcell_last_error(); }

/** Compute threads for calls made by this thread; 0 for all cores (kcell_set_num_threads()). */
inline void set_num_threads(int threads) { check(kcell_set_num_threads(threads)); }

/** Dataset options with the library's defaults (kcell_open_options_init()). */
inline kcell_open_options default_open_options() {
  kcell_open_options options;
  check(kcell_open_options_init(&options, sizeof options));
  return options;
}

/** Augmentation settings with the library's defaults, all off (kcell_augmentation_init()). */
inline kcell_augmentation default_augmentation() {
  kcell_augmentation augmentation;
  check(kcell_augmentation_init(&augmentation, sizeof augmentation));
  return augmentation;
}

/** Saliency options with the library's defaults: Grad-CAM at the last convolutional block
 *  (kcell_explain_options_init()). */
inline kcell_explain_options default_explain_options() {
  kcell_explain_options options;
  check(kcell_explain_options_init(&options, sizeof options));
  return options;
}

/** Saliency maps of Model::explain(): count maps of height × width floats, row by row,
 *  and the class each explains. */
struct Explanation {
  std::vector<float> maps;      /**< count × height × width. */
  std::vector<int32_t> classes; /**< count classes. */
};

/** Training settings with the library's defaults (kcell_train_params_init()). */
inline kcell_train_params default_train_params() {
  kcell_train_params params;
  check(kcell_train_params_init(&params, sizeof params));
  return params;
}

/** Writes @p size bytes to the file @p path atomically (kcell_write_file()). */
inline void write_file(const std::string& path, const void* data, size_t size) {
  check(kcell_write_file(path.c_str(), data, size));
}

/** Checks before any work that @p path can be written and is none of @p inputs
 *  (kcell_check_output()). */
inline void check_output(const std::string& path, const std::vector<std::string>& inputs) {
  std::vector<const char*> pointers;
  pointers.reserve(inputs.size());
  for (const std::string& input : inputs) pointers.push_back(input.c_str());
  check(kcell_check_output(path.c_str(), pointers.empty() ? nullptr : pointers.data(),
                           pointers.size()));
}

/** The name the C API uses for a split: "train", "val" or "test" ("?" for another number). */
inline const char* split_name(kcell_split split) noexcept {
  switch (split) {
    case KCELL_SPLIT_TRAIN:
      return "train";
    case KCELL_SPLIT_VAL:
      return "val";
    case KCELL_SPLIT_TEST:
      return "test";
  }
  return "?";
}

/** The images and labels of one split for Dataset::create(), pointing into @p images and
 *  @p labels (which must stay alive until the call; the library copies them). The count is
 *  the number of labels. */
inline kcell_split_buffers split_buffers(const std::vector<uint8_t>& images,
                                         const std::vector<int32_t>& labels) noexcept {
  return kcell_split_buffers{images.data(), labels.data(), labels.size()};
}

namespace detail {
template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

// Text from a function of the (buffer, capacity, needed) kind: asks for the size, then copies.
template <class Copy>
std::string copy_text(Copy&& copy) {
  size_t needed = 0;
  const kcell_status sized = copy(nullptr, 0, &needed);
  if (sized != KCELL_ERROR_BUFFER_TOO_SMALL) check(sized);
  std::string text(needed, '\0');
  check(copy(&text[0], text.size(), &needed));
  text.resize(needed > 0 ? needed - 1 : 0);  // without the NUL
  return text;
}
}  // namespace detail

/** An opened dataset (see ::kcell_dataset). Immutable; its const methods may be called from
 *  many threads at once. */
class Dataset {
 public:
  /** Opens a file or folder (kcell_dataset_open()); NULL @p options for the defaults. */
  explicit Dataset(const std::string& path, const kcell_open_options* options = nullptr) {
    kcell_dataset* raw = nullptr;
    check(kcell_dataset_open(path.c_str(), options, &raw));
    handle_.reset(raw);
  }
  /** Makes a dataset from caller memory, which is copied (kcell_dataset_create()); NULL
   *  for an absent split. See split_buffers(). */
  static Dataset create(int channels, int height, int width, int num_classes,
                        const kcell_split_buffers* train, const kcell_split_buffers* val = nullptr,
                        const kcell_split_buffers* test = nullptr) {
    kcell_dataset* raw = nullptr;
    check(kcell_dataset_create(channels, height, width, num_classes, train, val, test, &raw));
    return Dataset(raw);
  }
  /** Number of images in @p split (kcell_dataset_count()). */
  size_t count(kcell_split split) const {
    size_t n = 0;
    check(kcell_dataset_count(get(), split, &n));
    return n;
  }
  /** Number of classes (kcell_dataset_num_classes()). */
  int num_classes() const {
    int n = 0;
    check(kcell_dataset_num_classes(get(), &n));
    return n;
  }
  /** Image shape as {channels, height, width} (kcell_dataset_shape()). */
  std::vector<int> shape() const {
    std::vector<int> chw(3);
    check(kcell_dataset_shape(get(), &chw[0], &chw[1], &chw[2]));
    return chw;
  }
  /** One image's C×H×W bytes and its label (kcell_dataset_image()). */
  std::vector<uint8_t> image(kcell_split split, size_t index, int32_t* label = nullptr) const {
    const auto chw = shape();
    std::vector<uint8_t> pixels(static_cast<size_t>(chw[0]) * chw[1] * chw[2]);
    check(kcell_dataset_image(get(), split, index, pixels.data(), pixels.size(), label));
    return pixels;
  }
  /** The label of one image, -1 when unlabelled (kcell_dataset_image() without pixels). */
  int32_t label(kcell_split split, size_t index) const {
    int32_t label = -1;
    check(kcell_dataset_image(get(), split, index, nullptr, 0, &label));
    return label;
  }
  /** The labels' task (kcell_dataset_task()). */
  kcell_task task() const {
    int32_t task = KCELL_TASK_MULTI_CLASS;
    check(kcell_dataset_task(get(), &task));
    return static_cast<kcell_task>(task);
  }
  /** The labels of one image: its class, or a multi-label image's L values of 0 / 1
   *  (kcell_dataset_labels()). */
  std::vector<int32_t> labels(kcell_split split, size_t index) const {
    std::vector<int32_t> out(task() == KCELL_TASK_MULTI_LABEL ? static_cast<size_t>(num_classes())
                                                              : 1);
    check(kcell_dataset_labels(get(), split, index, out.data(), out.size()));
    return out;
  }
  /** Images per class in @p split (kcell_dataset_class_histogram()). */
  std::vector<size_t> class_histogram(kcell_split split) const {
    std::vector<size_t> counts(static_cast<size_t>(num_classes()));
    check(kcell_dataset_class_histogram(get(), split, counts.data(), counts.size()));
    return counts;
  }
  /** The name of class @p index (kcell_dataset_class_name()). */
  std::string class_name(int index) const {
    return detail::copy_text([this, index](char* buffer, size_t capacity, size_t* needed) {
      return kcell_dataset_class_name(get(), index, buffer, capacity, needed);
    });
  }
  /** Every class name, in label order. */
  std::vector<std::string> class_names() const {
    const int k = num_classes();
    std::vector<std::string> names;
    names.reserve(static_cast<size_t>(k));
    for (int c = 0; c < k; ++c) names.push_back(class_name(c));
    return names;
  }
  /** Writes the dataset as a MedMNIST-layout .npz (kcell_dataset_save_npz()). */
  void save_npz(const std::string& path) const {
    check(kcell_dataset_save_npz(get(), path.c_str()));
  }
  /** The C handle, still owned by this object. */
  kcell_dataset* get() const noexcept { return handle_.get(); }

 private:
  explicit Dataset(kcell_dataset* raw) { handle_.reset(raw); }
  std::unique_ptr<kcell_dataset, detail::Deleter<kcell_dataset, kcell_dataset_free>> handle_;
};

/** Per-epoch training statistics (see ::kcell_history). Not thread-safe. */
class History {
 public:
  /** Creates an empty history (kcell_history_create()). */
  History() {
    kcell_history* raw = nullptr;
    check(kcell_history_create(&raw));
    handle_.reset(raw);
  }
  /** Number of recorded epochs (kcell_history_count()). */
  size_t count() const {
    size_t n = 0;
    check(kcell_history_count(get(), &n));
    return n;
  }
  /** Record @p index (kcell_history_epoch()). */
  kcell_epoch_stats epoch(size_t index) const {
    kcell_epoch_stats stats{};
    stats.struct_size = sizeof stats;
    check(kcell_history_epoch(get(), index, &stats));
    return stats;
  }
  /** Every recorded epoch, in order. */
  std::vector<kcell_epoch_stats> epochs() const {
    const size_t n = count();
    std::vector<kcell_epoch_stats> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(epoch(i));
    return out;
  }
  /** Record index of the best epoch of the latest run, or -1 (kcell_history_best_epoch()). */
  int best_epoch() const {
    int best = -1;
    check(kcell_history_best_epoch(get(), &best));
    return best;
  }
  /** The C handle, still owned by this object. */
  kcell_history* get() const noexcept { return handle_.get(); }

 private:
  std::unique_ptr<kcell_history, detail::Deleter<kcell_history, kcell_history_free>> handle_;
};

/** Told after every batch and epoch of Model::train(); returns true to cancel training (as
 *  a non-zero return of ::kcell_progress_fn does). An exception it throws cancels training
 *  and is rethrown by Model::train() once kcell_train() has returned. */
using ProgressCallback = std::function<bool(const kcell_progress&)>;

/** Everything kcell_evaluate_details() reports about one split. */
struct EvaluationDetails {
  kcell_metrics metrics;                      /**< Summary metrics. */
  std::vector<kcell_class_metrics> per_class; /**< One record per class. */
  std::vector<uint64_t> confusion;            /**< k × k, row = true class; empty for a
                                                   multi-label model. */
};

/** Calibration metrics with per-class conformal coverage (kcell_evaluate_calibration()). */
struct CalibrationDetails {
  kcell_calibration calibration;      /**< ECE, NLL, Brier, bins, risk-coverage, conformal. */
  std::vector<double> class_coverage; /**< Per true class; NaN without a conformal fit. */
};

/** Both of the above from one pass over a split (kcell_evaluate_full()). */
struct FullEvaluation {
  EvaluationDetails details;      /**< As Model::evaluate_details() gives them. */
  CalibrationDetails calibration; /**< As Model::evaluate_calibration() gives them; zeros
                                       (count 0) for a multi-label model, which has none. */
};

/** Calibration metrics of probabilities against labels (kcell_calibration_metrics()). */
inline kcell_calibration calibration_metrics(const float* probabilities, const int32_t* labels,
                                             size_t count, int num_classes) {
  kcell_calibration out{};
  out.struct_size = sizeof out;
  check(kcell_calibration_metrics(probabilities, labels, count, num_classes, &out));
  return out;
}

/** A model's input normalisation (kcell_model_normalization()): one value per channel. */
struct Normalization {
  std::vector<float> mean; /**< Per-channel mean of pixel / 255. */
  std::vector<float> std;  /**< Per-channel standard deviation of pixel / 255. */
};

/** A network with its weights (see ::kcell_model). The const methods only read the model
 *  and may run from many threads at once; see kcell.h for the rest. */
class Model {
 public:
  /** Creates a model (kcell_model_create()). */
  Model(const std::string& architecture, int channels, int height, int width, int num_classes,
        uint64_t seed = 42) {
    kcell_model* raw = nullptr;
    check(
        kcell_model_create(architecture.c_str(), channels, height, width, num_classes, seed, &raw));
    handle_.reset(raw);
  }
  /** Loads a model file (kcell_model_load()). */
  static Model load(const std::string& path) {
    kcell_model* raw = nullptr;
    check(kcell_model_load(path.c_str(), &raw));
    return Model(raw);
  }
  /** An ensemble of @p members, which are copied (kcell_model_ensemble_create()). */
  static Model ensemble(const std::vector<const Model*>& members) {
    std::vector<const kcell_model*> handles;
    handles.reserve(members.size());
    for (const Model* m : members) handles.push_back(m ? m->get() : nullptr);
    kcell_model* raw = nullptr;
    check(kcell_model_ensemble_create(handles.empty() ? nullptr : handles.data(), handles.size(),
                                      &raw));
    return Model(raw);
  }
  /** Number of members of an ensemble, 1 for a single model (kcell_model_member_count()). */
  size_t member_count() const {
    size_t n = 0;
    check(kcell_model_member_count(get(), &n));
    return n;
  }
  /** Loads a model from the bytes of a model file (kcell_model_load_from_memory()). */
  static Model load_from_memory(const void* data, size_t size) {
    kcell_model* raw = nullptr;
    check(kcell_model_load_from_memory(data, size, &raw));
    return Model(raw);
  }
  /** Loads a model from the bytes of a model file (kcell_model_load_from_memory()). */
  static Model load_from_memory(const std::vector<uint8_t>& bytes) {
    return load_from_memory(bytes.data(), bytes.size());
  }

  /** Trains on @p train, validating on @p val if given (kcell_train()). A @p progress
   *  callback replaces the one in @p params for this call. */
  void train(const Dataset& train, const Dataset* val, const kcell_train_params& params,
             History* history = nullptr, const ProgressCallback& progress = nullptr) {
    kcell_train_params p = params;
    Bridge bridge{&progress, nullptr};
    if (progress) {
      p.progress = &Bridge::call;
      p.progress_user_data = &bridge;
    }
    const kcell_status status = kcell_train(get(), train.get(), val ? val->get() : nullptr, &p,
                                            history ? history->get() : nullptr);
    if (bridge.error) std::rethrow_exception(bridge.error);
    check(status);
  }
  /** Metrics on one split (kcell_evaluate()). */
  kcell_metrics evaluate(const Dataset& data, kcell_split split) const {
    kcell_metrics metrics{};
    metrics.struct_size = sizeof metrics;
    check(kcell_evaluate(get(), data.get(), split, &metrics));
    return metrics;
  }
  /** Metrics, per-class metrics and confusion matrix on one split (kcell_evaluate_details()). */
  EvaluationDetails evaluate_details(const Dataset& data, kcell_split split) const {
    const size_t k = static_cast<size_t>(info().num_classes);
    EvaluationDetails out{};
    out.metrics.struct_size = sizeof out.metrics;
    out.per_class.resize(k);
    if (task() != KCELL_TASK_MULTI_LABEL) out.confusion.resize(k * k);
    check(kcell_evaluate_details(
        get(), data.get(), split, &out.metrics, out.per_class.data(), out.per_class.size(),
        out.confusion.empty() ? nullptr : out.confusion.data(), out.confusion.size()));
    return out;
  }

  /** Class probabilities, count × classes, for uint8 images (kcell_predict()). */
  std::vector<float> predict(const uint8_t* images, size_t count,
                             kcell_layout layout = KCELL_LAYOUT_NCHW) const {
    std::vector<float> probabilities(count * static_cast<size_t>(info().num_classes));
    check(kcell_predict(get(), images, count, layout, probabilities.data(), probabilities.size()));
    return probabilities;
  }
  /** Class probabilities, count × classes, for normalised float images
   *  (kcell_predict_normalized()). */
  std::vector<float> predict_normalized(const float* images, size_t count) const {
    std::vector<float> probabilities(count * static_cast<size_t>(info().num_classes));
    check(
        kcell_predict_normalized(get(), images, count, probabilities.data(), probabilities.size()));
    return probabilities;
  }
  /** Arithmetic of later predictions and evaluations (kcell_model_set_inference_precision()). */
  void set_inference_precision(kcell_precision precision) {
    check(kcell_model_set_inference_precision(get(), precision));
  }
  /** Calibrates int8 inference on the first @p max_images images of @p split (0: all)
   *  (kcell_model_calibrate_int8()). */
  void calibrate_int8(const Dataset& data, kcell_split split, size_t max_images = 0) {
    check(kcell_model_calibrate_int8(get(), data.get(), split, max_images));
  }

  /** Saves to a file, atomically replacing it (kcell_model_save()). */
  void save(const std::string& path) const { check(kcell_model_save(get(), path.c_str())); }
  /** Writes an ONNX file of the model, atomically (kcell_model_export_onnx()). */
  void export_onnx(const std::string& path) const {
    check(kcell_model_export_onnx(get(), path.c_str()));
  }
  /** The bytes of a model file (kcell_model_save_to_memory(), then kcell_free()). */
  std::vector<uint8_t> save_to_memory() const {
    void* data = nullptr;
    size_t size = 0;
    check(kcell_model_save_to_memory(get(), &data, &size));
    const std::unique_ptr<void, detail::Deleter<void, kcell_free>> owner(data);
    const auto* bytes = static_cast<const uint8_t*>(data);
    return std::vector<uint8_t>(bytes, bytes + size);
  }

  /** Input shape, classes and training so far (kcell_model_get_info()). */
  kcell_model_info info() const {
    kcell_model_info out{};
    out.struct_size = sizeof out;
    check(kcell_model_get_info(get(), &out));
    return out;
  }
  /** Number of trainable parameters (kcell_model_num_params()). */
  size_t num_params() const {
    size_t n = 0;
    check(kcell_model_num_params(get(), &n));
    return n;
  }
  /** The architecture as canonical spec text (kcell_model_architecture()). */
  std::string architecture() const {
    return detail::copy_text([this](char* buffer, size_t capacity, size_t* needed) {
      return kcell_model_architecture(get(), buffer, capacity, needed);
    });
  }
  /** A Keras-style summary, one line per layer (kcell_model_summary()). */
  std::string summary() const {
    return detail::copy_text([this](char* buffer, size_t capacity, size_t* needed) {
      return kcell_model_summary(get(), buffer, capacity, needed);
    });
  }
  /** The input normalisation, one mean and std per channel (kcell_model_normalization()). */
  Normalization normalization() const {
    const size_t channels = static_cast<size_t>(info().channels);
    Normalization out{std::vector<float>(channels), std::vector<float>(channels)};
    check(kcell_model_normalization(get(), out.mean.data(), out.std.data(), channels));
    return out;
  }
  /** Names the classes in label order; empty restores "0" .. "k-1"
   *  (kcell_model_set_class_names()). */
  void set_class_names(const std::vector<std::string>& names) {
    std::vector<const char*> pointers;
    pointers.reserve(names.size());
    for (const std::string& name : names) pointers.push_back(name.c_str());
    check(kcell_model_set_class_names(get(), pointers.empty() ? nullptr : pointers.data(),
                                      pointers.size()));
  }
  /** The memory training needs besides the pixels, as {parameters, activations, runtime}
   *  bytes (kcell_model_training_memory()). */
  std::vector<uint64_t> training_memory(int batch_size) const {
    std::vector<uint64_t> bytes(3);
    check(kcell_model_training_memory(get(), batch_size, &bytes[0], &bytes[1], &bytes[2]));
    return bytes;
  }
  /** The name of class @p index (kcell_model_class_name()). */
  std::string class_name(int index) const {
    return detail::copy_text([this, index](char* buffer, size_t capacity, size_t* needed) {
      return kcell_model_class_name(get(), index, buffer, capacity, needed);
    });
  }
  /** Every class name, in label order. */
  std::vector<std::string> class_names() const {
    const int k = info().num_classes;
    std::vector<std::string> names;
    names.reserve(static_cast<size_t>(k));
    for (int c = 0; c < k; ++c) names.push_back(class_name(c));
    return names;
  }

  /** The per-class decision bias fitted on validation; empty when the model has none
   *  (kcell_model_decision_bias()). */
  std::vector<float> decision_bias() const {
    std::vector<float> bias(static_cast<size_t>(info().num_classes));
    size_t count = 0;
    check(kcell_model_decision_bias(get(), bias.data(), bias.size(), &count));
    bias.resize(count);
    return bias;
  }
  /** How the decision bias came to be: a ::kcell_decision (kcell_model_decision_rule()). */
  kcell_decision decision_rule() const {
    int32_t rule = KCELL_DECISION_ARGMAX;
    check(kcell_model_decision_rule(get(), &rule));
    return static_cast<kcell_decision>(rule);
  }
  /** Sets the decision bias (one value per class), or removes it when @p bias is empty
   *  (kcell_model_set_decision_bias()). */
  void set_decision_bias(const std::vector<float>& bias) {
    check(kcell_model_set_decision_bias(get(), bias.empty() ? nullptr : bias.data(), bias.size()));
  }
  /** The test-time augmentation of predictions and evaluations (kcell_model_tta()). */
  kcell_tta tta() const {
    int32_t tta = KCELL_TTA_NONE;
    check(kcell_model_tta(get(), &tta));
    return static_cast<kcell_tta>(tta);
  }
  /** Sets the test-time augmentation (kcell_model_set_tta()). */
  void set_tta(kcell_tta tta) { check(kcell_model_set_tta(get(), tta)); }
  /** The task of the outputs (kcell_model_task()). */
  kcell_task task() const {
    int32_t task = KCELL_TASK_MULTI_CLASS;
    check(kcell_model_task(get(), &task));
    return static_cast<kcell_task>(task);
  }
  /** Sets the task of the outputs (kcell_model_set_task()). */
  void set_task(kcell_task task) { check(kcell_model_set_task(get(), task)); }

  /** Calibration metrics and conformal coverage on one split (kcell_evaluate_calibration()). */
  CalibrationDetails evaluate_calibration(const Dataset& data, kcell_split split) const {
    CalibrationDetails out{};
    out.calibration.struct_size = sizeof out.calibration;
    out.class_coverage.resize(static_cast<size_t>(info().num_classes));
    check(kcell_evaluate_calibration(get(), data.get(), split, &out.calibration,
                                     out.class_coverage.data(), out.class_coverage.size()));
    return out;
  }
  /** Metrics, per-class metrics, confusion matrix and calibration metrics on one split, from
   *  one pass over it (kcell_evaluate_full()). */
  FullEvaluation evaluate_full(const Dataset& data, kcell_split split) const {
    const size_t k = static_cast<size_t>(info().num_classes);
    const bool multi_label = task() == KCELL_TASK_MULTI_LABEL;
    FullEvaluation out{};
    EvaluationDetails& d = out.details;
    CalibrationDetails& c = out.calibration;
    d.metrics.struct_size = sizeof d.metrics;
    d.per_class.resize(k);
    if (!multi_label) d.confusion.resize(k * k);
    c.calibration.struct_size = sizeof c.calibration;
    c.class_coverage.resize(k);
    check(kcell_evaluate_full(get(), data.get(), split, &d.metrics, d.per_class.data(),
                              d.per_class.size(), multi_label ? nullptr : d.confusion.data(),
                              d.confusion.size(), multi_label ? nullptr : &c.calibration,
                              c.class_coverage.data(), c.class_coverage.size()));
    return out;
  }
  /** Fits the temperature and, with @p alpha > 0, conformal sets (kcell_model_calibrate()). */
  kcell_calibration_fit calibrate(const Dataset& data, kcell_split split, double alpha = 0.0) {
    kcell_calibration_fit fit{};
    fit.struct_size = sizeof fit;
    check(kcell_model_calibrate(get(), data.get(), split, alpha, &fit));
    return fit;
  }
  /** The temperature dividing the logits (kcell_model_temperature()). */
  double temperature() const {
    double t = 1.0;
    check(kcell_model_temperature(get(), &t));
    return t;
  }
  /** Sets the temperature (kcell_model_set_temperature()). */
  void set_temperature(double temperature) {
    check(kcell_model_set_temperature(get(), temperature));
  }
  /** The conformal alpha (0: none) and LAC quantile (kcell_model_conformal()). */
  std::pair<double, double> conformal() const {
    double alpha = 0.0, quantile = 0.0;
    check(kcell_model_conformal(get(), &alpha, &quantile));
    return {alpha, quantile};
  }
  /** count × k set flags for probabilities of this model (kcell_prediction_sets()). */
  std::vector<uint8_t> prediction_sets(const std::vector<float>& probabilities) const {
    const size_t k = static_cast<size_t>(info().num_classes);
    std::vector<uint8_t> in_set(probabilities.size() / k * k);
    check(kcell_prediction_sets(get(), probabilities.data(), probabilities.size() / k,
                                in_set.data(), in_set.size()));
    return in_set;
  }

  /** Saliency maps of @p count uint8 images for @p target_class, or each image's predicted
   *  class with -1 (kcell_explain()). */
  Explanation explain(const uint8_t* images, size_t count, int32_t target_class = -1,
                      const kcell_explain_options& options = default_explain_options(),
                      kcell_layout layout = KCELL_LAYOUT_NCHW) const {
    const kcell_model_info i = info();
    Explanation out;
    out.maps.resize(count * static_cast<size_t>(i.height) * static_cast<size_t>(i.width));
    out.classes.resize(count);
    check(kcell_explain(get(), images, count, layout, target_class, &options, out.maps.data(),
                        out.maps.size(), out.classes.data()));
    return out;
  }

  /** The C handle, still owned by this object. */
  kcell_model* get() const noexcept { return handle_.get(); }

 private:
  // Calls the std::function from C: no exception may unwind through kcell_train().
  struct Bridge {
    const ProgressCallback* callback;
    std::exception_ptr error;
    static int call(const kcell_progress* progress, void* user_data) noexcept {
      Bridge& self = *static_cast<Bridge*>(user_data);
      try {
        return (*self.callback)(*progress) ? 1 : 0;
      } catch (...) {
        self.error = std::current_exception();
        return 1;
      }
    }
  };

  explicit Model(kcell_model* raw) { handle_.reset(raw); }
  std::unique_ptr<kcell_model, detail::Deleter<kcell_model, kcell_model_free>> handle_;
};

}  // namespace kcell

#endif /* KCELL_KCELL_HPP */

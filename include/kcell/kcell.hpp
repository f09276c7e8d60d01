/**
 * @file kcell.hpp
 * @brief Header-only C++17 wrapper over kcell.h: RAII handles and exceptions.
 *
 * It adds no behaviour of its own: every method calls one C function, and a status other
 * than ::KCELL_OK becomes a kcell::Error carrying the status and kcell_last_error().
 * The thread-safety rules of the C handles apply unchanged.
 */
#ifndef KCELL_KCELL_HPP
#define KCELL_KCELL_HPP

#include <kcell/kcell.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kcell {

/** A failed kcell call: the status and the library's message. */
class Error : public std::runtime_error {
 public:
  /** Makes an error from a status and message. */
  Error(kcell_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  /** The status the C call returned. */
  kcell_status status() const noexcept { return status_; }

 private:
  kcell_status status_;
};

/** Throws kcell::Error with kcell_last_error() unless @p status is ::KCELL_OK. */
inline void check(kcell_status status) {
  if (status != KCELL_OK) throw Error(status, kcell_last_error());
}

namespace detail {
template <class T, void (*Free)(T *)>
struct Deleter {
  void operator()(T *p) const noexcept { Free(p); }
};
}  // namespace detail

/** An opened dataset (see ::kcell_dataset). */
class Dataset {
 public:
  /** Opens a file or folder (kcell_dataset_open()). */
  explicit Dataset(const std::string &path, const kcell_open_options *options = nullptr) {
    kcell_dataset *raw = nullptr;
    check(kcell_dataset_open(path.c_str(), options, &raw));
    handle_.reset(raw);
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
  std::vector<uint8_t> image(kcell_split split, size_t index, int32_t *label = nullptr) const {
    const auto chw = shape();
    std::vector<uint8_t> pixels(static_cast<size_t>(chw[0]) * chw[1] * chw[2]);
    check(kcell_dataset_image(get(), split, index, pixels.data(), pixels.size(), label));
    return pixels;
  }
  /** Images per class in @p split (kcell_dataset_class_histogram()). */
  std::vector<size_t> class_histogram(kcell_split split) const {
    std::vector<size_t> counts(static_cast<size_t>(num_classes()));
    check(kcell_dataset_class_histogram(get(), split, counts.data(), counts.size()));
    return counts;
  }
  /** The C handle, still owned by this object. */
  kcell_dataset *get() const noexcept { return handle_.get(); }

 private:
  std::unique_ptr<kcell_dataset, detail::Deleter<kcell_dataset, kcell_dataset_free>> handle_;
};

/** Per-epoch training statistics (see ::kcell_history). */
class History {
 public:
  /** Creates an empty history (kcell_history_create()). */
  History() {
    kcell_history *raw = nullptr;
    check(kcell_history_create(&raw));
    handle_.reset(raw);
  }
  /** Every recorded epoch, in order. */
  std::vector<kcell_epoch_stats> epochs() const {
    size_t n = 0;
    check(kcell_history_count(get(), &n));
    std::vector<kcell_epoch_stats> out(n);
    for (size_t i = 0; i < n; ++i) check(kcell_history_epoch(get(), i, &out[i]));
    return out;
  }
  /** Record index of the best epoch of the latest run, or -1 (kcell_history_best_epoch()). */
  int best_epoch() const {
    int best = -1;
    check(kcell_history_best_epoch(get(), &best));
    return best;
  }
  /** The C handle, still owned by this object. */
  kcell_history *get() const noexcept { return handle_.get(); }

 private:
  std::unique_ptr<kcell_history, detail::Deleter<kcell_history, kcell_history_free>> handle_;
};

/** Training settings with the library's defaults (kcell_train_params_default()). */
inline kcell_train_params default_train_params() {
  kcell_train_params params;
  check(kcell_train_params_default(&params));
  return params;
}

/** Everything kcell_evaluate_details() reports about one split. */
struct EvaluationDetails {
  kcell_metrics metrics;                      /**< Summary metrics. */
  std::vector<kcell_class_metrics> per_class; /**< One record per class. */
  std::vector<uint64_t> confusion;            /**< k × k, row = true class. */
};

/** A network with its weights (see ::kcell_model). */
class Model {
 public:
  /** Creates a model (kcell_model_create()). */
  Model(const std::string &architecture, int channels, int height, int width, int num_classes,
        uint64_t seed = 42) {
    kcell_model *raw = nullptr;
    check(kcell_model_create(architecture.c_str(), channels, height, width, num_classes, seed,
                             &raw));
    handle_.reset(raw);
  }
  /** Trains on @p train, validating on @p val if given (kcell_train()). */
  void train(const Dataset &train, const Dataset *val, const kcell_train_params &params,
             History *history = nullptr) {
    check(kcell_train(get(), train.get(), val ? val->get() : nullptr, &params,
                      history ? history->get() : nullptr));
  }
  /** Metrics on one split (kcell_evaluate()). */
  kcell_metrics evaluate(const Dataset &data, kcell_split split) {
    kcell_metrics metrics{};
    metrics.struct_size = sizeof metrics;
    check(kcell_evaluate(get(), data.get(), split, &metrics));
    return metrics;
  }
  /** Loads a model file (kcell_model_load()). */
  static Model load(const std::string &path) {
    kcell_model *raw = nullptr;
    check(kcell_model_load(path.c_str(), &raw));
    return Model(raw);
  }
  /** Saves to a file, atomically replacing it (kcell_model_save()). */
  void save(const std::string &path) const { check(kcell_model_save(get(), path.c_str())); }
  /** Input shape, classes and training so far (kcell_model_get_info()). */
  kcell_model_info info() const {
    kcell_model_info out{};
    out.struct_size = sizeof out;
    check(kcell_model_get_info(get(), &out));
    return out;
  }
  /** Class probabilities, count × classes, for uint8 images (kcell_predict()). */
  std::vector<float> predict(const uint8_t *images, size_t count,
                             kcell_layout layout = KCELL_LAYOUT_NCHW) {
    std::vector<float> probabilities(count * static_cast<size_t>(info().num_classes));
    check(kcell_predict(get(), images, count, layout, probabilities.data(),
                        probabilities.size()));
    return probabilities;
  }
  /** Arithmetic of later predictions and evaluations (kcell_model_set_inference_precision()). */
  void set_inference_precision(kcell_precision precision) {
    check(kcell_model_set_inference_precision(get(), precision));
  }
  /** Calibrates int8 inference on the first @p max_images images of @p split (0: all)
   *  (kcell_model_calibrate_int8()). */
  void calibrate_int8(const Dataset &data, kcell_split split, size_t max_images = 0) {
    check(kcell_model_calibrate_int8(get(), data.get(), split, max_images));
  }
  /** Metrics, per-class metrics and confusion matrix on one split (kcell_evaluate_details()). */
  EvaluationDetails evaluate_details(const Dataset &data, kcell_split split) {
    const size_t k = static_cast<size_t>(info().num_classes);
    EvaluationDetails out{};
    out.metrics.struct_size = sizeof out.metrics;
    out.per_class.resize(k);
    out.confusion.resize(k * k);
    check(kcell_evaluate_details(get(), data.get(), split, &out.metrics, out.per_class.data(),
                                 out.per_class.size(), out.confusion.data(),
                                 out.confusion.size()));
    return out;
  }
  /** Number of trainable parameters (kcell_model_num_params()). */
  size_t num_params() const {
    size_t n = 0;
    check(kcell_model_num_params(get(), &n));
    return n;
  }
  /** The C handle, still owned by this object. */
  kcell_model *get() const noexcept { return handle_.get(); }

 private:
  explicit Model(kcell_model *raw) { handle_.reset(raw); }
  std::unique_ptr<kcell_model, detail::Deleter<kcell_model, kcell_model_free>> handle_;
};

}  // namespace kcell

#endif /* KCELL_KCELL_HPP */

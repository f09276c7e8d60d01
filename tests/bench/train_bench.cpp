// Training benchmark through the public C API: opens a dataset, trains a preset with the
// settings the PyTorch peer (torch_reference.py) uses (Adam lr 1e-3, L2 weight decay 1e-4,
// no augmentation, inputs normalised by the training mean / std) and prints one JSON line.
//
//   kcell_bench_train --data PATH [--model reference] [--batch 128] [--threads 2]
//                     [--epochs 1] [--batches N] [--warmup 5] [--limit N]
//                     [--precision fp32|bf16] [--validate] [--evaluate]
//
// --batches N  stop after N timed batches (the warm-up batches come first); 0 (default)
//              trains whole epochs.
// --limit N    train on the first N training images only (copied into a new dataset).
// --validate   validate on the validation split after every epoch, as training usually
//              does (epoch seconds still count the training part only).
// --evaluate   report test accuracy after training (needs a test split), and also with
//              int8 inference after calibrating on 2,000 validation images (or training
//              images when there is no validation split).
//
// Reported: steady images/s (first epoch, after the warm-up batches), each epoch's
// training seconds, the wall time of the whole kcell_train call, forward FLOPs per image
// (the model summary's convention) and peak resident memory (getrusage ru_maxrss) of the
// process, which holds the whole opened dataset.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "kcell/kcell.h"
#include "spec/architecture.hpp"
#include "spec/summary.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string data, model = "reference", precision = "fp32";
  int batch = 128, threads = 2, epochs = 1, batches = 0, warmup = 5;
  size_t limit = 0;
  bool evaluate = false, validate = false;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--evaluate" || flag == "--validate") {
      (flag == "--evaluate" ? o.evaluate : o.validate) = true;
      continue;
    }
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (flag == "--data")
      o.data = v;
    else if (flag == "--model")
      o.model = v;
    else if (flag == "--precision")
      o.precision = v;
    else if (flag == "--batch")
      o.batch = std::atoi(v);
    else if (flag == "--threads")
      o.threads = std::atoi(v);
    else if (flag == "--epochs")
      o.epochs = std::atoi(v);
    else if (flag == "--batches")
      o.batches = std::atoi(v);
    else if (flag == "--warmup")
      o.warmup = std::atoi(v);
    else if (flag == "--limit")
      o.limit = std::strtoull(v, nullptr, 10);
    else
      return false;
  }
  return !o.data.empty() && o.batch > 0 && o.threads > 0 && o.epochs > 0 && o.batches >= 0 &&
         o.warmup >= 0 && (o.precision == "fp32" || o.precision == "bf16");
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0 / 1e6;  // ru_maxrss is in KiB on Linux
}

struct Timing {
  int warmup = 0, timed_batches = 0, batch_size = 0;
  double warm_seconds = 0.0, steady_images_per_s = 0.0;
  std::vector<double> epoch_seconds;
};

int on_progress(const kcell_progress* p, void* user) {
  Timing& t = *static_cast<Timing*>(user);
  if (p->phase == 1) return 0;
  if (p->batch == p->batches) t.epoch_seconds.push_back(p->seconds);
  if (p->epoch != 0) return 0;
  const int b = static_cast<int>(p->batch);
  if (b == t.warmup) t.warm_seconds = p->seconds;
  if (b > t.warmup)
    t.steady_images_per_s =
        static_cast<double>(b - t.warmup) * t.batch_size / (p->seconds - t.warm_seconds);
  return (t.timed_batches > 0 && b >= t.warmup + t.timed_batches) ? 1 : 0;  // 1 cancels
}

bool failed(kcell_status s, const char* what) {
  if (s == KCELL_OK) return false;
  std::fprintf(stderr, "%s failed: %s: %s\n", what, kcell_status_string(s), kcell_last_error());
  return true;
}

// The first `limit` training images of `full` as a dataset of their own (train split only).
kcell_dataset* first_images(const kcell_dataset* full, size_t limit) {
  int c = 0, h = 0, w = 0, k = 0;
  kcell_dataset_shape(full, &c, &h, &w);
  kcell_dataset_num_classes(full, &k);
  const size_t image = static_cast<size_t>(c) * h * w;
  std::vector<uint8_t> pixels(limit * image);
  std::vector<int32_t> labels(limit);
  for (size_t i = 0; i < limit; ++i)
    if (failed(
            kcell_dataset_image(full, KCELL_SPLIT_TRAIN, i, &pixels[i * image], image, &labels[i]),
            "copying an image"))
      return nullptr;
  kcell_split_buffers train{pixels.data(), labels.data(), limit};
  kcell_dataset* out = nullptr;
  if (failed(kcell_dataset_create(c, h, w, k, &train, nullptr, nullptr, &out), "subset"))
    return nullptr;
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: %s --data PATH [--model NAME] [--batch B] [--threads T] [--epochs E] "
                 "[--batches N] [--warmup W] [--limit N] [--precision fp32|bf16] "
                 "[--validate] [--evaluate]\n",
                 argv[0]);
    return 2;
  }
  const Clock::time_point open_start = Clock::now();
  kcell_dataset* data = nullptr;
  if (failed(kcell_dataset_open(o.data.c_str(), nullptr, &data), "opening the dataset")) return 1;
  const double open_seconds = seconds_since(open_start);
  size_t n_train = 0;
  int c = 0, h = 0, w = 0, k = 0;
  kcell_dataset_count(data, KCELL_SPLIT_TRAIN, &n_train);
  kcell_dataset_shape(data, &c, &h, &w);
  kcell_dataset_num_classes(data, &k);

  kcell_dataset* subset = nullptr;
  if (o.limit > 0 && o.limit < n_train) {
    subset = first_images(data, o.limit);
    if (!subset) return 1;
    n_train = o.limit;
  }

  kcell_model* model = nullptr;
  if (failed(kcell_model_create(o.model.c_str(), c, h, w, k, 1, &model), "creating the model"))
    return 1;
  size_t params_count = 0;
  kcell_model_num_params(model, &params_count);
  // Forward FLOPs per image as the model summary counts them (docs/architecture.md).
  long long flops = 0;
  try {
    flops =
        kcell::spec::summarize(kcell::spec::parse_architecture(o.model), c, h, w, k).total_flops;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "summary failed: %s\n", e.what());
    return 1;
  }

  Timing timing;
  timing.warmup = o.warmup;
  timing.timed_batches = o.batches;
  timing.batch_size = o.batch;
  kcell_train_params params;
  kcell_train_params_default(&params);
  params.epochs = o.epochs;
  params.batch_size = o.batch;
  params.optimizer = KCELL_OPTIMIZER_ADAM;
  params.learning_rate = 1e-3;
  params.weight_decay = 1e-4;
  params.num_threads = o.threads;
  params.precision = o.precision == "bf16" ? KCELL_PRECISION_BF16 : KCELL_PRECISION_FP32;
  params.progress = on_progress;
  params.progress_user_data = &timing;

  const Clock::time_point train_start = Clock::now();
  const kcell_status st =
      kcell_train(model, subset ? subset : data, o.validate ? data : nullptr, &params, nullptr);
  const double train_seconds = seconds_since(train_start);
  if (st != KCELL_ERROR_CANCELLED && failed(st, "training")) return 1;

  double test_accuracy = -1.0, int8_test_accuracy = -1.0;
  if (o.evaluate) {
    kcell_metrics m;
    std::memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    if (failed(kcell_evaluate(model, data, KCELL_SPLIT_TEST, &m), "evaluating")) return 1;
    test_accuracy = m.accuracy;
    size_t n_val = 0;
    kcell_dataset_count(data, KCELL_SPLIT_VAL, &n_val);
    const kcell_split calibration = n_val > 0 ? KCELL_SPLIT_VAL : KCELL_SPLIT_TRAIN;
    if (failed(kcell_model_calibrate_int8(model, data, calibration, 2000), "calibrating") ||
        failed(kcell_model_set_inference_precision(model, KCELL_PRECISION_INT8), "int8") ||
        failed(kcell_evaluate(model, data, KCELL_SPLIT_TEST, &m), "evaluating in int8"))
      return 1;
    int8_test_accuracy = m.accuracy;
  }

  std::printf(
      "{\"what\": \"kcell_train\", \"model\": \"%s\", \"precision\": \"%s\", "
      "\"params\": %zu, \"forward_flops_per_image\": %lld, \"batch\": %d, "
      "\"threads\": %d, \"train_images\": %zu, \"open_seconds\": %.3f, "
      "\"images_per_s\": %.1f, \"epoch_seconds\": [",
      o.model.c_str(), o.precision.c_str(), params_count, flops, o.batch, o.threads, n_train,
      open_seconds, timing.steady_images_per_s);
  for (size_t i = 0; i < timing.epoch_seconds.size(); ++i)
    std::printf("%s%.3f", i ? ", " : "", timing.epoch_seconds[i]);
  std::printf("], \"train_call_seconds\": %.3f, \"peak_rss_mb\": %.1f", train_seconds,
              peak_rss_mb());
  if (o.evaluate)
    std::printf(", \"test_accuracy\": %.4f, \"int8_test_accuracy\": %.4f", test_accuracy,
                int8_test_accuracy);
  std::printf("}\n");
  kcell_model_free(model);
  kcell_dataset_free(subset);
  kcell_dataset_free(data);
  return 0;
}

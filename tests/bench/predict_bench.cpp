// Inference speed through the public C API: batch-1 latency and batched images/s of
// kcell_predict() for the presets (or a saved model). One JSON object per line on stdout,
// so scripts (run_benchmarks.py) can read it; tests/bench/torch_predict.py prints the same
// for PyTorch.
//
//   kcell_bench_predict [--presets reference,resnet18] [--threads 2] [--batches 64,256] ...
//   kcell_bench_predict --extras sets,gradcam,input_gradient   (what the extras cost at batch 1)
//   kcell_bench_predict --help
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kcell/kcell.h"

namespace {

const char* const kUsage =
    "usage: kcell_bench_predict [options]\n"
    "Measures kcell_predict() on random uint8 images, one JSON line per measurement.\n"
    "  --presets LIST        comma-separated presets (default reference,resnet18)\n"
    "  --model FILE          measure a saved model instead of the presets\n"
    "  --threads N           compute threads, kcell_set_num_threads (default 2)\n"
    "  --channels C          input channels for presets (default 1)\n"
    "  --size S              input height and width for presets (default 28)\n"
    "  --classes K           classes for presets (default 8)\n"
    "  --precision P         fp32, bf16 or int8 (default fp32; int8 calibrates on the\n"
    "                        benchmark's own images)\n"
    "  --latency-images N    single-image calls timed for batch-1 latency (default 500;\n"
    "                        0 skips the latency measurement)\n"
    "  --batches LIST        batch sizes for throughput (default 64,256; empty skips)\n"
    "  --seconds S           minimum timed seconds per throughput measurement (default 2)\n"
    "  --min-batches N       minimum timed batches per throughput measurement (default 5)\n"
    "  --extras LIST         batch-1 latency of what [15] adds, as extra variants: sets\n"
    "                        (predict, then kcell_prediction_sets), gradcam and\n"
    "                        input_gradient (kcell_explain); any of them first calibrates\n"
    "                        the model (temperature and conformal sets at alpha 0.1 on the\n"
    "                        benchmark's images) and times plain prediction again as variant\n"
    "                        \"calibrated\": unused sets must cost nothing\n"
    "  --help                this text\n"
    "Output lines (all times in milliseconds):\n"
    "  {\"bench\":\"predict\",\"impl\":\"kcell\",\"variant\":\"default\",\"model\":..,\n"
    "   \"input\":\"CxHxW\",\n"
    "   \"classes\":..,\"threads\":..,\"precision\":..,\"batch\":B,\"calls\":..,\n"
    "   \"median_ms\":..,\"p10_ms\":..,\"p90_ms\":..,\"mean_ms\":..,\n"
    "   \"images_per_s\":B*1000/median_ms,\"images_per_s_mean\":..}\n"
    "Errors go to stderr with exit status 1; usage errors exit 2.\n";

struct Options {
  std::vector<std::string> presets = {"reference", "resnet18"};
  std::string model_file;
  int threads = 2;
  int channels = 1, size = 28, classes = 8;
  std::string precision = "fp32";
  int latency_images = 500;
  std::vector<int> batches = {64, 256};
  double seconds = 2.0;
  int min_batches = 5;
  std::vector<std::string> extras;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool positive_int(const char* text, int& out, int low = 1) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < low || v > 1 << 20) return false;
  out = static_cast<int>(v);
  return true;
}

// Returns 0 on success, 2 on a usage error, 1 after printing --help.
int parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 1;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s needs a value\n%s", a.c_str(), kUsage);
      return 2;
    }
    const char* v = argv[++i];
    bool ok = true;
    if (a == "--presets") {
      o.presets = split(v);
      ok = !o.presets.empty();
    } else if (a == "--model") {
      o.model_file = v;
    } else if (a == "--threads") {
      ok = positive_int(v, o.threads);
    } else if (a == "--channels") {
      ok = positive_int(v, o.channels);
    } else if (a == "--size") {
      ok = positive_int(v, o.size);
    } else if (a == "--classes") {
      ok = positive_int(v, o.classes, 2);
    } else if (a == "--precision") {
      o.precision = v;
      ok = o.precision == "fp32" || o.precision == "bf16" || o.precision == "int8";
    } else if (a == "--latency-images") {
      ok = positive_int(v, o.latency_images, 0);
    } else if (a == "--batches") {
      o.batches.clear();
      for (const std::string& b : split(v)) {
        int n = 0;
        ok = ok && positive_int(b.c_str(), n);
        o.batches.push_back(n);
      }
    } else if (a == "--seconds") {
      char* end = nullptr;
      o.seconds = std::strtod(v, &end);
      ok = end != v && *end == '\0' && o.seconds >= 0.0 && o.seconds < 3600.0;
    } else if (a == "--min-batches") {
      ok = positive_int(v, o.min_batches);
    } else if (a == "--extras") {
      o.extras = split(v);
      for (const std::string& e : o.extras)
        ok = ok && (e == "sets" || e == "gradcam" || e == "input_gradient");
    } else {
      std::fprintf(stderr, "unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "bad value '%s' for %s\n%s", v, a.c_str(), kUsage);
      return 2;
    }
  }
  return 0;
}

bool check(kcell_status s, const char* what) {
  if (s == KCELL_OK) return true;
  std::fprintf(stderr, "%s: %s: %s\n", what, kcell_status_string(s), kcell_last_error());
  return false;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Model {
  kcell_model* handle = nullptr;
  std::string name;
  kcell_model_info info{};
  ~Model() { kcell_model_free(handle); }
};

void report(const Model& m, const Options& o, int batch, std::vector<double> ms,
            const char* variant = "default") {
  std::sort(ms.begin(), ms.end());
  double total = 0.0;
  for (double t : ms) total += t;
  const auto at = [&](double q) { return ms[static_cast<size_t>(q * (ms.size() - 1) + 0.5)]; };
  const double median = at(0.5);
  std::printf(
      "{\"bench\":\"predict\",\"impl\":\"kcell\",\"variant\":\"%s\",\"model\":\"%s\","
      "\"input\":\"%dx%dx%d\","
      "\"classes\":%d,\"threads\":%d,\"precision\":\"%s\",\"batch\":%d,\"calls\":%zu,"
      "\"median_ms\":%.4f,\"p10_ms\":%.4f,\"p90_ms\":%.4f,\"mean_ms\":%.4f,"
      "\"images_per_s\":%.1f,\"images_per_s_mean\":%.1f}\n",
      variant, m.name.c_str(), m.info.channels, m.info.height, m.info.width, m.info.num_classes,
      o.threads, o.precision.c_str(), batch, ms.size(), median, at(0.1), at(0.9),
      total / static_cast<double>(ms.size()), batch * 1e3 / median,
      batch * 1e3 * static_cast<double>(ms.size()) / total);
  std::fflush(stdout);
}

// int8 needs a calibration: the images the benchmark predicts, as a training split.
bool calibrate(Model& m, const std::vector<uint8_t>& images, size_t count) {
  const std::vector<int32_t> labels(count, 0);
  const kcell_split_buffers split = {images.data(), labels.data(), count};
  kcell_dataset* data = nullptr;
  const bool ok =
      check(kcell_dataset_create(m.info.channels, m.info.height, m.info.width, m.info.num_classes,
                                 &split, nullptr, nullptr, &data),
            "calibration images") &&
      check(kcell_model_calibrate_int8(m.handle, data, KCELL_SPLIT_TRAIN, 0), "calibration");
  kcell_dataset_free(data);
  return ok;
}

// --extras: temperature and conformal sets at alpha 0.1, fitted on the benchmark's images
// labelled round-robin (the speed of prediction does not depend on how good they are).
bool calibrate_conformal(Model& m, const std::vector<uint8_t>& images, size_t count) {
  std::vector<int32_t> labels(count);
  for (size_t i = 0; i < count; ++i) labels[i] = static_cast<int32_t>(i % m.info.num_classes);
  const kcell_split_buffers split = {images.data(), labels.data(), count};
  kcell_dataset* data = nullptr;
  const bool ok =
      check(kcell_dataset_create(m.info.channels, m.info.height, m.info.width, m.info.num_classes,
                                 &split, &split, nullptr, &data),
            "calibration images") &&
      check(kcell_model_calibrate(m.handle, data, KCELL_SPLIT_VAL, 0.1, nullptr), "calibration");
  kcell_dataset_free(data);
  return ok;
}

bool measure(Model& m, const Options& o) {
  const size_t image = static_cast<size_t>(m.info.channels) * static_cast<size_t>(m.info.height) *
                       static_cast<size_t>(m.info.width);
  const size_t k = static_cast<size_t>(m.info.num_classes);
  int largest = 64;  // distinct images cycled through by the latency loop
  for (int b : o.batches) largest = std::max(largest, b);
  std::vector<uint8_t> images(static_cast<size_t>(largest) * image);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (uint8_t& px : images) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    px = static_cast<uint8_t>(x >> 56);
  }
  if (o.precision == "int8" && !calibrate(m, images, static_cast<size_t>(largest))) return false;
  if (o.precision != "fp32" &&
      !check(kcell_model_set_inference_precision(
                 m.handle, o.precision == "bf16" ? KCELL_PRECISION_BF16 : KCELL_PRECISION_INT8),
             "inference precision"))
    return false;
  std::vector<float> probs(static_cast<size_t>(largest) * k);
  const auto predict = [&](size_t first, int n) {
    return check(kcell_predict(m.handle, images.data() + first * image, static_cast<size_t>(n),
                               KCELL_LAYOUT_NCHW, probs.data(), probs.size()),
                 "kcell_predict");
  };

  // Batch-1 latency of `call(first image)`, after warm-up calls (contexts, JIT kernels, caches).
  const auto latency = [&](const char* variant, const auto& call) {
    for (int i = 0; i < 20; ++i)
      if (!call(static_cast<size_t>(i % 64))) return false;
    std::vector<double> ms;
    for (int i = 0; i < o.latency_images; ++i) {
      const double t0 = now_ms();
      if (!call(static_cast<size_t>(i % 64))) return false;
      ms.push_back(now_ms() - t0);
    }
    report(m, o, 1, ms, variant);
    return true;
  };
  const auto predict_one = [&](size_t first) { return predict(first, 1); };
  if (o.latency_images > 0 && !latency("default", predict_one)) return false;
  for (int batch : o.batches) {
    for (int i = 0; i < 3; ++i)
      if (!predict(0, batch)) return false;
    std::vector<double> ms;
    const double start = now_ms();
    while (static_cast<int>(ms.size()) < o.min_batches || now_ms() - start < o.seconds * 1e3) {
      const double t0 = now_ms();
      if (!predict(0, batch)) return false;
      ms.push_back(now_ms() - t0);
    }
    report(m, o, batch, ms);
  }
  if (o.extras.empty() || o.latency_images == 0) return true;
  if (!calibrate_conformal(m, images, static_cast<size_t>(largest))) return false;
  if (!latency("calibrated", predict_one)) return false;
  std::vector<uint8_t> in_set(k);
  std::vector<float> map(image / static_cast<size_t>(m.info.channels));
  for (const std::string& extra : o.extras) {
    if (extra == "sets") {
      const auto with_sets = [&](size_t first) {
        return predict(first, 1) &&
               check(kcell_prediction_sets(m.handle, probs.data(), 1, in_set.data(), in_set.size()),
                     "kcell_prediction_sets");
      };
      if (!latency("sets", with_sets)) return false;
      continue;
    }
    kcell_explain_options options;
    if (!check(kcell_explain_options_default(&options), "explain options")) return false;
    options.method = extra == "gradcam" ? KCELL_SALIENCY_GRADCAM : KCELL_SALIENCY_INPUT_GRADIENT;
    const auto explain = [&](size_t first) {
      return check(kcell_explain(m.handle, images.data() + first * image, 1, KCELL_LAYOUT_NCHW, -1,
                                 &options, map.data(), map.size(), nullptr),
                   "kcell_explain");
    };
    if (!latency(extra.c_str(), explain)) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const int parsed = parse(argc, argv, o);
  if (parsed != 0) return parsed == 1 ? 0 : 2;
  if (!check(kcell_set_num_threads(o.threads), "threads")) return 1;

  std::vector<std::string> names =
      o.model_file.empty() ? o.presets : std::vector<std::string>{o.model_file};
  for (const std::string& name : names) {
    Model m;
    m.name = name;
    const kcell_status s =
        o.model_file.empty()
            ? kcell_model_create(name.c_str(), o.channels, o.size, o.size, o.classes, 1, &m.handle)
            : kcell_model_load(name.c_str(), &m.handle);
    if (!check(s, name.c_str())) return 1;
    m.info.struct_size = sizeof m.info;
    if (!check(kcell_model_get_info(m.handle, &m.info), "model info")) return 1;
    if (!measure(m, o)) return 1;
  }
  return 0;
}

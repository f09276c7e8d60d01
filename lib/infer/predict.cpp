#include "infer/predict.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include "train/normalization.hpp"

namespace kcell::infer {
namespace {

// H × W × C → C × H × W for one image.
void to_planar(const uint8_t* in, size_t pixels, int channels, uint8_t* out) {
  for (size_t p = 0; p < pixels; ++p)
    for (int c = 0; c < channels; ++c)
      out[static_cast<size_t>(c) * pixels + p] = in[p * static_cast<size_t>(channels) + c];
}

}  // namespace

void softmax_rows(const float* logits, size_t n, int k, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const float* z = logits + i * static_cast<size_t>(k);
    float* p = out + i * static_cast<size_t>(k);
    float m = z[0];
    for (int j = 1; j < k; ++j) m = z[j] > m ? z[j] : m;
    double s = 0.0;
    for (int j = 0; j < k; ++j) s += std::exp(static_cast<double>(z[j]) - m);
    const double lse = m + std::log(s);
    for (int j = 0; j < k; ++j) p[j] = static_cast<float>(std::exp(z[j] - lse));
  }
}

void predict(model::Model& model, const uint8_t* images, size_t count, Layout layout,
             float* probabilities) {
  if (count == 0) return;
  const int channels = model.channels();
  const size_t pixels = static_cast<size_t>(model.height()) * static_cast<size_t>(model.width());
  const size_t image = model.input_size();
  const size_t k = static_cast<size_t>(model.num_classes());
  const train::PixelNormalizer normalizer(model.normalization(), channels, pixels);

  std::lock_guard<std::mutex> lock(model.inference_mutex());
  const size_t batch = std::min(count, kPredictBatch);
  std::vector<float> input(batch * image);
  std::vector<uint8_t> planar(layout == Layout::nhwc ? batch * image : 0);
  for (size_t first = 0; first < count; first += batch) {
    const size_t n = std::min(batch, count - first);
    const ptrdiff_t rows = static_cast<ptrdiff_t>(n);
#pragma omp parallel for schedule(static) if (n * image >= (1u << 16))
    for (ptrdiff_t i = 0; i < rows; ++i) {
      const size_t at = static_cast<size_t>(i) * image;
      const uint8_t* src = images + (first + static_cast<size_t>(i)) * image;
      if (layout == Layout::nhwc) {
        to_planar(src, pixels, channels, planar.data() + at);
        src = planar.data() + at;
      }
      normalizer.convert(src, input.data() + at);
    }
    const float* logits = model.network().forward(input.data(), static_cast<int>(n), false);
    softmax_rows(logits, n, static_cast<int>(k), probabilities + first * k);
  }
}

void predict_normalized(model::Model& model, const float* images, size_t count,
                        float* probabilities) {
  if (count == 0) return;
  const size_t image = model.input_size();
  const size_t k = static_cast<size_t>(model.num_classes());
  std::lock_guard<std::mutex> lock(model.inference_mutex());
  for (size_t first = 0; first < count; first += kPredictBatch) {
    const size_t n = std::min(kPredictBatch, count - first);
    // forward() reads the caller's floats directly: no copy is needed.
    const float* logits =
        model.network().forward(images + first * image, static_cast<int>(n), false);
    softmax_rows(logits, n, static_cast<int>(k), probabilities + first * k);
  }
}

}  // namespace kcell::infer

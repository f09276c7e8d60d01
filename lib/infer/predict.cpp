#include "infer/predict.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "infer/model_engine.hpp"
#include "infer/temperature_scaling.hpp"
#include "infer/tta.hpp"
#include "model/normalization.hpp"

namespace kcell::infer {
void to_planar(const uint8_t* in, size_t pixels, int channels, uint8_t* out) {
  for (size_t p = 0; p < pixels; ++p)
    for (int c = 0; c < channels; ++c)
      out[static_cast<size_t>(c) * pixels + p] = in[p * static_cast<size_t>(channels) + c];
}

namespace {

// The logits divided by the model's temperature: z itself at T = 1 (no copy), else a
// tempered copy in `buffer`.
const float* tempered(const float* z, size_t count, double temperature,
                      std::vector<float>& buffer) {
  if (temperature == 1.0) return z;
  buffer.assign(z, z + count);
  apply_temperature(buffer.data(), count, temperature);
  return buffer.data();
}

[[noreturn]] void rethrow_dnnl(const dnnl::error& e) {
  const Status st = e.status == dnnl_out_of_memory ? Status::out_of_memory : Status::internal;
  fail(st, std::string("prediction: oneDNN error: ") + e.what());
}

}  // namespace

void softmax_rows(const float* logits, size_t n, int k, float* out, const float* bias) {
  std::vector<float> shifted(bias ? static_cast<size_t>(k) : 0);
  for (size_t i = 0; i < n; ++i) {
    const float* z = logits + i * static_cast<size_t>(k);
    if (bias) {
      for (int j = 0; j < k; ++j) shifted[j] = z[j] + bias[j];
      z = shifted.data();
    }
    float* p = out + i * static_cast<size_t>(k);
    float m = z[0];
    for (int j = 1; j < k; ++j) m = z[j] > m ? z[j] : m;
    double s = 0.0;
    for (int j = 0; j < k; ++j) s += std::exp(static_cast<double>(z[j]) - m);
    const double lse = m + std::log(s);
    for (int j = 0; j < k; ++j) p[j] = static_cast<float>(std::exp(z[j] - lse));
  }
}

void sigmoid_values(const float* logits, size_t count, float* out) {
  for (size_t i = 0; i < count; ++i) {
    const double z = logits[i];
    // exp of a negative number only: no overflow for large |z|.
    const double e = std::exp(-std::fabs(z));
    out[i] = static_cast<float>(z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e));
  }
}

void output_probabilities(const model::Model& model, const float* logits, size_t n, float* out,
                          const float* bias) {
  const int k = model.num_classes();
  if (model.multi_label())
    sigmoid_values(logits, n * static_cast<size_t>(k), out);
  else
    softmax_rows(logits, n, k, out, bias);
}

void predict(model::Model& model, const uint8_t* images, size_t count, Layout layout,
             float* probabilities) {
  if (count == 0) return;
  const int channels = model.channels();
  const size_t pixels = static_cast<size_t>(model.height()) * static_cast<size_t>(model.width());
  const size_t image = model.input_size();
  const int k = model.num_classes();
  const model::PixelNormalizer normalizer(model.normalization(), channels, pixels);
  const float* bias = model.decision_bias().empty() ? nullptr : model.decision_bias().data();
  const model::Tta tta = model.tta();
  try {
    const std::shared_ptr<InferenceEngine> engine = inference_engine(model);
    // Chunks may run on several threads at once: everything they write is their own.
    engine->for_each_chunk(count, [&](InferenceContext& ctx, size_t first, size_t n) {
      TtaWork work;
      std::vector<uint8_t> planar(layout == Layout::nhwc ? image : 0);
      float* input = ctx.input_buffer();
      for (size_t i = 0; i < n; ++i) {
        const uint8_t* src = images + (first + i) * image;
        if (layout == Layout::nhwc) {
          to_planar(src, pixels, channels, planar.data());
          src = planar.data();
        }
        normalizer.convert(src, input + i * image);
      }
      std::vector<float> scaled;
      output_probabilities(model,
                           tempered(tta_logits(ctx, input, n, model, tta, work),
                                    n * static_cast<size_t>(k), model.temperature(), scaled),
                           n, probabilities + first * static_cast<size_t>(k), bias);
    });
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e);
  }
}

void predict_normalized(model::Model& model, const float* images, size_t count,
                        float* probabilities) {
  if (count == 0) return;
  const size_t image = model.input_size();
  const int k = model.num_classes();
  const float* bias = model.decision_bias().empty() ? nullptr : model.decision_bias().data();
  // ReLU and max-pooling turn NaN into numbers, so a NaN pixel would come out as plausible
  // probabilities: refuse non-finite input instead (one pass, cheap next to the network).
  for (size_t i = 0; i < count * image; ++i)
    if (!std::isfinite(images[i]))
      fail(Status::invalid_argument, "image " + std::to_string(i / image) + " holds a " +
                                         (std::isnan(images[i]) ? "NaN" : "infinite") +
                                         " value at element " + std::to_string(i % image) +
                                         "; inputs must be finite");
  const model::Tta tta = model.tta();
  try {
    const std::shared_ptr<InferenceEngine> engine = inference_engine(model);
    engine->for_each_chunk(count, [&](InferenceContext& ctx, size_t first, size_t n) {
      // run() reads the caller's floats directly: no copy is needed (the views of test-time
      // augmentation are copies).
      TtaWork work;
      std::vector<float> scaled;
      output_probabilities(model,
                           tempered(tta_logits(ctx, images + first * image, n, model, tta, work),
                                    n * static_cast<size_t>(k), model.temperature(), scaled),
                           n, probabilities + first * static_cast<size_t>(k), bias);
    });
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e);
  }
}

}  // namespace kcell::infer

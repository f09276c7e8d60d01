// Prediction: class probabilities for batches of images through the model's inference
// engine (infer/model_engine.hpp). Any number of threads may predict with one model at
// once; each call uses an inference context of its own.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/model.hpp"

namespace kcell::infer {

enum class Layout { nchw, nhwc };

// The most images computed at once; requests are cut into chunks of
// InferenceEngine::chunk() images, never more than this.
inline constexpr size_t kPredictBatch = 256;

// H × W × C → C × H × W for one image of `pixels` pixels.
void to_planar(const uint8_t* in, size_t pixels, int channels, uint8_t* out);

// count uint8 images (count × C × H × W bytes, or count × H × W × C for nhwc) → count × k
// probabilities in `probabilities` (softmax; a multi-label model's k sigmoids), using the model's
// input normalisation, test-time augmentation (Model::tta(): the mean of the views' probabilities,
// infer/tta.hpp), temperature (Model::temperature(): the logarithm of that mean divided by it) and
// decision bias (Model::decision_bias(), added after the temperature). Safe to call from several
// threads with one model at once (not while its weights change); each thread gets the answers it
// would get alone.
void predict(model::Model& model, const uint8_t* images, size_t count, Layout layout,
             float* probabilities);

// The same from count × C × H × W floats that are already normalised. Non-finite inputs
// give non-finite probabilities rather than an error.
void predict_normalized(model::Model& model, const float* images, size_t count,
                        float* probabilities);

// Softmax of n rows of k logits (plus `bias`, k values, when not NULL: the model's decision
// bias), computed as the training loss computes its probabilities (exp(z - logsumexp(z))
// in double), so predict and evaluate agree bit for bit.
void softmax_rows(const float* logits, size_t n, int k, float* out, const float* bias = nullptr);

// Logistic sigmoid of every one of count logits, 1 / (1 + exp(-z)) in double (stable for
// either sign): a multi-label model's probabilities.
void sigmoid_values(const float* logits, size_t count, float* out);

// The model's probabilities of n rows of logits: softmax_rows (with `bias`) for a
// multi-class model, sigmoid_values for a multi-label one (which has no bias).
void output_probabilities(const model::Model& model, const float* logits, size_t n, float* out,
                          const float* bias = nullptr);

}  // namespace kcell::infer

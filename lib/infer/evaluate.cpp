#include "infer/evaluate.hpp"

#include <algorithm>

#include "infer/batcher.hpp"
#include "infer/bce_loss.hpp"
#include "infer/loss.hpp"
#include "infer/model_engine.hpp"
#include "infer/predict.hpp"
#include "infer/temperature_scaling.hpp"
#include "infer/tta.hpp"
#include "model/split_check.hpp"

namespace kcell::infer {
namespace {

// Rows whose first largest logit is their label (as the loss counts them).
size_t argmax_hits(const float* logits, const int32_t* labels, int n, int k) {
  size_t hits = 0;
  for (int i = 0; i < n; ++i) {
    const float* z = logits + static_cast<size_t>(i) * k;
    int best = 0;
    for (int c = 1; c < k; ++c)
      if (z[c] > z[best]) best = c;
    hits += best == labels[i];
  }
  return hits;
}

// A multi-label model's evaluation: binary cross-entropy of its sigmoid outputs, and the
// accuracy of every (image, label) decision at 0.5 (MedMNIST's ACC). It has no decision
// bias or temperature (Model refuses them).
Evaluation evaluate_multi_label(model::Model& model, const data::Split& split, Batcher& batcher,
                                bool keep_probabilities, model::Tta views, bool keep_logits) {
  const size_t k = static_cast<size_t>(model.num_classes());
  const SigmoidBinaryCrossEntropy loss(model.num_classes(), {});
  Evaluation out;
  out.count = split.count;
  if (keep_probabilities) out.probabilities.resize(split.count * k);
  if (keep_logits) out.logits.resize(split.count * k);
  if (keep_probabilities || keep_logits)
    out.labels.assign(split.labels.begin(),
                      split.labels.begin() + static_cast<ptrdiff_t>(split.count * k));
  const std::shared_ptr<InferenceEngine> engine = inference_engine(model);
  std::vector<float> logits;
  double sum = 0.0;
  size_t correct = 0, decisions = 0, done = 0;
  for (size_t b = 0; b < batcher.num_batches(); ++b) {
    const int n = batcher.load(b);
    logits.resize(static_cast<size_t>(n) * k);
    tta_logits(*engine, batcher.images(), static_cast<size_t>(n), model, views, logits.data());
    if (keep_logits) std::copy(logits.begin(), logits.end(), out.logits.data() + done * k);
    const BatchLoss l =
        loss.compute(logits.data(), batcher.labels(), n, nullptr,
                     keep_probabilities ? out.probabilities.data() + done * k : nullptr);
    sum += l.sum;
    correct += l.correct;
    decisions += l.decisions;
    done += static_cast<size_t>(n);
  }
  out.loss = sum / static_cast<double>(out.count);
  out.accuracy = out.plain_accuracy = static_cast<double>(correct) / static_cast<double>(decisions);
  return out;
}

}  // namespace

Evaluation evaluate(model::Model& model, const data::Dataset& dataset, data::SplitId id,
                    int batch_size, bool keep_probabilities, std::optional<model::Tta> tta,
                    bool keep_logits) {
  model::check_split_fits(model, dataset, id, model::split_description(id));
  const data::Split& split = dataset.split(id);
  const int k = model.num_classes();
  Batcher batcher(split, model.channels(), model.height(), model.width(), model.normalization(),
                  batch_size);
  if (model.multi_label())
    return evaluate_multi_label(model, split, batcher, keep_probabilities,
                                tta.value_or(model.tta()), keep_logits);
  const SoftmaxCrossEntropy loss(k, {});

  Evaluation out;
  out.count = split.count;
  std::vector<float> probs;
  if (keep_probabilities) out.probabilities.resize(split.count * static_cast<size_t>(k));
  if (keep_logits) out.logits.resize(split.count * static_cast<size_t>(k));
  if (keep_probabilities || keep_logits) {
    out.labels.assign(split.labels.begin(),
                      split.labels.begin() + static_cast<ptrdiff_t>(split.count));
  }
  const std::vector<float>& bias = model.decision_bias();
  if (keep_probabilities && !bias.empty()) out.plain_probabilities.resize(out.probabilities.size());
  double sum = 0.0;
  size_t correct = 0, plain_correct = 0, done = 0;
  // Through the inference engine, as prediction: its folded batch norms round differently
  // from the training network's, and evaluation must give what prediction gives.
  const std::shared_ptr<infer::InferenceEngine> engine = infer::inference_engine(model);
  const model::Tta views = tta.value_or(model.tta());
  std::vector<float> logits;
  for (size_t b = 0; b < batcher.num_batches(); ++b) {
    const int n = batcher.load(b);
    logits.resize(static_cast<size_t>(n) * static_cast<size_t>(k));
    // With test-time augmentation, the logarithms of the mean view probabilities: loss,
    // accuracy and bias then treat them as prediction does.
    tta_logits(*engine, batcher.images(), static_cast<size_t>(n), model, views, logits.data());
    if (keep_logits)
      std::copy(logits.begin(), logits.end(), out.logits.data() + done * static_cast<size_t>(k));
    apply_temperature(logits.data(), logits.size(), model.temperature());
    if (!bias.empty()) {
      plain_correct += argmax_hits(logits.data(), batcher.labels(), n, k);
      if (keep_probabilities)
        infer::softmax_rows(logits.data(), static_cast<size_t>(n), k,
                            out.plain_probabilities.data() + done * static_cast<size_t>(k));
      for (int i = 0; i < n; ++i)
        for (int c = 0; c < k; ++c) logits[static_cast<size_t>(i) * k + c] += bias[c];
    }
    float* rows =
        keep_probabilities ? out.probabilities.data() + done * static_cast<size_t>(k) : nullptr;
    const BatchLoss l = loss.compute(logits.data(), batcher.labels(), n, nullptr, rows);
    sum += l.sum;
    correct += l.correct;
    done += static_cast<size_t>(n);
  }
  out.loss = sum / static_cast<double>(out.count);
  out.accuracy = static_cast<double>(correct) / static_cast<double>(out.count);
  out.plain_accuracy = bias.empty()
                           ? out.accuracy
                           : static_cast<double>(plain_correct) / static_cast<double>(out.count);
  return out;
}

}  // namespace kcell::infer

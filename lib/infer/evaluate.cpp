#include "infer/evaluate.hpp"

#include "infer/model_engine.hpp"
#include "infer/batcher.hpp"
#include "infer/loss.hpp"
#include "model/split_check.hpp"

namespace kcell::infer {

Evaluation evaluate(model::Model& model, const data::Dataset& dataset, data::SplitId id,
                    int batch_size, bool keep_probabilities) {
  model::check_split_fits(model, dataset, id, model::split_description(id));
  const data::Split& split = dataset.split(id);
  const int k = model.num_classes();
  Batcher batcher(split, model.channels(), model.height(), model.width(),
                  model.normalization(), batch_size);
  const SoftmaxCrossEntropy loss(k, {});

  Evaluation out;
  out.count = split.count;
  std::vector<float> probs;
  if (keep_probabilities) {
    out.probabilities.resize(split.count * static_cast<size_t>(k));
    out.labels.assign(split.labels.begin(),
                      split.labels.begin() + static_cast<ptrdiff_t>(split.count));
  }
  double sum = 0.0;
  size_t correct = 0, done = 0;
  // Through the inference engine, as prediction: its folded batch norms round differently
  // from the training network's, and evaluation must give what prediction gives.
  const std::shared_ptr<infer::InferenceEngine> engine = infer::inference_engine(model);
  std::vector<float> logits;
  for (size_t b = 0; b < batcher.num_batches(); ++b) {
    const int n = batcher.load(b);
    logits.resize(static_cast<size_t>(n) * static_cast<size_t>(k));
    engine->logits(batcher.images(), static_cast<size_t>(n), logits.data());
    float* rows = keep_probabilities ? out.probabilities.data() + done * static_cast<size_t>(k)
                                     : nullptr;
    const BatchLoss l = loss.compute(logits.data(), batcher.labels(), n, nullptr, rows);
    sum += l.sum;
    correct += l.correct;
    done += static_cast<size_t>(n);
  }
  out.loss = sum / static_cast<double>(out.count);
  out.accuracy = static_cast<double>(correct) / static_cast<double>(out.count);
  return out;
}

}  // namespace kcell::infer

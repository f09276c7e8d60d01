#include "infer/ensemble_evaluate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "infer/ensemble_predict.hpp"
#include "infer/loss.hpp"
#include "infer/multilabel_metrics.hpp"

namespace kcell::infer {

Evaluation evaluate_mean(const std::vector<model::Model*>& members, const data::Dataset& dataset,
                         data::SplitId split, int batch_size) {
  if (members.size() == 1) return evaluate(*members[0], dataset, split, batch_size, true);
  std::vector<std::vector<float>> each, each_plain;
  bool any_bias = false;
  Evaluation out;
  for (model::Model* m : members) {
    Evaluation e = evaluate(*m, dataset, split, batch_size, true);
    // A member without a decision bias gives the same rows with and without one.
    any_bias = any_bias || !e.plain_probabilities.empty();
    each_plain.push_back(e.plain_probabilities.empty() ? e.probabilities
                                                       : std::move(e.plain_probabilities));
    each.push_back(std::move(e.probabilities));
    if (out.labels.empty()) {
      out.count = e.count;
      out.labels = std::move(e.labels);
    }
  }
  const int k = members[0]->num_classes();
  out.probabilities.resize(each[0].size());
  mean_of_rows(each, out.probabilities.data());
  if (members[0]->multi_label()) {  // no bias: the loss and ACC of the mean sigmoids
    const Metrics m =
        compute_multilabel_metrics(out.probabilities.data(), out.labels.data(), out.count, k);
    out.loss = m.loss;
    out.accuracy = out.plain_accuracy = m.accuracy;
    return out;
  }
  std::vector<float> plain(each_plain[0].size());
  mean_of_rows(each_plain, plain.data());
  // Cross-entropy of the mean probabilities (the smallest positive float for a zero, as
  // the log of an underflowed softmax would be about that).
  double sum = 0.0;
  size_t correct = 0, plain_correct = 0;
  for (size_t i = 0; i < out.count; ++i) {
    const size_t offset = i * static_cast<size_t>(k);
    const float* row = out.probabilities.data() + offset;
    const int32_t y = out.labels[i];
    sum -= std::log(std::max(static_cast<double>(row[y]),
                             static_cast<double>(std::numeric_limits<float>::denorm_min())));
    if (argmax(row, k) == y) ++correct;
    if (argmax(plain.data() + offset, k) == y) ++plain_correct;
  }
  const double n = static_cast<double>(out.count);
  out.loss = out.count ? sum / n : 0.0;
  out.accuracy = out.count ? static_cast<double>(correct) / n : 0.0;
  // Plain argmax of the mean of the members' unbiased probabilities.
  out.plain_accuracy = out.count ? static_cast<double>(plain_correct) / n : 0.0;
  if (any_bias) out.plain_probabilities = std::move(plain);
  return out;
}

}  // namespace kcell::infer

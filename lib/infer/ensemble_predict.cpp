#include "infer/ensemble_predict.hpp"

namespace kcell::infer {
namespace {

template <class PredictOne>
void mean_over_members(const std::vector<model::Model*>& members, size_t count,
                       float* probabilities, PredictOne&& predict_one) {
  if (count == 0 || members.empty()) return;
  if (members.size() == 1) {
    predict_one(*members[0], probabilities);
    return;
  }
  const size_t n = count * static_cast<size_t>(members[0]->num_classes());
  std::vector<std::vector<float>> each(members.size(), std::vector<float>(n));
  for (size_t m = 0; m < members.size(); ++m) predict_one(*members[m], each[m].data());
  mean_of_rows(each, probabilities);
}

}  // namespace

void mean_of_rows(const std::vector<std::vector<float>>& arrays, float* out) {
  if (arrays.empty()) return;
  const size_t n = arrays[0].size();
  const double scale = 1.0 / static_cast<double>(arrays.size());
  for (size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (const std::vector<float>& a : arrays) sum += a[i];
    out[i] = static_cast<float>(sum * scale);
  }
}

void predict_mean(const std::vector<model::Model*>& members, const uint8_t* images, size_t count,
                  Layout layout, float* probabilities) {
  mean_over_members(members, count, probabilities,
                    [&](model::Model& m, float* out) { predict(m, images, count, layout, out); });
}

void predict_normalized_mean(const std::vector<model::Model*>& members, const float* images,
                             size_t count, float* probabilities) {
  mean_over_members(members, count, probabilities, [&](model::Model& m, float* out) {
    predict_normalized(m, images, count, out);
  });
}

}  // namespace kcell::infer

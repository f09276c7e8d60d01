// The decision rule fitted on validation: one additive bias per class on the logits, so
// that argmax(logits + bias) decides under the validation split's class priors rather than
// the training split's (and undoes what loss weights did to them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kcell::infer {

// The class priors the decisions are made under: those of the labels' split, or equal
// priors (decisions for balanced accuracy, whatever the mix at use).
enum class BiasTarget { label_shares, equal_priors };

// The bias b that minimises the mean cross-entropy of softmax(log p_i + b) on n labelled
// rows of k probabilities (softmax outputs of the plain model; logits differ from their
// logarithms by a per-row constant, which b does not see). This is convex in b; at its
// minimum the mean adjusted probability of every class equals that class's share of the
// labels, smoothed as (count + 1) / (n + k) so that small or absent classes stay finite
// (Saerens et al. 2002: prior adjustment by maximum likelihood). The adjusted model is then
// calibrated to the labels' priors π; BiasTarget::equal_priors moves it on to equal priors
// by Bayes' rule, b_c - log π_c (Menon et al. 2021, logit adjustment), which decides as
// p(x|c) alone does. It does not force equal shares of predictions: a model that separates
// the classes well keeps its decisions. Returned centred (mean 0).
// Throws invalid_argument for n == 0, k < 2, a label outside [0, k) or a non-finite row.
std::vector<float> fit_decision_bias(const float* probabilities, const int32_t* labels, size_t n,
                                     int k, BiasTarget target = BiasTarget::label_shares);

// How well argmax(log p_i + bias) decides n labelled rows of k probabilities (an empty
// bias: plain argmax): the share decided right, or with `balanced` the mean recall over
// the classes present. The fitted bias maximises likelihood, not this: the recipe checks
// with it that the bias does not decide worse than argmax on the rows it was fitted on.
double decision_score(const float* probabilities, const int32_t* labels, size_t n, int k,
                      const std::vector<float>& bias, bool balanced);

}  // namespace kcell::infer

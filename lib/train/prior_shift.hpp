// Whether two splits were drawn with the same class priors: the evidence behind the
// automatic decision rule (train/recipe.hpp). When the training and validation splits
// differ in their class mix beyond chance, the mix at use is not to be trusted either, and
// decisions are fitted for balanced accuracy instead of the validation priors.
#pragma once

#include <cstddef>
#include <vector>

namespace kcell::train {

// The p-value of Pearson's chi-square test of homogeneity of two count vectors (one count
// per class; classes absent from both are left out), with the Wilson–Hilferty normal
// approximation of the chi-square tail. 1 when fewer than 2 classes or either vector is
// all zeros (no evidence).
double class_priors_p_value(const std::vector<size_t>& a, const std::vector<size_t>& b);

// p-value below which the automatic rule takes the priors to differ: strict, so that
// ordinary sampling noise between same-distribution splits never switches it.
inline constexpr double kPriorShiftPValue = 1e-3;

}  // namespace kcell::train

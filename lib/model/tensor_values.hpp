// Checks of the values read from a model file or checkpoint: a NaN or infinite weight, or a
// negative running variance, would load and make every prediction NaN or garbage.
#pragma once

#include <string>
#include <vector>

namespace kcell::model {

// Throws Status::format naming `name` (the member) and the first bad element unless every
// value is finite, and for a batch-norm running variance (a name ending ".running_var" or
// ".running_var.npy") also not negative.
void check_tensor_values(const std::string& name, const std::vector<float>& values);

}  // namespace kcell::model

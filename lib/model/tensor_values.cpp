#include "model/tensor_values.hpp"

#include <cmath>

#include "common/error.hpp"

namespace kcell::model {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

void check_tensor_values(const std::string& name, const std::vector<float>& values) {
  const bool variance = ends_with(name, ".running_var") || ends_with(name, ".running_var.npy");
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      fail(Status::format, name + ": element " + std::to_string(i) + " is " +
                               (std::isnan(values[i]) ? "NaN" : "infinite") +
                               "; tensors must hold finite values");
    if (variance && values[i] < 0.f)
      fail(Status::format, name + ": element " + std::to_string(i) + " is " +
                               std::to_string(values[i]) + "; a variance cannot be negative");
  }
}

}  // namespace kcell::model

// Cheap checks for NaN and infinity, used to stop training cleanly when it diverges.
#pragma once

#include <cstddef>
#include <vector>

#include "nn/network.hpp"

namespace kcell::train {

bool all_finite(const float* values, size_t count);

// True when every gradient of every parameter is finite.
bool gradients_finite(const std::vector<nn::Param*>& params);

// True when every parameter value and every buffer (running statistic) is finite.
bool weights_finite(const std::vector<nn::Param*>& params, const std::vector<nn::Buffer*>& buffers);

}  // namespace kcell::train

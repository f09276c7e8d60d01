// Turns an architecture (layer specs) into layers with initialised parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nn/layer.hpp"
#include "spec/architecture.hpp"

namespace kcell::nn {

struct BuiltLayers {
  std::vector<std::unique_ptr<Layer>> layers;  // one per spec, same index
  Shape output;
};

// Parameters are named "<spec index>.<kind>.<tensor>" (see network.hpp) and initialised in
// layer order from one splitmix64 stream seeded with `seed`. A bn directly followed by
// relu is fused when fuse_bn_relu (the relu becomes a passthrough), and a flatten directly
// followed by dense is left to the dense layer. Throws Error(Status::spec) naming the layer
// when a spec does not fit its input.
BuiltLayers build_layers(const spec::Architecture& arch, Shape input, int num_classes,
                         uint64_t seed, bool fuse_bn_relu);

}  // namespace kcell::nn

#include "nn/network_builder.hpp"

#include "common/error.hpp"
#include "common/rng.hpp"
#include "nn/basic_block_layer.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/conv_layer.hpp"
#include "nn/dense_layer.hpp"
#include "nn/dropout_layer.hpp"
#include "nn/flatten_layer.hpp"
#include "nn/pool_layer.hpp"
#include "nn/relu_layer.hpp"

namespace kcell::nn {

using spec::LayerKind;

namespace {

// Activations beyond this many floats per image are refused rather than risking overflow
// in size arithmetic (a 224×224 image with 512 channels is 25.7M).
constexpr int64_t kMaxActivation = int64_t{1} << 31;

std::unique_ptr<Layer> make_layer(const spec::Architecture& arch, size_t i, Shape in,
                                  int num_classes, SplitMix64& rng, bool fuse_bn_relu) {
  const spec::LayerSpec& spec = arch.layers[i];
  const std::string index = std::to_string(i);
  const bool next_is = i + 1 < arch.layers.size();
  const spec::LayerKind next = next_is ? arch.layers[i + 1].kind : LayerKind::relu;
  switch (spec.kind) {
    case LayerKind::conv: {
      const int pad = spec.pad < 0 ? spec.kernel / 2 : spec.pad;
      return std::make_unique<ConvLayer>(
          index + ".conv", in, ConvGeometry{spec.out, spec.kernel, spec.stride, pad, spec.bias},
          rng);
    }
    case LayerKind::batch_norm:
      return std::make_unique<BatchNormLayer>(index + ".bn", in,
                                              fuse_bn_relu && next_is && next == LayerKind::relu);
    case LayerKind::relu:
      if (fuse_bn_relu && i > 0 && arch.layers[i - 1].kind == LayerKind::batch_norm) {
        return std::make_unique<PassthroughLayer>(in);  // done by the bn before it
      }
      return std::make_unique<ReluLayer>(in);
    case LayerKind::max_pool:
      return std::make_unique<PoolLayer>(index + ".maxpool", in, PoolKind::max, spec.kernel,
                                         spec.stride);
    case LayerKind::avg_pool:
      return std::make_unique<PoolLayer>(index + ".avgpool", in, PoolKind::avg, spec.kernel,
                                         spec.stride);
    case LayerKind::global_avg_pool:
      return std::make_unique<PoolLayer>(index + ".gap", in, PoolKind::global_avg, 0, 0);
    case LayerKind::dropout:
      return std::make_unique<DropoutLayer>(index + ".dropout", in, spec.rate, i);
    case LayerKind::flatten:
      if (next_is && next == LayerKind::dense) {
        return std::make_unique<PassthroughLayer>(in);  // the dense layer flattens
      }
      return std::make_unique<FlattenLayer>(in);
    case LayerKind::dense:
      return std::make_unique<DenseLayer>(index + ".dense", in,
                                          spec.out > 0 ? spec.out : num_classes, spec.bias, rng);
    case LayerKind::basic_block:
      if (spec.out <= 0 || spec.stride <= 0) {
        fail(Status::spec, index + ".block: channels and stride must be positive");
      }
      return std::make_unique<BasicBlockLayer>(index + ".block", in, spec.out, spec.stride, rng);
  }
  fail(Status::spec, "layer " + index + ": unknown layer kind");
}

}  // namespace

BuiltLayers build_layers(const spec::Architecture& arch, Shape input, int num_classes,
                         uint64_t seed, bool fuse_bn_relu) {
  if (arch.layers.empty()) fail(Status::spec, "the architecture has no layers");
  BuiltLayers out;
  SplitMix64 rng(seed);
  Shape shape = input;
  for (size_t i = 0; i < arch.layers.size(); ++i) {
    out.layers.push_back(make_layer(arch, i, shape, num_classes, rng, fuse_bn_relu));
    shape = out.layers.back()->out_shape();
    if (shape.size() > kMaxActivation) {
      fail(Status::limit, "layer " + std::to_string(i) + " makes " + std::to_string(shape.size()) +
                              " values per image, more than kcell supports");
    }
  }
  const bool logits = shape.c == num_classes && shape.h == 1 && shape.w == 1;
  if (!logits) {
    fail(Status::spec, "the architecture ends with " + std::to_string(shape.c) + "x" +
                           std::to_string(shape.h) + "x" + std::to_string(shape.w) +
                           " values per image; a classifier of " + std::to_string(num_classes) +
                           " classes needs " + std::to_string(num_classes) + " (end with dense)");
  }
  out.output = shape;
  return out;
}

}  // namespace kcell::nn

#include "spec/presets.hpp"

namespace kcell::spec {

const std::vector<Preset>& presets() {
  static const std::vector<Preset> all = {
      {"reference",
       "conv(32,3) bn relu conv(32,3) bn relu maxpool(2) dropout(0.25) "
       "conv(64,3) bn relu conv(64,3) bn relu maxpool(2) dropout(0.25) "
       "flatten dense(256) relu dropout(0.5) dense",
       "two blocks of two 3x3 convolutions with batch norm, max-pool and dropout, then a "
       "256-unit dense layer"},
      // The recommended network (docs/recipe.md): a ResNet-8-style net for 28-64 px, three
      // residual stages of one basic block each (32, 64, 128 channels), global average
      // pooling. About twice the reference CNN's FLOPs with a third of its parameters;
      // ResNet-18 is 7x its FLOPs and 40x its parameters.
      {"resnet8",
       "conv(32,3,bias=false) bn relu res(32) res(64,stride=2) res(128,stride=2) gap dense",
       "ResNet-8-style: 3x3 stem and three residual stages (32, 64, 128 channels), the "
       "recommended network"},
      // resnet8 at half the width: a quarter of its FLOPs. The recommended small-set network
      // where training runs at a quarter of the AVX-512 BF16 rate or less (docs/recipe.md);
      // on PneumoniaMNIST with AVX2 fp32 it scored 0.889 / 0.965 (3 seeds) in 2 minutes a
      // run, where resnet8 scored 0.895 / 0.966 with AVX-512 BF16 and would take 12 there.
      {"resnet8-slim",
       "conv(16,3,bias=false) bn relu res(16) res(32,stride=2) res(64,stride=2) gap dense",
       "resnet8 at half the width (16, 32, 64 channels), a quarter of its FLOPs: the "
       "recommended network on CPUs that train in fp32 without AVX-512"},
      // resnet8 with a fourth stage of 256 channels at a quarter of the resolution: 40 % more
      // FLOPs for the capacity large sets use (Fashion-MNIST, 10 epochs: 0.941 against
      // resnet8's 0.929; PneumoniaMNIST's 3,882 images: 0.878 against 0.889).
      {"resnet10",
       "conv(32,3,bias=false) bn relu res(32) res(64,stride=2) res(128,stride=2) "
       "res(256,stride=2) gap dense",
       "ResNet-10-style: resnet8 with a fourth stage of 256 channels, for large sets"},
      // CIFAR-style ResNet-18 of the MedMNIST v2 baselines: 3x3 stride-1 stem without
      // bias (a batch norm follows), no max-pool, four stages of two basic blocks.
      {"resnet18",
       "conv(64,3,bias=false) bn relu "
       "res(64) res(64) res(128,stride=2) res(128) "
       "res(256,stride=2) res(256) res(512,stride=2) res(512) gap dense",
       "CIFAR-style ResNet-18 (3x3 stem, no max-pool) as in the MedMNIST v2 baselines"},
      // LeNet-5 with the usual modern substitutions: ReLU for the scaled tanh, max-pool
      // for the trainable subsampling, full C3 connectivity, softmax output for the RBF
      // units. pad=2 makes a 28x28 input behave as the original 32x32 one.
      {"lenet5",
       "conv(6,5,pad=2) relu maxpool(2) conv(16,5,pad=0) relu maxpool(2) "
       "flatten dense(120) relu dense(84) relu dense",
       "LeNet-5 with ReLU and max-pooling"},
  };
  return all;
}

const Preset* find_preset(const std::string& name) {
  for (const Preset& p : presets())
    if (name == p.name) return &p;
  return nullptr;
}

}  // namespace kcell::spec

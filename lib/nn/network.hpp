// A network of layers on oneDNN primitives: forward (training or inference) and backward.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "spec/architecture.hpp"

namespace kcell::nn {

class Layer;

// A trainable tensor in a plain (PyTorch-order) layout: OIHW for conv weights, (out, in)
// for dense weights, (C) for biases and batch-norm scale / shift.
//
// Names (stable: model files use them) are "<layer index in the spec>.<kind>.<tensor>":
//   conv        I.conv.weight (out, in, k, k), I.conv.bias (out) unless nobias
//   bn          I.bn.weight, I.bn.bias (C); buffers I.bn.running_mean, I.bn.running_var
//   dense       I.dense.weight (out, in), I.dense.bias (out); an image input is flattened
//               in C, H, W order, as PyTorch's flatten + Linear
//   res block   I.block.conv1.weight, I.block.bn1.*, I.block.conv2.weight, I.block.bn2.*,
//               and with a projection shortcut I.block.shortcut.conv.weight,
//               I.block.shortcut.bn.*
// params() and buffers() list them in layer order.
//
// Initialisation follows PyTorch's defaults for the same layers: conv and dense weights
// kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), biases
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bn weight 1, bias 0, running mean 0, running var 1.
// The numbers come from a splitmix64 stream seeded by the constructor's seed, identical on
// every platform.
struct Param {
  std::string name;  // e.g. "0.conv.weight"
  std::vector<int64_t> shape;
  std::vector<float> value;
  std::vector<float> grad;  // same size; written by Network::backward
  bool is_weight = true;    // false for biases and batch-norm scale / shift
};

// A non-trainable tensor kept with the model: batch-norm running mean and variance.
struct Buffer {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> value;
};

// Number format of training arithmetic. bf16: activations, their gradients and the
// weights the primitives read are bfloat16 (convolution and inner-product products still
// accumulate in fp32); the master weights, their gradients, batch-norm statistics and the
// logits handed back stay fp32. Needs AVX-512 BF16 (compat::cpu_has_bf16()).
enum class Precision { fp32, bf16 };

struct NetworkOptions {
  // Run a batch norm directly followed by ReLU as one primitive (same results).
  bool fuse_bn_relu = true;
  // Arithmetic of training plans (forward(training=true) and backward). Inference plans
  // are always fp32, so evaluation gives the same numbers whatever trained the weights.
  Precision training_precision = Precision::fp32;
  // Primitive plans (primitives plus activation memory) kept, one per (batch size,
  // training or inference, thread count) seen recently; the least recently used goes.
  // At most one of them is a training plan: a new training plan replaces the last one.
  size_t max_cached_plans = 4;
};

// What Network::class_gradients() writes: plain float arrays the caller owns, each
// optional (nullptr: not wanted).
struct ClassGradients {
  float* logits = nullptr;      // n × num_classes
  float* input = nullptr;       // n × C × H × W: d logit[class] / d input
  size_t layer = 0;             // the spec layer index whose output the next two are of
  float* activation = nullptr;  // n × layer(layer).out_shape().size(): that output
  float* gradient = nullptr;    // the same size: d logit[class] / d that output
};

// Layers: conv, bn (batch statistics and momentum-0.1 running statistics in training,
// running statistics at inference, eps 1e-5), relu, max / average / global average
// pooling, dropout (inverted, off at inference), flatten, dense, ResNet basic block.
// Activations stay in the layouts oneDNN prefers between layers; data is converted only
// at the edges (input, logits, parameter gradients).
//
// Not thread-safe: one thread at a time (forward writes the cached activations).
class Network {
 public:
  // Builds the layers and initialises the weights as PyTorch does by default, from seed.
  // Throws Error(Status::spec) when the architecture does not fit the input or does not
  // end in num_classes outputs, Error(Status::invalid_argument) for non-positive sizes.
  Network(const spec::Architecture& arch, int channels, int height, int width, int num_classes,
          uint64_t seed);
  Network(const spec::Architecture& arch, int channels, int height, int width, int num_classes,
          uint64_t seed, const NetworkOptions& options);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // input: n × C × H × W plain floats, already normalised. Returns n × num_classes plain
  // logits, valid until the next forward. Primitives are created once per batch size and
  // reused. training=true uses batch statistics (updating running ones) and dropout, and
  // throws Error(Status::invalid_argument) if a batch norm would see a single value per
  // channel (as PyTorch refuses to).
  const float* forward(const float* input, int n, bool training);

  // Called by backward() after each layer, from the last down, with the index into
  // params() from which on every Param::grad is final (params() are in layer order): what
  // a data-parallel trainer needs to start summing those gradients while the layers below
  // still run. It may throw; backward() then stops there.
  using GradientsReady = std::function<void(size_t first_final_param)>;

  // dlogits: n × num_classes for the last forward(training=true). Writes every Param::grad.
  void backward(const float* dlogits, const GradientsReady& ready = {});

  // Saliency: for each image i, the gradient of logit[classes[i]] with respect to the input
  // and to layer `out.layer`'s output (and that output), by the backward pass of training
  // over a forward that computes what forward(training=false) computes (running batch-norm
  // statistics, no dropout). Writes Param::grad too. Without out.input the backward pass
  // stops at the tapped layer (Grad-CAM at the last block costs little more than a
  // forward). Throws Error(Status::invalid_argument) for NULL pointers, n <= 0, a class out
  // of range or no such layer.
  void class_gradients(const float* input, int n, const int* classes, const ClassGradients& out);

  // Takes every parameter value and buffer of `other`, a network built from the same
  // architecture and shapes (a private copy for saliency: class_gradients writes state).
  // Throws Error(Status::internal) when the tensors differ.
  void copy_weights_from(const Network& other);

  // Call after changing any Param::value, before the next forward.
  void weights_changed();

  // Switches the arithmetic of training plans (cached ones are dropped when it changes).
  // Throws Error(Status::unsupported) for bf16 when the CPU lacks AVX-512 BF16; the
  // network is unchanged then.
  void set_training_precision(Precision precision);
  Precision training_precision() const;
  // Moves on every weights_changed(): whoever copies the weights (lib/infer's folded
  // inference engine) compares it to know when its copy is stale.
  uint64_t weights_version() const;

  // Seeds dropout and restarts its step counter; masks derive from (seed, step counter),
  // the counter moving once per forward(training=true), so runs are reproducible.
  // The constructor seeds dropout from its own seed.
  void set_dropout_seed(uint64_t seed);
  // The step counter, and setting it back (a training checkpoint resumes with it).
  uint64_t dropout_step() const;
  void set_dropout_step(uint64_t step);

  std::vector<Param*> params();
  std::vector<Buffer*> buffers();
  size_t num_params() const;  // trainable scalars, summed over params()
  // The layer built for architecture layer `index` (one per spec, same index); its typed
  // tensors() are how lib/infer reads the weights. Throws Error(Status::internal) when out
  // of range.
  const Layer& layer(size_t index) const;
  int num_classes() const;

  // Diagnostics for tests and benchmarks: plans cached now, and activation layout
  // conversions the plans built so far contain (0 when the layers agree on layouts).
  size_t cached_plans() const;
  int layout_conversions() const;
  // The last training plan's activation-gradient buffers (built by its first backward()) and
  // its one scratchpad, in bytes; 0 without a training plan.
  size_t training_gradient_bytes() const;
  size_t training_scratchpad_bytes() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kcell::nn

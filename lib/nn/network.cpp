#include "nn/network.hpp"

#include <algorithm>

#include <omp.h>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"
#include "nn/layer.hpp"
#include "nn/network_builder.hpp"

namespace kcell::nn {

using dnnl::memory;

namespace {

// bf16 training runs on oneDNN's AVX-512 BF16 kernels; elsewhere oneDNN would emulate
// them far slower than fp32, so kcell refuses instead.
void require_bf16() {
  if (!compat::cpu_has_bf16())
    fail(Status::unsupported,
         std::string("bf16 training needs a CPU with AVX-512 BF16; oneDNN runs on ") +
             compat::effective_isa_name() + " here (train in fp32)");
}

[[noreturn]] void rethrow_dnnl(const dnnl::error& e, const char* what) {
  const Status st = e.status == dnnl_out_of_memory ? Status::out_of_memory : Status::internal;
  fail(st, std::string(what) + ": oneDNN error: " + e.what());
}

}  // namespace

struct Network::Impl {
  // Everything that exists per (batch size, mode): each layer's plan plus the edges.
  struct Plan {
    int64_t n = 0;
    bool training = false;
    bool gradients = false;  // inference semantics with a backward pass (class_gradients)
    int threads = 0;         // oneDNN sizes its work split when a primitive is created
    memory input;            // plain n×C×H×W over the caller's buffer
    memory typed_input;      // bf16 plans: the input converted, what the layers read
    Reorder to_typed_input;
    std::vector<std::unique_ptr<LayerPlan>> layers;
    memory output;              // the last layer's dst
    std::vector<float> logits;  // plain copy when output is not plain already
    memory logits_mem;
    Reorder to_logits;
    bool backward_built = false;
    memory dlogits;        // plain over the caller's gradient buffer
    memory typed_dlogits;  // bf16 plans: dlogits converted
    Reorder to_typed_dlogits;
    memory::data_type act_type = memory::data_type::f32;
    uint64_t last_use = 0;
    // Gradient plans: diffs[i] is the gradient of layer i's output, input_diff of the input.
    std::vector<memory> diffs;
    memory input_diff;
    // What all its layers share (PlanContext): one scratchpad and, training plans, the
    // pool of activation gradients.
    std::shared_ptr<SharedScratchpad> scratchpad;
    std::shared_ptr<GradientPool> gradient_pool;
  };

  NetworkOptions options;
  Shape input;
  int num_classes = 0;
  Shape output;
  std::vector<std::unique_ptr<Layer>> layers;
  std::vector<Param*> params;
  std::vector<Buffer*> buffers;
  size_t first_trainable = 0;       // layers before it need no backward at all
  std::vector<size_t> first_param;  // per layer: the index in params of its first one

  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  uint64_t weights_version = 1;
  DropoutClock dropout;
  int layout_conversions = 0;

  std::vector<std::unique_ptr<Plan>> plans;
  Plan* last_training = nullptr;
  uint64_t use_clock = 0;

  Plan& plan_for(int64_t n, bool training, int threads, bool gradients = false);
  std::unique_ptr<Plan> make_plan(int64_t n, bool training, int threads, bool gradients);
  void build_backward(Plan& p);
  void drop_training_plans() {
    plans.erase(std::remove_if(plans.begin(), plans.end(),
                               [](const std::unique_ptr<Plan>& p) { return p->training; }),
                plans.end());
    last_training = nullptr;
  }
};

std::unique_ptr<Network::Impl::Plan> Network::Impl::make_plan(int64_t n, bool training, int threads,
                                                              bool gradients) {
  auto p = std::make_unique<Plan>();
  p->n = n;
  p->training = training;
  p->gradients = gradients;
  p->threads = threads;
  p->act_type = training && options.training_precision == Precision::bf16 ? memory::data_type::bf16
                                                                          : memory::data_type::f32;
  PlanContext ctx;
  ctx.engine = engine;
  ctx.n = n;
  ctx.training = training;
  ctx.backward = training || gradients;
  ctx.weights_version = &weights_version;
  ctx.dropout = &dropout;
  ctx.layout_conversions = &layout_conversions;
  ctx.act_type = p->act_type;
  p->scratchpad = ctx.scratchpad = std::make_shared<SharedScratchpad>(engine);
  if (training && !gradients)
    p->gradient_pool = ctx.gradients = std::make_shared<GradientPool>(engine);
  p->input = memory(compat::plain_md(input.dims(n)), engine, nullptr);
  memory src = p->input;
  if (p->act_type != memory::data_type::f32) {
    // Converted once at the edge, so the layers agree on one element type.
    p->typed_input = memory(compat::plain_md(input.dims(n), p->act_type), engine);
    p->to_typed_input = Reorder(p->input, p->typed_input);
    src = p->typed_input;
  }
  for (auto& layer : layers) {
    p->layers.push_back(layer->make_plan(ctx, src));
    src = p->layers.back()->dst();
  }
  p->output = src;
  const memory::desc plain = compat::plain_md(output.dims(n));
  if (!(p->output.get_desc() == plain)) {
    p->logits.resize(static_cast<size_t>(n) * static_cast<size_t>(num_classes));
    p->logits_mem = memory(plain, engine, p->logits.data());
    p->to_logits = Reorder(p->output, p->logits_mem);
  }
  return p;
}

// Plans are keyed by the thread count too: a primitive keeps the work split it was created
// with, so a plan built for another count would neither use the threads asked for nor
// reproduce that count's results.
Network::Impl::Plan& Network::Impl::plan_for(int64_t n, bool training, int threads,
                                             bool gradients) {
  for (auto& p : plans) {
    if (p->n == n && p->training == training && p->threads == threads &&
        p->gradients == gradients) {
      p->last_use = ++use_clock;
      return *p;
    }
  }
  // A training plan holds the most memory (activations, their gradients, workspaces) and
  // backward() only ever uses the last one, so a new one replaces the others: training
  // that alternates full batches with a last partial one holds one plan, not two.
  if (training) drop_training_plans();
  // Otherwise built before evicting, so that a failure leaves the cache as it was.
  auto fresh = make_plan(n, training, threads, gradients);
  if (plans.size() >= std::max<size_t>(options.max_cached_plans, 1)) {
    // Evict the least recently used, but never the plan backward() still needs.
    auto victim = plans.end();
    for (auto it = plans.begin(); it != plans.end(); ++it) {
      if (it->get() == last_training) continue;
      if (victim == plans.end() || (*it)->last_use < (*victim)->last_use) victim = it;
    }
    if (victim != plans.end()) plans.erase(victim);
  }
  fresh->last_use = ++use_clock;
  plans.push_back(std::move(fresh));
  return *plans.back();
}

void Network::Impl::build_backward(Plan& p) {
  p.dlogits = memory(compat::plain_md(output.dims(p.n)), engine, nullptr);
  memory diff = p.dlogits;
  if (p.act_type != memory::data_type::f32) {
    p.typed_dlogits = memory(compat::plain_md(output.dims(p.n), p.act_type), engine);
    p.to_typed_dlogits = Reorder(p.dlogits, p.typed_dlogits);
    diff = p.typed_dlogits;
  }
  // Training stops at the first layer with parameters; gradient plans go on to the input.
  const size_t last = p.gradients ? 0 : first_trainable;
  if (p.gradients) p.diffs.resize(p.layers.size());
  for (size_t i = p.layers.size(); i-- > last;) {
    // A chain: each gradient is read by the next layer down only, so it may be
    // overwritten there, except the caller's dlogits (handed on by pass-through layers).
    const bool overwritable = diff.get() != p.dlogits.get();
    if (p.gradients) p.diffs[i] = diff;
    diff = p.layers[i]->build_backward(diff, p.gradients || i > first_trainable, overwritable);
  }
  if (p.gradients) p.input_diff = diff;
  p.backward_built = true;
}

Network::Network(const spec::Architecture& arch, int channels, int height, int width,
                 int num_classes, uint64_t seed)
    : Network(arch, channels, height, width, num_classes, seed, NetworkOptions{}) {}

Network::Network(const spec::Architecture& arch, int channels, int height, int width,
                 int num_classes, uint64_t seed, const NetworkOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (channels <= 0 || height <= 0 || width <= 0 || num_classes <= 0) {
    fail(Status::invalid_argument,
         "network input channels, height, width and class count must be positive (got " +
             std::to_string(channels) + "x" + std::to_string(height) + "x" + std::to_string(width) +
             ", " + std::to_string(num_classes) + " classes)");
  }
  Impl& m = *impl_;
  if (options.training_precision == Precision::bf16) require_bf16();
  m.options = options;
  m.input = Shape{channels, height, width, false};
  m.num_classes = num_classes;
  try {
    BuiltLayers built = build_layers(arch, m.input, num_classes, seed, options.fuse_bn_relu);
    m.layers = std::move(built.layers);
    m.output = built.output;
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "building the network");
  }
  m.first_trainable = m.layers.size();
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const size_t before = m.params.size();
    m.first_param.push_back(before);
    m.layers[i]->collect(m.params, m.buffers);
    if (m.params.size() > before && m.first_trainable == m.layers.size()) {
      m.first_trainable = i;
    }
  }
  m.dropout.seed = mix64(seed ^ 0xA0761D6478BD642Full);
}

Network::~Network() = default;

const float* Network::forward(const float* input, int n, bool training) {
  if (input == nullptr) fail(Status::invalid_argument, "forward: input is NULL");
  if (n <= 0) fail(Status::invalid_argument, "forward: batch size must be positive");
  Impl& m = *impl_;
  try {
    Impl::Plan& p = m.plan_for(n, training, omp_get_max_threads());
    if (training) m.last_training = &p;
    p.input.set_data_handle(const_cast<float*>(input));  // only ever read
    if (p.to_typed_input) p.to_typed_input.run(m.stream);
    for (auto& l : p.layers) l->forward(m.stream);
    if (training) ++m.dropout.step;
    if (p.to_logits) {
      p.to_logits.run(m.stream);
      m.stream.wait();
      return p.logits.data();
    }
    m.stream.wait();
    return data_of(p.output);
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "forward");
  }
}

void Network::backward(const float* dlogits, const GradientsReady& ready) {
  if (dlogits == nullptr) fail(Status::invalid_argument, "backward: dlogits is NULL");
  Impl& m = *impl_;
  if (m.last_training == nullptr) {
    fail(Status::invalid_argument, "backward needs a forward(training=true) first");
  }
  try {
    Impl::Plan& p = *m.last_training;
    if (!p.backward_built) m.build_backward(p);
    p.dlogits.set_data_handle(const_cast<float*>(dlogits));  // only ever read
    if (p.to_typed_dlogits) p.to_typed_dlogits.run(m.stream);
    for (size_t i = p.layers.size(); i-- > m.first_trainable;) {
      p.layers[i]->backward(m.stream);
      if (!ready) continue;
      m.stream.wait();  // layer i's gradients are written
      ready(m.first_param[i]);
    }
    m.stream.wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "backward");
  }
}

namespace {

// Copies a tensor of any layout into the caller's plain floats.
void copy_plain(dnnl::stream& s, const memory& from, const memory::dims& dims, float* to) {
  memory plain(compat::plain_md(dims), from.get_engine(), to);
  Reorder(from, plain).run(s);
}

}  // namespace

void Network::class_gradients(const float* input, int n, const int* classes,
                              const ClassGradients& out) {
  Impl& m = *impl_;
  if (input == nullptr || classes == nullptr)
    fail(Status::invalid_argument, "class_gradients: input or classes is NULL");
  if (n <= 0) fail(Status::invalid_argument, "class_gradients: batch size must be positive");
  const size_t k = static_cast<size_t>(m.num_classes);
  std::vector<float> onehot(static_cast<size_t>(n) * k, 0.f);
  for (int i = 0; i < n; ++i) {
    if (classes[i] < 0 || classes[i] >= m.num_classes)
      fail(Status::invalid_argument, "class_gradients: class " + std::to_string(classes[i]) +
                                         " of image " + std::to_string(i) + " is not in [0, " +
                                         std::to_string(m.num_classes) + ")");
    onehot[static_cast<size_t>(i) * k + static_cast<size_t>(classes[i])] = 1.f;
  }
  const bool tap = out.activation != nullptr || out.gradient != nullptr;
  if (tap && out.layer >= m.layers.size())
    fail(Status::invalid_argument,
         "class_gradients: the network has no layer " + std::to_string(out.layer));
  try {
    Impl::Plan& p = m.plan_for(n, false, omp_get_max_threads(), true);
    p.input.set_data_handle(const_cast<float*>(input));  // only ever read
    for (auto& l : p.layers) l->forward(m.stream);
    if (p.to_logits) p.to_logits.run(m.stream);
    m.stream.wait();
    if (out.logits != nullptr) {
      const float* logits = p.to_logits ? p.logits.data() : data_of(p.output);
      std::copy(logits, logits + onehot.size(), out.logits);
    }
    if (!p.backward_built) m.build_backward(p);
    p.dlogits.set_data_handle(onehot.data());
    for (size_t i = p.layers.size(); i-- > 0;) {
      // Read before layer i's backward, which may overwrite its output's gradient in place.
      if (tap && i == out.layer) {
        const memory::dims dims = m.layers[i]->out_shape().dims(n);
        if (out.activation) copy_plain(m.stream, p.layers[i]->dst(), dims, out.activation);
        if (out.gradient) copy_plain(m.stream, p.diffs[i], dims, out.gradient);
        if (out.input == nullptr) break;  // nothing below the tap is asked for
      }
      p.layers[i]->backward(m.stream);
    }
    if (out.input != nullptr) copy_plain(m.stream, p.input_diff, m.input.dims(n), out.input);
    m.stream.wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "class_gradients");
  }
}

void Network::copy_weights_from(const Network& other) {
  const Impl& from = *other.impl_;
  Impl& to = *impl_;
  auto same = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i]->shape != b[i]->shape) return false;
    return true;
  };
  if (!same(from.params, to.params) || !same(from.buffers, to.buffers))
    fail(Status::internal, "copy_weights_from: the networks' tensors differ");
  for (size_t i = 0; i < to.params.size(); ++i) to.params[i]->value = from.params[i]->value;
  for (size_t i = 0; i < to.buffers.size(); ++i) to.buffers[i]->value = from.buffers[i]->value;
  weights_changed();
}

void Network::weights_changed() { ++impl_->weights_version; }

void Network::set_training_precision(Precision precision) {
  Impl& m = *impl_;
  if (precision == m.options.training_precision) return;
  if (precision == Precision::bf16) require_bf16();
  m.options.training_precision = precision;
  m.drop_training_plans();  // built for the other number format
}

Precision Network::training_precision() const { return impl_->options.training_precision; }
uint64_t Network::weights_version() const { return impl_->weights_version; }

void Network::set_dropout_seed(uint64_t seed) {
  impl_->dropout.seed = seed;
  impl_->dropout.step = 0;
}

uint64_t Network::dropout_step() const { return impl_->dropout.step; }
void Network::set_dropout_step(uint64_t step) { impl_->dropout.step = step; }

std::vector<Param*> Network::params() { return impl_->params; }
std::vector<Buffer*> Network::buffers() { return impl_->buffers; }

size_t Network::num_params() const {
  size_t total = 0;
  for (const Param* p : impl_->params) total += p->value.size();
  return total;
}

int Network::num_classes() const { return impl_->num_classes; }
const Layer& Network::layer(size_t index) const {
  if (index >= impl_->layers.size())
    fail(Status::internal, "the network has no layer " + std::to_string(index));
  return *impl_->layers[index];
}
size_t Network::cached_plans() const { return impl_->plans.size(); }
int Network::layout_conversions() const { return impl_->layout_conversions; }

size_t Network::training_gradient_bytes() const {
  const Impl::Plan* p = impl_->last_training;
  return p != nullptr && p->gradient_pool ? p->gradient_pool->bytes() : 0;
}

size_t Network::training_scratchpad_bytes() const {
  const Impl::Plan* p = impl_->last_training;
  return p != nullptr ? p->scratchpad->bytes() : 0;
}

}  // namespace kcell::nn

#include "nn/network.hpp"

#include <algorithm>

#include <omp.h>

#include "common/error.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/exec.hpp"
#include "nn/layer.hpp"
#include "nn/network_builder.hpp"
#include "nn/random.hpp"

namespace kcell::nn {

using dnnl::memory;

namespace {

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
    int threads = 0;             // oneDNN sizes its work split when a primitive is created
    memory input;                // plain n×C×H×W over the caller's buffer
    std::vector<std::unique_ptr<LayerPlan>> layers;
    memory output;               // the last layer's dst
    std::vector<float> logits;   // plain copy when output is not plain already
    memory logits_mem;
    Reorder to_logits;
    bool backward_built = false;
    memory dlogits;              // plain over the caller's gradient buffer
    uint64_t last_use = 0;
  };

  NetworkOptions options;
  Shape input;
  int num_classes = 0;
  Shape output;
  std::vector<std::unique_ptr<Layer>> layers;
  std::vector<Param*> params;
  std::vector<Buffer*> buffers;
  size_t first_trainable = 0;  // layers before it need no backward at all

  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  uint64_t weights_version = 1;
  DropoutClock dropout;
  int layout_conversions = 0;

  std::vector<std::unique_ptr<Plan>> plans;
  Plan* last_training = nullptr;
  uint64_t use_clock = 0;

  Plan& plan_for(int64_t n, bool training, int threads);
  std::unique_ptr<Plan> make_plan(int64_t n, bool training, int threads);
  void build_backward(Plan& p);
};

std::unique_ptr<Network::Impl::Plan> Network::Impl::make_plan(int64_t n, bool training,
                                                             int threads) {
  auto p = std::make_unique<Plan>();
  p->n = n;
  p->training = training;
  p->threads = threads;
  PlanContext ctx;
  ctx.engine = engine;
  ctx.n = n;
  ctx.training = training;
  ctx.weights_version = &weights_version;
  ctx.dropout = &dropout;
  ctx.layout_conversions = &layout_conversions;
  p->input = memory(compat::plain_md(input.dims(n)), engine, nullptr);
  memory src = p->input;
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
Network::Impl::Plan& Network::Impl::plan_for(int64_t n, bool training, int threads) {
  for (auto& p : plans) {
    if (p->n == n && p->training == training && p->threads == threads) {
      p->last_use = ++use_clock;
      return *p;
    }
  }
  // Built before evicting, so that a failure leaves the cache as it was.
  auto fresh = make_plan(n, training, threads);
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
  for (size_t i = p.layers.size(); i-- > first_trainable;) {
    diff = p.layers[i]->build_backward(diff, i > first_trainable);
  }
  p.backward_built = true;
}

Network::Network(const model::Architecture& arch, int channels, int height, int width,
                 int num_classes, uint64_t seed)
    : Network(arch, channels, height, width, num_classes, seed, NetworkOptions{}) {}

Network::Network(const model::Architecture& arch, int channels, int height, int width,
                 int num_classes, uint64_t seed, const NetworkOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (channels <= 0 || height <= 0 || width <= 0 || num_classes <= 0) {
    fail(Status::invalid_argument,
         "network input channels, height, width and class count must be positive (got " +
             std::to_string(channels) + "x" + std::to_string(height) + "x" +
             std::to_string(width) + ", " + std::to_string(num_classes) + " classes)");
  }
  Impl& m = *impl_;
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

void Network::backward(const float* dlogits) {
  if (dlogits == nullptr) fail(Status::invalid_argument, "backward: dlogits is NULL");
  Impl& m = *impl_;
  if (m.last_training == nullptr) {
    fail(Status::invalid_argument, "backward needs a forward(training=true) first");
  }
  try {
    Impl::Plan& p = *m.last_training;
    if (!p.backward_built) m.build_backward(p);
    p.dlogits.set_data_handle(const_cast<float*>(dlogits));  // only ever read
    for (size_t i = p.layers.size(); i-- > m.first_trainable;) p.layers[i]->backward(m.stream);
    m.stream.wait();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "backward");
  }
}

void Network::weights_changed() { ++impl_->weights_version; }

void Network::set_dropout_seed(uint64_t seed) {
  impl_->dropout.seed = seed;
  impl_->dropout.step = 0;
}

std::vector<Param*> Network::params() { return impl_->params; }
std::vector<Buffer*> Network::buffers() { return impl_->buffers; }

size_t Network::num_params() const {
  size_t total = 0;
  for (const Param* p : impl_->params) total += p->value.size();
  return total;
}

int Network::num_classes() const { return impl_->num_classes; }
size_t Network::cached_plans() const { return impl_->plans.size(); }
int Network::layout_conversions() const { return impl_->layout_conversions; }

}  // namespace kcell::nn

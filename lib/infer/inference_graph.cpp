#include "infer/inference_graph.hpp"

#include <string>

#include "common/error.hpp"
#include "infer/bn_folding.hpp"
#include "nn/basic_block_layer.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/conv_layer.hpp"
#include "nn/dense_layer.hpp"

namespace kcell::infer {

using nn::Shape;
using spec::LayerKind;
using spec::LayerSpec;

namespace {

// A copy of a layer's tensor, checked against the element count the architecture implies.
std::vector<float> copy_of(const std::vector<float>* values, const std::string& what,
                           const std::vector<int64_t>& dims) {
  if (values == nullptr) fail(Status::internal, "inference: the network has no " + what);
  int64_t count = 1;
  for (int64_t d : dims) count *= d;
  if (values->size() != static_cast<size_t>(count))
    fail(Status::internal, "inference: " + what + " does not have the expected shape");
  return *values;
}

const std::vector<float>* values_of(const nn::Param* p) { return p ? &p->value : nullptr; }
const std::vector<float>* values_of(const nn::Buffer* b) { return b ? &b->value : nullptr; }

class GraphBuilder {
 public:
  GraphBuilder(model::Model& model, InferenceGraph& g) : model_(model), g_(g) {}

  void build() {
    g_.values = {Shape{model_.channels(), model_.height(), model_.width(), false}};
    // Dropout is the identity at inference: without it, layers it separated are
    // neighbours and fold as such.
    for (size_t i = 0; i < model_.architecture().layers.size(); ++i)
      if (model_.architecture().layers[i].kind != LayerKind::dropout) order_.push_back(i);
    int value = 0;
    for (at_ = 0; at_ < order_.size(); ++at_) value = add_layer(value);
    const Shape& out = g_.values[static_cast<size_t>(value)];
    if (out.size() != model_.num_classes() || out.h != 1 || out.w != 1)
      fail(Status::internal, "inference: the graph does not end in the class logits");
    g_.output = value;
  }

 private:
  const LayerSpec& spec(size_t k) const { return model_.architecture().layers[order_[k]]; }
  std::string index() const { return std::to_string(order_[at_]); }
  bool next_is(LayerKind kind) const {
    return at_ + 1 < order_.size() && spec(at_ + 1).kind == kind;
  }
  // Takes the next layer into the current step when it is `kind`.
  bool absorb_next(LayerKind kind) {
    if (!next_is(kind)) return false;
    ++at_;
    return true;
  }

  int new_value(Shape s) {
    g_.values.push_back(s);
    return static_cast<int>(g_.values.size()) - 1;
  }
  const Shape& shape(int value) const { return g_.values[static_cast<size_t>(value)]; }

  // The network's layer for spec position k, as the type its spec kind builds.
  template <class LayerType>
  const LayerType& layer(size_t k) const {
    const auto* l = dynamic_cast<const LayerType*>(&model_.network().layer(order_[k]));
    if (!l)
      fail(Status::internal,
           "inference: layer " + std::to_string(order_[k]) + " is not the kind its spec names");
    return *l;
  }

  // The batch norm `name`'s statistics, copied into `keep` (which the result points into).
  static BatchNormStats stats(const nn::BatchNormTensors& t, const std::string& name, int64_t c,
                              std::vector<float> (&keep)[4]) {
    keep[0] = copy_of(values_of(t.scale), name + " scale", {c});
    keep[1] = copy_of(values_of(t.shift), name + " shift", {c});
    keep[2] = copy_of(values_of(t.mean), name + " running mean", {c});
    keep[3] = copy_of(values_of(t.var), name + " running variance", {c});
    return BatchNormStats{keep[0], keep[1], keep[2], keep[3], nn::BatchNormLayer::kEps};
  }

  // A convolution named `prefix` with tensors `w` reading `input`, with the batch norm `bn`
  // (if not null) folded in.
  Step conv(const std::string& prefix, const nn::WeightTensors& w, int input, int64_t out,
            int64_t kernel, int64_t stride, int64_t pad, const nn::BatchNormTensors* bn) {
    const Shape in = shape(input);
    Step s;
    s.kind = StepKind::conv;
    s.name = prefix;
    s.input = input;
    s.kernel = kernel;
    s.stride = stride;
    s.pad = pad;
    s.weight_dims = {out, in.c, kernel, kernel};
    s.weight = copy_of(values_of(w.weight), prefix + " weight", s.weight_dims);
    if (w.bias) s.bias = copy_of(values_of(w.bias), prefix + " bias", {out});
    if (bn) {
      std::vector<float> keep[4];
      fold_batch_norm(s.weight, s.bias, stats(*bn, prefix + " batch norm", out, keep));
    }
    s.output = new_value(Shape{out, (in.h + 2 * pad - kernel) / stride + 1,
                               (in.w + 2 * pad - kernel) / stride + 1, false});
    return s;
  }

  int push(Step s) {
    g_.steps.push_back(std::move(s));
    return g_.steps.back().output;
  }

  int add_layer(int input) {
    const LayerSpec& l = spec(at_);
    const std::string i = index();
    const Shape in = shape(input);
    switch (l.kind) {
      case LayerKind::conv: {
        const int64_t pad = l.pad < 0 ? l.kernel / 2 : l.pad;
        const bool fold = next_is(LayerKind::batch_norm);
        nn::BatchNormTensors bn;
        if (fold) bn = layer<nn::BatchNormLayer>(at_ + 1).tensors();
        Step s = conv(i + ".conv", layer<nn::ConvLayer>(at_).tensors(), input, l.out, l.kernel,
                      l.stride, pad, fold ? &bn : nullptr);
        if (fold) ++at_;
        s.relu = absorb_next(LayerKind::relu);
        return push(std::move(s));
      }
      case LayerKind::batch_norm: {
        Step s;
        s.kind = StepKind::batch_norm;
        s.name = i + ".bn";
        s.input = input;
        std::vector<float> keep[4];
        stats(layer<nn::BatchNormLayer>(at_).tensors(), s.name, in.c, keep);
        s.scale = std::move(keep[0]);
        s.shift = std::move(keep[1]);
        s.mean = std::move(keep[2]);
        s.var = std::move(keep[3]);
        s.eps = nn::BatchNormLayer::kEps;
        s.relu = absorb_next(LayerKind::relu);
        s.output = new_value(in);
        return push(std::move(s));
      }
      case LayerKind::relu: {
        Step s;
        s.kind = StepKind::relu;
        s.name = i + ".relu";
        s.input = input;
        s.output = new_value(in);
        return push(std::move(s));
      }
      case LayerKind::max_pool:
      case LayerKind::avg_pool:
      case LayerKind::global_avg_pool: {
        Step s;
        s.kind = StepKind::pool;
        s.name = i + ".pool";
        s.input = input;
        s.pool = l.kind == LayerKind::max_pool ? PoolKind::max : PoolKind::avg;
        if (l.kind == LayerKind::global_avg_pool) {
          s.window_h = s.stride_h = in.h;
          s.window_w = s.stride_w = in.w;
        } else {
          s.window_h = s.window_w = l.kernel;
          s.stride_h = s.stride_w = l.stride;
        }
        s.output = new_value(Shape{in.c, (in.h - s.window_h) / s.stride_h + 1,
                                   (in.w - s.window_w) / s.stride_w + 1, false});
        return push(std::move(s));
      }
      case LayerKind::flatten: {
        // A dense layer reads an image input in C, H, W order itself.
        if (in.flat || next_is(LayerKind::dense)) return input;
        Step s;
        s.kind = StepKind::flatten;
        s.name = i + ".flatten";
        s.input = input;
        s.output = new_value(Shape{in.size(), 1, 1, true});
        return push(std::move(s));
      }
      case LayerKind::dense: {
        const int64_t units = l.out > 0 ? l.out : model_.num_classes();
        Step s;
        s.kind = StepKind::dense;
        s.name = i + ".dense";
        s.input = input;
        // Over a 1 × 1 image (after global pooling) the layer is a plain matrix product of
        // rows of channels.
        s.weight_dims = in.flat || (in.h == 1 && in.w == 1)
                            ? std::vector<int64_t>{units, in.size()}
                            : std::vector<int64_t>{units, in.c, in.h, in.w};
        const nn::WeightTensors w = layer<nn::DenseLayer>(at_).tensors();
        s.weight = copy_of(values_of(w.weight), s.name + " weight", s.weight_dims);
        if (w.bias) s.bias = copy_of(values_of(w.bias), s.name + " bias", {units});
        s.relu = absorb_next(LayerKind::relu);
        s.output = new_value(Shape{units, 1, 1, true});
        return push(std::move(s));
      }
      case LayerKind::basic_block: {
        // y = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), see nn/basic_block_layer.
        const std::string p = i + ".block";
        const nn::BasicBlockLayer::Tensors t = layer<nn::BasicBlockLayer>(at_).tensors();
        Step c1 = conv(p + ".conv1", t.conv1, input, l.out, 3, l.stride, 1, &t.bn1);
        c1.relu = true;
        const int h = push(std::move(c1));
        int shortcut = input;
        if (t.projection)
          shortcut = push(conv(p + ".shortcut.conv", t.shortcut_conv, input, l.out, 1, l.stride, 0,
                               &t.shortcut_bn));
        Step c2 = conv(p + ".conv2", t.conv2, h, l.out, 3, 1, 1, &t.bn2);
        c2.residual = shortcut;
        c2.relu = true;
        return push(std::move(c2));
      }
      case LayerKind::dropout:
        return input;
    }
    fail(Status::internal, "inference: layer " + i + " has an unknown kind");
  }

  model::Model& model_;
  InferenceGraph& g_;
  std::vector<size_t> order_;  // spec indices without dropout
  size_t at_ = 0;              // position in order_
};

}  // namespace

std::vector<int> InferenceGraph::last_readers() const {
  std::vector<int> last(values.size(), -1);
  for (size_t k = 0; k < steps.size(); ++k) {
    last[static_cast<size_t>(steps[k].input)] = static_cast<int>(k);
    if (steps[k].residual >= 0) last[static_cast<size_t>(steps[k].residual)] = static_cast<int>(k);
  }
  return last;
}

InferenceGraph build_inference_graph(model::Model& model) {
  InferenceGraph g;
  GraphBuilder(model, g).build();
  return g;
}

}  // namespace kcell::infer

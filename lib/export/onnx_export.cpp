#include "export/onnx_export.hpp"

#include <onnx.pb.h>

#include <climits>
#include <set>
#include <string>
#include <vector>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "infer/inference_graph.hpp"

namespace kcell::exporter {
namespace {

// The IR version that goes with kOnnxOpset (opset 11 came with IR version 6).
constexpr int64_t kIrVersion = 6;

// The graph being written: nodes, initializers and fresh value names.
class OnnxGraph {
 public:
  explicit OnnxGraph(onnx::GraphProto& g) : g_(g) {}

  // A new node `op` reading `inputs`, writing one fresh value, which it returns.
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        std::string* output) {
    onnx::NodeProto* n = g_.add_node();
    n->set_op_type(op);
    for (const std::string& in : inputs) n->add_input(in);
    *output = "t" + std::to_string(next_++);
    n->add_output(*output);
    n->set_name(op + "_" + *output);
    return *n;
  }
  std::string op(const std::string& op, const std::vector<std::string>& inputs) {
    std::string out;
    node(op, inputs, &out);
    return out;
  }

  // A float initializer `name` (once: later calls with the same name only return it, so
  // the views of test-time augmentation share their weights).
  std::string constant(const std::string& name, const std::vector<int64_t>& dims,
                       const std::vector<float>& values) {
    if (!names_.insert(name).second) return name;
    onnx::TensorProto* t = g_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    // raw_data is little-endian, as x86-64 stores floats.
    t->set_raw_data(values.data(), values.size() * sizeof(float));
    return name;
  }

 private:
  onnx::GraphProto& g_;
  std::set<std::string> names_;
  int next_ = 0;
};

void set_ints(onnx::NodeProto& n, const char* name, const std::vector<int64_t>& values) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void set_int(onnx::NodeProto& n, const char* name, int64_t value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_float(onnx::NodeProto& n, const char* name, float value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_shape(onnx::ValueInfoProto& v, const std::string& name, std::vector<int64_t> dims) {
  v.set_name(name);
  onnx::TypeProto_Tensor* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  onnx::TensorShapeProto* s = t->mutable_shape();
  s->add_dim()->set_dim_param("batch");
  for (int64_t d : dims) s->add_dim()->set_dim_value(d);
}

// Writes one member: its normalisation, views, network, view averaging, temperature and
// bias.
class MemberWriter {
 public:
  MemberWriter(OnnxGraph& g, model::Model& m, const std::string& prefix)
      : g_(g), m_(m), prefix_(prefix), net_(infer::build_inference_graph(m)) {}

  // The member's probabilities (batch × k) for the raw pixels `images`.
  std::string probabilities(const std::string& images) {
    const std::string x = normalised(images);
    const int views = model::tta_views(m_.tta());
    const size_t k = static_cast<size_t>(m_.num_classes());
    if (m_.multi_label()) return sigmoid_probabilities(x, views);
    std::string z;
    if (views == 1) {
      z = logits(x);
    } else {
      // As infer/tta.hpp: the mean of the views' softmax probabilities, whose logarithm the
      // bias and softmax then take as logits. kcell floors the mean at 1e-30 before the
      // logarithm; OpenCV 4.6 reads no Max or Clip with a constant bound, so the graph
      // writes max(p, c) as Relu(p - c) + c: the same floor, which matters where a large
      // decision bias lifts a class whose probability underflowed.
      std::vector<std::string> probs;
      for (int v = 0; v < views; ++v) {
        onnx::NodeProto& n = g_.node("Softmax", {logits(view(x, v))}, &z);
        set_int(n, "axis", 1);
        probs.push_back(z);
      }
      const std::string sum = g_.op("Sum", probs);
      const std::string mean = g_.op(
          "Mul", {sum, g_.constant(prefix_ + "tta.scale", {}, {1.f / static_cast<float>(views)})});
      const std::string floor_value = g_.constant("tta.floor", {}, {1e-30f});
      const std::string above = g_.op("Relu", {g_.op("Sub", {mean, floor_value})});
      const std::string floor = g_.op("Add", {above, floor_value});
      z = g_.op("Log", {floor});
    }
    // Temperature scaling, as infer/predict.cpp: after the views, before the decision bias.
    if (m_.temperature() != 1.0)
      z = g_.op("Div", {z, g_.constant(prefix_ + "temperature", {},
                                       {static_cast<float>(m_.temperature())})});
    const std::vector<float>& bias = m_.decision_bias();
    if (!bias.empty())
      z = g_.op("Add",
                {z, g_.constant(prefix_ + "decision_bias", {static_cast<int64_t>(k)}, bias)});
    std::string p;
    set_int(g_.node("Softmax", {z}, &p), "axis", 1);
    return p;
  }

 private:
  // A multi-label model's outputs: the sigmoid of each logit, or with test-time
  // augmentation the mean over the views of their sigmoids (kcell takes the logit of that
  // mean and its sigmoid again: the same numbers). It has no temperature or bias.
  std::string sigmoid_probabilities(const std::string& x, int views) {
    if (views == 1) return g_.op("Sigmoid", {logits(x)});
    std::vector<std::string> probs;
    for (int v = 0; v < views; ++v) probs.push_back(g_.op("Sigmoid", {logits(view(x, v))}));
    return g_.op("Mul", {g_.op("Sum", probs), g_.constant(prefix_ + "tta.scale", {},
                                                          {1.f / static_cast<float>(views)})});
  }

  // (pixel / 255 - mean) / std per channel, as one 1×1 convolution per channel (a
  // per-channel Mul and Add would need broadcasting that not every runtime reads).
  std::string normalised(const std::string& images) {
    const int c = m_.channels();
    const model::Normalization& n = m_.normalization();
    std::vector<float> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
    for (size_t i = 0; i < scale.size(); ++i) {
      const double mean = n.empty() ? 0.0 : n.mean[i], sd = n.empty() ? 1.0 : n.std[i];
      scale[i] = static_cast<float>(1.0 / (255.0 * sd));
      shift[i] = static_cast<float>(-mean / sd);
    }
    std::string out;
    onnx::NodeProto& node =
        g_.node("Conv",
                {images, g_.constant(prefix_ + "normalisation.scale", {c, 1, 1, 1}, scale),
                 g_.constant(prefix_ + "normalisation.shift", {c}, shift)},
                &out);
    set_ints(node, "kernel_shape", {1, 1});
    set_int(node, "group", c);
    return out;
  }

  // Reverses the last axis (width): a product with the reversed identity, which every
  // runtime reads (OpenCV 4.6 has no Slice with a negative step and no Gather of many
  // indices).
  std::string flip_width(const std::string& x, int64_t w) {
    std::vector<float> reverse(static_cast<size_t>(w * w), 0.f);
    for (int64_t i = 0; i < w; ++i) reverse[static_cast<size_t>(i * w + (w - 1 - i))] = 1.f;
    return g_.op("MatMul", {x, g_.constant("reverse" + std::to_string(w), {w, w}, reverse)});
  }
  std::string transpose(const std::string& x) {
    std::string out;
    set_ints(g_.node("Transpose", {x}, &out), "perm", {0, 1, 3, 2});
    return out;
  }
  std::string flip_height(const std::string& x) {
    return transpose(flip_width(transpose(x), m_.height()));
  }

  // View `view` of x as infer::tta_view makes it: bit 0 a left-right flip, then an up-down
  // flip (flips4) or quarter turns counter-clockwise (dihedral, data::rotate_quarter_turns:
  // one turn is the transpose of the left-right mirror, three the transpose of the up-down
  // mirror, two both mirrors).
  std::string view(std::string x, int view) {
    if (view & 1) x = flip_width(x, m_.width());
    const int upper = view >> 1;
    if (upper == 0) return x;
    if (m_.tta() != model::Tta::dihedral) return flip_height(x);
    switch (upper) {
      case 1:
        return transpose(flip_width(x, m_.width()));
      case 2:
        return flip_height(flip_width(x, m_.width()));
      default:
        return transpose(flip_height(x));
    }
  }

  std::string weights(const infer::Step& s, std::vector<int64_t> dims) {
    return g_.constant(prefix_ + s.name + ".weight", dims, s.weight);
  }
  std::string bias(const infer::Step& s, int64_t out) {
    return g_.constant(prefix_ + s.name + ".bias", {out},
                       s.bias.empty() ? std::vector<float>(static_cast<size_t>(out), 0.f) : s.bias);
  }
  // The network's logits (batch × k) for normalised input x.
  std::string logits(const std::string& x) {
    std::vector<std::string> value(net_.values.size());
    value[0] = x;
    for (const infer::Step& s : net_.steps) {
      const std::string& in = value[static_cast<size_t>(s.input)];
      const nn::Shape& shape = net_.values[static_cast<size_t>(s.input)];
      std::string out;
      switch (s.kind) {
        case infer::StepKind::conv: {
          const int64_t o = s.weight_dims[0];
          onnx::NodeProto& n = g_.node("Conv", {in, weights(s, s.weight_dims), bias(s, o)}, &out);
          set_ints(n, "kernel_shape", {s.kernel, s.kernel});
          set_ints(n, "strides", {s.stride, s.stride});
          set_ints(n, "pads", {s.pad, s.pad, s.pad, s.pad});
          if (s.residual >= 0) out = g_.op("Add", {out, value[static_cast<size_t>(s.residual)]});
          break;
        }
        case infer::StepKind::dense: {
          std::string rows = in;
          if (!shape.flat) set_int(g_.node("Flatten", {in}, &rows), "axis", 1);
          const int64_t o = s.weight_dims[0];
          onnx::NodeProto& n =
              g_.node("Gemm", {rows, weights(s, {o, shape.size()}), bias(s, o)}, &out);
          set_int(n, "transB", 1);
          break;
        }
        case infer::StepKind::batch_norm: {
          const int64_t c = shape.c;
          const std::string p = prefix_ + s.name;
          onnx::NodeProto& n = g_.node(
              "BatchNormalization",
              {in, g_.constant(p + ".scale", {c}, s.scale), g_.constant(p + ".shift", {c}, s.shift),
               g_.constant(p + ".running_mean", {c}, s.mean),
               g_.constant(p + ".running_var", {c}, s.var)},
              &out);
          set_float(n, "epsilon", s.eps);
          break;
        }
        case infer::StepKind::relu:
          out = in;  // the ReLU below
          break;
        case infer::StepKind::pool: {
          const nn::Shape& o = net_.values[static_cast<size_t>(s.output)];
          if (s.pool == infer::PoolKind::avg && o.h == 1 && o.w == 1 && s.window_h == shape.h &&
              s.window_w == shape.w) {
            out = g_.op("GlobalAveragePool", {in});
            break;
          }
          onnx::NodeProto& n =
              g_.node(s.pool == infer::PoolKind::max ? "MaxPool" : "AveragePool", {in}, &out);
          set_ints(n, "kernel_shape", {s.window_h, s.window_w});
          set_ints(n, "strides", {s.stride_h, s.stride_w});
          break;
        }
        case infer::StepKind::flatten:
          set_int(g_.node("Flatten", {in}, &out), "axis", 1);
          break;
      }
      if (s.relu || s.kind == infer::StepKind::relu) out = g_.op("Relu", {out});
      value[static_cast<size_t>(s.output)] = out;
    }
    const std::string& z = value[static_cast<size_t>(net_.output)];
    // Logits over a 1 × 1 image (no dense layer at the end) are made rows of k.
    if (!net_.values[static_cast<size_t>(net_.output)].flat) {
      std::string rows;
      set_int(g_.node("Flatten", {z}, &rows), "axis", 1);
      return rows;
    }
    return z;
  }

  OnnxGraph& g_;
  model::Model& m_;
  std::string prefix_;
  infer::InferenceGraph net_;
};

}  // namespace

bool onnx_export_supported() { return true; }

void export_onnx(const std::vector<model::Model*>& members, const std::string& path,
                 const std::string& producer_version) {
  if (members.empty()) fail(Status::internal, "ONNX export of no model");
  check_output_file(path, {});
  const model::Model& first = *members.front();
  onnx::ModelProto proto;
  proto.set_ir_version(kIrVersion);
  proto.set_producer_name("kcell");
  proto.set_producer_version(producer_version);
  onnx::OperatorSetIdProto* opset = proto.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::StringStringEntryProto* names = proto.add_metadata_props();
  names->set_key("class_names");
  std::string joined;
  for (const std::string& name : first.class_names()) joined += (joined.empty() ? "" : "\n") + name;
  names->set_value(joined);

  onnx::GraphProto& g = *proto.mutable_graph();
  g.set_name("kcell");
  g.set_doc_string(
      "images: raw pixel values 0-255 as float, batch x channels x height x width; "
      "probabilities: class probabilities as kcell_predict returns them");
  set_shape(*g.add_input(), "images", {first.channels(), first.height(), first.width()});
  OnnxGraph graph(g);
  std::vector<std::string> probs;
  for (size_t i = 0; i < members.size(); ++i)
    probs.push_back(MemberWriter(graph, *members[i],
                                 members.size() == 1 ? "" : "member" + std::to_string(i) + ".")
                        .probabilities("images"));
  std::string out = probs.front();
  if (members.size() > 1) {
    // The ensemble's mean, as infer::predict_mean takes it.
    out = graph.op(
        "Mul", {graph.op("Sum", probs),
                graph.constant("ensemble.scale", {}, {1.f / static_cast<float>(members.size())})});
  }
  // The last node writes the graph's output under its public name.
  g.mutable_node(g.node_size() - 1)->set_output(0, "probabilities");
  set_shape(*g.add_output(), "probabilities", {first.num_classes()});

  const size_t size = proto.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX))
    fail(Status::limit, "the ONNX file would take " + std::to_string(size) +
                            " bytes; protobuf writes at most 2 GB");
  std::string bytes;
  if (!proto.SerializeToString(&bytes))
    fail(Status::internal, "ONNX export: protobuf could not serialise the model");
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace kcell::exporter

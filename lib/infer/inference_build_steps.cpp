// InferenceContext::Build: batch norm, ReLU, pooling and flatten steps, and the walk over
// the graph.
#include "infer/inference_build.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "common/error.hpp"

namespace kcell::infer {

void InferenceContext::Build::add_batch_norm(size_t k) {
  const Step& s = g.steps[k];
  const int src = typed_input(s.input);
  const auto pd = compat::make_bn_inference_pd(eng, md_of(src), s.eps, s.relu,
                                               compat::inference_attr(false, false));
  Op op;
  op.src = src;
  op.dst = add_tensor(pd.dst_desc());
  op.prim = dnnl::batch_normalization_forward(pd);
  op.scale = plain_vector(s.scale);
  op.shift = plain_vector(s.shift);
  op.mean = plain_vector(s.mean);
  op.var = plain_vector(s.var);
  op.scratchpad = pd.scratchpad_desc();
  emit(std::move(op), s.output);
}

void InferenceContext::Build::add_relu(size_t k) {
  const Step& s = g.steps[k];
  const int src = typed_input(s.input);
  const auto pd = compat::make_eltwise_inference_pd(eng, algorithm::eltwise_relu, md_of(src), 0.f,
                                                    0.f, compat::inference_attr(false, false));
  Op op;
  op.src = src;
  op.dst = add_tensor(pd.dst_desc());
  op.prim = dnnl::eltwise_forward(pd);
  op.scratchpad = pd.scratchpad_desc();
  emit(std::move(op), s.output);
}

void InferenceContext::Build::add_pool(size_t k) {
  const Step& s = g.steps[k];
  // int8 values are pooled as they are: max and average keep their scale.
  const int given = tensor_of[static_cast<size_t>(s.input)];
  const bool integer = int8() && md_of(given).data_type() != memory::data_type::f32;
  const int src = integer ? given : typed_input(s.input);
  const memory::data_type type = md_of(src).data_type();
  const auto alg =
      s.pool == PoolKind::max ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
  const auto pd = compat::make_pool_inference_pd(
      eng, alg, md_of(src), any(dims(s.output), type), {s.stride_h, s.stride_w},
      {s.window_h, s.window_w}, {0, 0}, {0, 0}, compat::inference_attr(false, false));
  Op op;
  op.src = src;
  op.dst = add_tensor(pd.dst_desc(), -1, scale_of(src));
  op.prim = dnnl::pooling_forward(pd);
  op.scratchpad = pd.scratchpad_desc();
  emit(std::move(op), s.output);
}

void InferenceContext::Build::add_flatten(size_t k) {
  const Step& s = g.steps[k];
  tensor_of[static_cast<size_t>(s.output)] = as_rows(typed_input(s.input));
}

int InferenceContext::Build::build(int& input_tensor) {
  storages.push_back({});
  storages.back().external = true;
  input_tensor = add_tensor(plain_of(dims(0), memory::data_type::f32), 0);
  tensor_of[0] = input_tensor;
  for (size_t k = 0; k < g.steps.size(); ++k) {
    switch (g.steps[k].kind) {
      case StepKind::conv:
        add_conv(k);
        break;
      case StepKind::dense:
        add_dense(k);
        break;
      case StepKind::batch_norm:
        add_batch_norm(k);
        break;
      case StepKind::relu:
        add_relu(k);
        break;
      case StepKind::pool:
        add_pool(k);
        break;
      case StepKind::flatten:
        add_flatten(k);
        break;
    }
  }
  const int out = tensor_of[static_cast<size_t>(g.output)];
  const memory::desc want = plain_of(compat::md_dims(md_of(out)), memory::data_type::f32);
  if (md_of(out) == want && !is_external(out)) return out;
  const int logits = add_tensor(want);
  copy(out, logits);
  return logits;
}

}  // namespace kcell::infer

#include "nn/batch_norm_layer.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "nn/batch_norm_sync.hpp"
#include "nn/dnnl_compat.hpp"
#include "nn/param_memory.hpp"

namespace kcell::nn {

using dnnl::memory;
using dnnl::normalization_flags;

BatchNormLayer::BatchNormLayer(const std::string& name, Shape in, bool fused_relu)
    : name_(name), shape_(in), fused_relu_(fused_relu) {
  const auto c = static_cast<size_t>(in.c);
  auto make_param = [&](Param& p, const char* what, float init) {
    p.name = name + "." + what;
    p.shape = {in.c};
    p.value.assign(c, init);
    p.grad.assign(c, 0.f);
    p.is_weight = false;
  };
  make_param(scale_, "weight", 1.f);
  make_param(shift_, "bias", 0.f);
  running_mean_ = Buffer{name + ".running_mean", {in.c}, std::vector<float>(c, 0.f)};
  running_var_ = Buffer{name + ".running_var", {in.c}, std::vector<float>(c, 1.f)};
}

void BatchNormLayer::collect(std::vector<Param*>& params, std::vector<Buffer*>& buffers) {
  params.push_back(&scale_);
  params.push_back(&shift_);
  buffers.push_back(&running_mean_);
  buffers.push_back(&running_var_);
}

class BatchNormPlan : public LayerPlan {
 public:
  BatchNormPlan(BatchNormLayer& layer, const PlanContext& ctx, const memory& src)
      : L_(layer), ctx_(ctx), src_(src) {
    count_ = ctx.n * L_.shape_.h * L_.shape_.w;
    if (ctx.training && count_ < 2) {
      fail(Status::invalid_argument,
           L_.name_ +
               ": batch normalisation in training needs more than one value per "
               "channel, got a batch of " +
               std::to_string(ctx.n));
    }
    flags_ = normalization_flags::use_scale | normalization_flags::use_shift;
    if (L_.fused_relu_) flags_ |= normalization_flags::fuse_norm_relu;
    // Outside training the running statistics are constants, also for a backward pass.
    if (!ctx.training) flags_ |= normalization_flags::use_global_stats;
    fwd_pd_ = compat::make_bn_fwd_pd(ctx.engine, ctx.forward_prop(), src.get_desc(),
                                     BatchNormLayer::kEps, flags_);
    dst_ = memory(fwd_pd_.dst_desc(), ctx.engine);
    scale_ = PlainVector(ctx.engine, L_.scale_.value);
    shift_ = PlainVector(ctx.engine, L_.shift_.value);
    if (ctx.training) {
      mean_ = memory(fwd_pd_.mean_desc(), ctx.engine);
      var_ = memory(fwd_pd_.variance_desc(), ctx.engine);
    } else {
      running_mean_ = PlainVector(ctx.engine, L_.running_mean_.value);
      running_var_ = PlainVector(ctx.engine, L_.running_var_.value);
      mean_ = running_mean_.memory();
      var_ = running_var_.memory();
    }
    if (ctx.backward && L_.fused_relu_) workspace_ = memory(fwd_pd_.workspace_desc(), ctx.engine);
    fwd_ = forward_exec(fwd_pd_, workspace_);
  }

  memory dst() const override { return dst_; }

  void forward(dnnl::stream& s) override {
    scale_.bind();
    shift_.bind();
    if (!ctx_.training) {
      running_mean_.bind();
      running_var_.bind();
      fwd_.run(s);
      return;
    }
    fwd_.run(s);
    s.wait();
    // The mode of this step, which its backward follows.
    synchronised_ = static_cast<bool>(batch_statistics_sum());
    if (!synchronised_) {
      update_running_stats(count_);
      return;
    }
    // The local statistics become the global batch's; the normalisation runs again with
    // them held as given.
    global_count_ =
        global_batch_statistics(data_of(mean_), data_of(var_), L_.running_mean_.value.data(),
                                L_.running_mean_.value.size(), count_, batch_statistics_sum());
    if (!fwd_global_) build_global_forward();
    fwd_global_.run(s);
    s.wait();
    update_running_stats(global_count_);
  }

  memory build_backward(const memory& diff_dst, bool /*need_diff_src*/,
                        bool diff_dst_free) override {
    // The diff tensors share the data layout; the scale/shift gradients need the primitive
    // to run even when nobody reads diff_src.
    const memory::desc data_md = src_.get_desc();
    auto pd = compat::make_bn_bwd_pd(ctx_.engine, data_md, data_md, BatchNormLayer::kEps, flags_,
                                     fwd_pd_);
    memory dd = in_layout(diff_dst, pd.diff_dst_desc(), ctx_.engine, diff_dst_convert_,
                          ctx_.layout_conversions);
    // In place (oneDNN supports it) when diff_dst is ours to overwrite: a converted copy
    // always is.
    diff_src_ = diff_dst_free || diff_dst_convert_ ? dd : new_gradient(ctx_, pd.diff_src_desc());
    dd_ = dd;
    diff_scale_ = PlainVector(ctx_.engine, L_.scale_.grad);
    diff_shift_ = PlainVector(ctx_.engine, L_.shift_.grad);
    bwd_ = backward_exec(pd, workspace_);
    done_with(ctx_, diff_dst, diff_dst_free, diff_src_);
    return diff_src_;
  }

  void backward(dnnl::stream& s) override {
    if (diff_dst_convert_) diff_dst_convert_.run(s);
    scale_.bind();
    shift_.bind();
    diff_scale_.bind();
    diff_shift_.bind();
    if (!synchronised_) {
      bwd_.run(s);
      return;
    }
    sync_backward(s);
  }

 private:
  // Forward with the global statistics given (in mean_ / var_), and its own workspace for
  // a fused ReLU; built at the first synchronised step.
  void build_global_forward() {
    const auto flags = flags_ | normalization_flags::use_global_stats;
    fwd_global_pd_ = compat::make_bn_fwd_pd(ctx_.engine, ctx_.forward_prop(), src_.get_desc(),
                                            BatchNormLayer::kEps, flags);
    if (L_.fused_relu_) workspace_global_ = memory(fwd_global_pd_.workspace_desc(), ctx_.engine);
    fwd_global_ = forward_exec(fwd_global_pd_, workspace_global_);
  }

  // The forward primitive of `pd` on this layer's tensors (statistics in mean_ / var_) and
  // `workspace`.
  Exec forward_exec(const dnnl::batch_normalization_forward::primitive_desc& pd,
                    const memory& workspace) {
    return Exec(dnnl::batch_normalization_forward(pd),
                {{DNNL_ARG_SRC, src_},
                 {DNNL_ARG_DST, dst_},
                 {DNNL_ARG_SCALE, scale_.memory()},
                 {DNNL_ARG_SHIFT, shift_.memory()},
                 {DNNL_ARG_MEAN, mean_},
                 {DNNL_ARG_VARIANCE, var_},
                 {DNNL_ARG_WORKSPACE, workspace}},
                ctx_.scratchpad);
  }

  // The backward of synchronised batch norm: oneDNN's with the statistics held constant
  // (dx = scale/σ · dy, and this rank's sums of dy and dy·x̂ as the scale and shift
  // gradients), then the part through the global statistics added on plain copies.
  void sync_backward(dnnl::stream& s) {
    if (!bwd_global_) build_sync_backward();
    bwd_global_.run(s);
    s.wait();
    const size_t c = L_.scale_.grad.size();
    sums_.resize(2 * c);
    std::copy(L_.scale_.grad.begin(), L_.scale_.grad.end(), sums_.begin());
    std::copy(L_.shift_.grad.begin(), L_.shift_.grad.end(), sums_.begin() + c);
    batch_statistics_sum()(sums_.data(), sums_.size());  // the parameter gradients stay local
    to_plain_x_.run(s);
    to_plain_dx_.run(s);
    s.wait();
    add_statistics_gradient(plain_dx_.data(), plain_x_.data(), ctx_.n, c, L_.shape_.h * L_.shape_.w,
                            data_of(mean_), data_of(var_), L_.scale_.value.data(), sums_.data() + c,
                            sums_.data(), global_count_, BatchNormLayer::kEps);
    from_plain_dx_.run(s);
    s.wait();
  }

  // The backward primitive of `pd` on this layer's tensors (diff_dst in dd_) and `workspace`.
  template <class BackwardPd>
  Exec backward_exec(const BackwardPd& pd, const memory& workspace) {
    return Exec(dnnl::batch_normalization_backward(pd),
                {{DNNL_ARG_SRC, src_},
                 {DNNL_ARG_MEAN, mean_},
                 {DNNL_ARG_VARIANCE, var_},
                 {DNNL_ARG_DIFF_DST, dd_},
                 {DNNL_ARG_SCALE, scale_.memory()},
                 {DNNL_ARG_SHIFT, shift_.memory()},
                 {DNNL_ARG_WORKSPACE, workspace},
                 {DNNL_ARG_DIFF_SRC, diff_src_},
                 {DNNL_ARG_DIFF_SCALE, diff_scale_.memory()},
                 {DNNL_ARG_DIFF_SHIFT, diff_shift_.memory()}},
                ctx_.scratchpad);
  }

  void build_sync_backward() {
    const memory::desc data_md = src_.get_desc();
    const auto flags = flags_ | normalization_flags::use_global_stats;
    auto pd = compat::make_bn_bwd_pd(ctx_.engine, data_md, data_md, BatchNormLayer::kEps, flags,
                                     fwd_global_pd_);
    bwd_global_ = backward_exec(pd, workspace_global_);
    const memory::desc plain(L_.shape_.dims(ctx_.n), memory::data_type::f32,
                             L_.shape_.flat ? memory::format_tag::nc : memory::format_tag::nchw);
    const auto size = static_cast<size_t>(ctx_.n * L_.shape_.size());
    plain_x_.resize(size);
    plain_dx_.resize(size);
    const memory x = over(plain, ctx_.engine, plain_x_), dx = over(plain, ctx_.engine, plain_dx_);
    to_plain_x_ = Reorder(src_, x);
    to_plain_dx_ = Reorder(diff_src_, dx);
    from_plain_dx_ = Reorder(dx, diff_src_);
  }

  // running = (1 - momentum) running + momentum batch, with the variance made unbiased
  // (count / (count - 1)) as PyTorch does; oneDNN reports the biased one.
  void update_running_stats(int64_t count) {
    const float* mean = data_of(mean_);
    const float* var = data_of(var_);
    auto& rm = L_.running_mean_.value;
    auto& rv = L_.running_var_.value;
    const double m = BatchNormLayer::kMomentum;
    const double unbias = static_cast<double>(count) / static_cast<double>(count - 1);
    for (size_t c = 0; c < rm.size(); ++c) {
      rm[c] = static_cast<float>((1.0 - m) * rm[c] + m * mean[c]);
      rv[c] = static_cast<float>((1.0 - m) * rv[c] + m * var[c] * unbias);
    }
  }

  BatchNormLayer& L_;
  PlanContext ctx_;
  int64_t count_ = 0;
  bool synchronised_ = false;  // the last forward used the global batch's statistics
  int64_t global_count_ = 0;   // then: values per channel over all ranks
  normalization_flags flags_{};
  dnnl::batch_normalization_forward::primitive_desc fwd_pd_, fwd_global_pd_;
  memory src_, dst_, mean_, var_, workspace_, diff_src_, dd_, workspace_global_;
  std::vector<float> sums_, plain_x_, plain_dx_;
  Reorder to_plain_x_, to_plain_dx_, from_plain_dx_;
  Exec fwd_global_, bwd_global_;
  PlainVector scale_, shift_, running_mean_, running_var_, diff_scale_, diff_shift_;
  Reorder diff_dst_convert_;
  Exec fwd_, bwd_;
};

std::unique_ptr<LayerPlan> BatchNormLayer::make_plan(const PlanContext& ctx, const memory& src) {
  return std::make_unique<BatchNormPlan>(*this, ctx, src);
}

}  // namespace kcell::nn
